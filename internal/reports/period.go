package reports

import (
	"fmt"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/settings"
)

// Period kinds.
const (
	Day     = "day"
	Week    = "week" // Monday to Sunday (ISO weeks)
	Month   = "month"
	Quarter = "quarter"
	Year    = "year"
	Custom  = "custom" // From and To given
)

// maxCustomDays bounds a custom period (three years and a day or so).
const maxCustomDays = 3*366 + 1

// PeriodQuery is the period a report is asked for: a kind and a date inside it, or two dates.
type PeriodQuery struct {
	Kind string `json:"period" enum:"day,week,month,quarter,year,custom"`
	Date string `json:"date" doc:"YYYY-MM-DD, a day inside the period (default today)"`
	From string `json:"from" doc:"custom: the first day, YYYY-MM-DD"`
	To   string `json:"to" doc:"custom: the last day, YYYY-MM-DD (included)"`
}

// Period is a report's period: its first and last local days (both included) and the
// instants it spans in the clinic's zone.
type ReportPeriod struct {
	Kind     string    `json:"kind"`
	From     string    `json:"from" doc:"first day, YYYY-MM-DD"`
	To       string    `json:"to" doc:"last day (included), YYYY-MM-DD"`
	TimeZone string    `json:"time_zone"`
	Zone     string    `json:"-"` // the zone's name as PostgreSQL knows it (AT TIME ZONE)
	Start    time.Time `json:"-"` // the first day's midnight in the clinic's zone
	End      time.Time `json:"-"` // the midnight after the last day
}

// Days is how many days the period holds.
func (p ReportPeriod) Days() int {
	a, _ := time.Parse(time.DateOnly, p.From)
	b, _ := time.Parse(time.DateOnly, p.To)
	return int(b.Sub(a).Hours()/24) + 1
}

func parseDay(field, s string) (time.Time, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil || t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, apperr.Invalid(apperr.FieldError{Field: field, Code: apperr.CodeInvalid, Message: "The date must be YYYY-MM-DD."})
	}
	return t, nil
}

// Resolve turns a query into a period in loc; today is the clinic's date now.
func (q PeriodQuery) Resolve(loc *time.Location, today time.Time) (ReportPeriod, error) {
	kind := q.Kind
	if kind == "" {
		kind = Month
	}
	anchor := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	if q.Date != "" && kind != Custom {
		t, err := parseDay("date", q.Date)
		if err != nil {
			return ReportPeriod{}, err
		}
		anchor = t
	}
	var from, to time.Time // local days, as UTC dates
	switch kind {
	case Day:
		from, to = anchor, anchor
	case Week:
		back := (int(anchor.Weekday()) + 6) % 7 // days since Monday
		from = anchor.AddDate(0, 0, -back)
		to = from.AddDate(0, 0, 6)
	case Month:
		from = time.Date(anchor.Year(), anchor.Month(), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 1, -1)
	case Quarter:
		m := (int(anchor.Month())-1)/3*3 + 1
		from = time.Date(anchor.Year(), time.Month(m), 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(0, 3, -1)
	case Year:
		from = time.Date(anchor.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
		to = from.AddDate(1, 0, -1)
	case Custom:
		var err error
		if from, err = parseDay("from", q.From); err != nil {
			return ReportPeriod{}, err
		}
		if to, err = parseDay("to", q.To); err != nil {
			return ReportPeriod{}, err
		}
		if to.Before(from) || to.Sub(from).Hours()/24 >= maxCustomDays {
			return ReportPeriod{}, apperr.Invalid(apperr.FieldError{Field: "to", Code: apperr.CodeOutOfRange,
				Message: fmt.Sprintf("The last day comes on or after the first, at most %d days later.", maxCustomDays-1)})
		}
	default:
		return ReportPeriod{}, apperr.Invalid(apperr.FieldError{Field: "period", Code: apperr.CodeInvalid,
			Message: "The period is day, week, month, quarter, year or custom."})
	}
	return ReportPeriod{Kind: kind, From: from.Format(time.DateOnly), To: to.Format(time.DateOnly), TimeZone: pgZone(loc), Zone: pgZone(loc),
		Start: time.Date(from.Year(), from.Month(), from.Day(), 0, 0, 0, 0, loc),
		End:   time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, loc)}, nil
}

// pgZone is loc's IANA name, for PostgreSQL (the machine's zone named, not "Local").
func pgZone(loc *time.Location) string {
	return settings.ZoneName(loc)
}

// DHIS2 is the period as DHIS2 names it (20261130, 2026W48, 202611, 2026Q4, 2026); a custom
// period has no DHIS2 name ("").
func (p ReportPeriod) DHIS2() string {
	from, _ := time.Parse(time.DateOnly, p.From)
	switch p.Kind {
	case Day:
		return from.Format("20060102")
	case Week:
		y, w := from.ISOWeek()
		return fmt.Sprintf("%dW%d", y, w)
	case Month:
		return from.Format("200601")
	case Quarter:
		return fmt.Sprintf("%dQ%d", from.Year(), (int(from.Month())-1)/3+1)
	case Year:
		return from.Format("2006")
	}
	return ""
}
