package patients

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/i18n"
)

// Kinds of timeline entry. The caller says which the user may see.
const (
	KindAppointment  = "appointment"
	KindEncounter    = "encounter"
	KindVitals       = "vitals"
	KindPrescription = "prescription"
	KindBill         = "bill"
)

// TimelineEntry is one event of a patient's history.
type TimelineEntry struct {
	Kind    string    `json:"kind"`
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Title   string    `json:"title"`
	Details string    `json:"details"`
}

// Timeline is a patient's history, newest first.
type Timeline struct {
	Items []TimelineEntry `json:"items"`
}

// timelineSources is, per kind, the query of its entries ($1 = patient id).
var timelineSources = map[string]string{
	// The appointment's wall-clock time in the clinic's zone, read as if UTC; Timeline moves it.
	KindAppointment: `SELECT 'appointment', a.id, (a.date + a.time)::timestamp AT TIME ZONE 'UTC',
	                         a.status, coalesce(u.first_name || ' ' || u.last_name, '') || coalesce(' · ' || a.reason, '')
	                    FROM core_appointment a JOIN auth_user u ON u.id = a.doctor_id WHERE a.patient_id = $1`,
	KindEncounter: `SELECT 'encounter', e.id, e.created_at, coalesce(e.diagnosis, ''), e.notes
	                  FROM core_encounter e WHERE e.patient_id = $1`,
	// A reading may hold any of its measures (a weight alone): its values go out as JSON, and
	// timelineVitals writes the title and details in the user's language.
	KindVitals: `SELECT 'vitals', v.id, v.recorded_at, '',
	                    json_build_object('sbp', v.systolic_bp, 'dbp', v.diastolic_bp, 'hr', v.heart_rate, 'rr', v.respiratory_rate,
	                                      't', v.temperature, 'spo2', v.oxygen_saturation, 'w', v.weight, 'h', v.height)::text
	               FROM core_vitals v JOIN core_encounter e ON e.id = v.encounter_id WHERE e.patient_id = $1`,
	KindPrescription: `SELECT 'prescription', pr.id, pr.created_at, pr.medication_name, pr.dosage || ', ' || pr.frequency
	                     FROM core_prescription pr JOIN core_encounter e ON e.id = pr.encounter_id WHERE e.patient_id = $1`,
	// The bill's amounts go out as JSON; Timeline writes them in the user's language.
	KindBill: `SELECT 'bill', b.id, b.created_at, b.status, json_build_object('total', b.total_amount::text, 'paid', b.paid_amount::text)::text
	             FROM core_bill b WHERE b.patient_id = $1`,
}

// Timeline returns the entries of the kinds the user may see, newest first (at most limit).
// Statuses, measures and their labels are in ctx's language (i18n.LangOf), numbers in its
// format ("T 37,8 °C" in French); what people typed (diagnoses, reasons) is as typed.
func (s *Service) Timeline(ctx context.Context, id int64, kinds []string, limit int) (Timeline, error) {
	out := Timeline{Items: []TimelineEntry{}}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	ok, err := Exists(ctx, s.db.Pool, id)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, apperr.ErrNotFound
	}
	var parts []string
	for _, k := range kinds {
		if q, ok := timelineSources[k]; ok {
			parts = append(parts, q)
		}
	}
	if len(parts) == 0 {
		return out, nil
	}
	lang := i18n.LangOf(ctx)
	loc, err := ClinicLocation(ctx, s.db.Pool)
	if err != nil {
		return out, err
	}
	// Each source is cut at limit; the merged list is sorted and cut again below.
	rows, err := s.db.Pool.Query(ctx, `SELECT * FROM (`+strings.Join(parts, " UNION ALL ")+`) t (kind, id, at, title, details)
		ORDER BY at DESC, kind, id DESC LIMIT $2`, id, limit*len(parts))
	if err != nil {
		return out, fmt.Errorf("timeline: %w", err)
	}
	out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TimelineEntry, error) {
		var e TimelineEntry
		err := r.Scan(&e.Kind, &e.ID, &e.At, &e.Title, &e.Details)
		e.At = e.At.UTC()
		if err != nil {
			return e, err
		}
		switch e.Kind {
		case KindAppointment:
			w := e.At
			e.At = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
			e.Title = statusText(lang, "appointment", e.Title)
		case KindBill:
			e.Title = statusText(lang, "bill", e.Title)
			var b struct{ Total, Paid string }
			if err := json.Unmarshal([]byte(e.Details), &b); err != nil {
				return e, err
			}
			e.Details = lang.T("timeline.bill", "total", b.Total, "paid", b.Paid)
		case KindVitals:
			var v vitalsValues
			if err := json.Unmarshal([]byte(e.Details), &v); err != nil {
				return e, err
			}
			e.Title, e.Details = v.text(lang)
		}
		return e, nil
	})
	if err != nil {
		return out, fmt.Errorf("timeline: %w", err)
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].At.After(out.Items[j].At) })
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
	}
	return out, nil
}

// statusText is a status in l ("Terminé" for completed in French), the status itself when the
// catalog lacks it.
func statusText(l i18n.Lang, of, status string) string {
	key := "status." + of + "." + status
	if !i18n.Has(key) {
		return status
	}
	return l.T(key)
}

// vitalsValues are a reading's measures, as the timeline's query gives them.
type vitalsValues struct {
	SBP  *int     `json:"sbp"`
	DBP  *int     `json:"dbp"`
	HR   *int     `json:"hr"`
	RR   *int     `json:"rr"`
	T    *float64 `json:"t"`
	SpO2 *float64 `json:"spo2"`
	W    *float64 `json:"w"`
	H    *float64 `json:"h"`
}

// text is a reading's timeline title and details in l: the title is the pressure, or failing
// that the first measure taken (temperature, then weight); the details are the others taken.
// Temperature, weight and height keep the one decimal they are stored with ("T 37,8 °C").
func (v vitalsValues) text(l i18n.Lang) (title, details string) {
	var parts []string
	add := func(key string, pairs ...any) { parts = append(parts, l.T(key, pairs...)) }
	var titleKey string
	switch {
	case v.SBP != nil && v.DBP != nil:
		title = l.T("timeline.bp", "sys", *v.SBP, "dia", *v.DBP)
	case v.T != nil:
		title, titleKey = l.T("timeline.temp", "v", l.Number(*v.T, 1)), "t"
	case v.W != nil:
		title, titleKey = l.T("timeline.weight_title", "v", l.Number(*v.W, 1)), "w"
	default:
		title = l.T("timeline.vitals")
	}
	if v.HR != nil {
		add("timeline.hr", "v", *v.HR)
	}
	if v.RR != nil {
		add("timeline.rr", "v", *v.RR)
	}
	if v.T != nil && titleKey != "t" {
		add("timeline.temp", "v", l.Number(*v.T, 1))
	}
	if v.SpO2 != nil {
		add("timeline.spo2", "v", *v.SpO2)
	}
	if v.W != nil && titleKey != "w" {
		add("timeline.weight", "v", l.Number(*v.W, 1))
	}
	if v.H != nil {
		add("timeline.height", "v", l.Number(*v.H, 1))
	}
	return title, strings.Join(parts, ", ")
}
