package billing

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/settings"
)

// DailyReport is one day of the clinic, in the clinic's time zone: visits, new patients, the
// money taken (by method and by cashier, to match the drawer), what was billed and dispensed,
// and what is still owed.
type DailyReport struct {
	Date        string          `json:"date"`
	TimeZone    string          `json:"time_zone"`
	Visits      ReportVisits    `json:"visits"`
	NewPatients int64           `json:"new_patients"`
	Revenue     ReportRevenue   `json:"revenue"`
	Billed      ReportBilled    `json:"billed"`
	Outstanding ReportOwed      `json:"outstanding"`
	Dispensed   []DispensedLine `json:"dispensed"`
}

// ReportVisits counts the day's visits: appointments that came (checked in, in consultation
// or completed) and encounters opened.
type ReportVisits struct {
	Appointments int64 `json:"appointments"`
	Encounters   int64 `json:"encounters"`
}

// ReportRevenue is the money received during the day.
type ReportRevenue struct {
	Total     Money         `json:"total"`
	Payments  int64         `json:"payments"`
	ByMethod  []MethodTotal `json:"by_method"`
	ByCashier []UserTotal   `json:"by_cashier"`
}

// MethodTotal is the money received with one method.
type MethodTotal struct {
	Method   string `json:"method"`
	Payments int64  `json:"payments"`
	Amount   Money  `json:"amount"`
}

// UserTotal is the money one cashier received.
type UserTotal struct {
	UserID   *int64 `json:"user_id"`
	Name     string `json:"name"`
	Payments int64  `json:"payments"`
	Amount   Money  `json:"amount"`
}

// ReportBilled is what was charged during the day (lines of bills not cancelled).
type ReportBilled struct {
	Bills  int64 `json:"bills" doc:"bills opened that day"`
	Amount Money `json:"amount" doc:"lines charged that day, credits deducted"`
}

// ReportOwed is every balance still owed, as of the report (not only that day's).
type ReportOwed struct {
	Bills  int64 `json:"bills"`
	Amount Money `json:"amount"`
}

// DispensedLine is a medication dispensed (charged) during the day.
type DispensedLine struct {
	Description string `json:"description"`
	Quantity    int64  `json:"quantity"`
	Amount      Money  `json:"amount"`
}

// Daily builds the report of a date (YYYY-MM-DD, the clinic's local date; "" is today).
func (s *Service) Daily(ctx context.Context, date string) (DailyReport, error) {
	loc, err := settings.Location(ctx, s.db.Pool)
	if err != nil {
		return DailyReport{}, err
	}
	var day time.Time
	if date == "" {
		y, m, d := s.now().In(loc).Date()
		day = time.Date(y, m, d, 0, 0, 0, 0, loc)
	} else {
		t, err := time.Parse(time.DateOnly, date)
		if err != nil || t.Year() < 2000 || t.Year() > 2200 {
			return DailyReport{}, apperr.Invalid(apperr.FieldError{Field: "date", Code: apperr.CodeInvalid, Message: "The date must be YYYY-MM-DD."})
		}
		day = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	}
	from, to := day, day.AddDate(0, 0, 1)
	r := DailyReport{Date: day.Format(time.DateOnly), TimeZone: settings.ZoneName(loc), Dispensed: []DispensedLine{}}

	// One snapshot for the whole report: its figures agree with each other.
	tx, err := db.BeginSnapshot(ctx, s.db.Pool)
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	err = tx.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM core_appointment WHERE date = $1::date AND status IN ('checked_in', 'in_progress', 'completed')),
		       (SELECT count(*) FROM core_encounter WHERE created_at >= $2 AND created_at < $3),
		       (SELECT count(*) FROM core_patient WHERE created_at >= $2 AND created_at < $3),
		       (SELECT count(*) FROM core_bill WHERE created_at >= $2 AND created_at < $3 AND status <> 'cancelled'),
		       (SELECT coalesce(sum(i.total_price), 0)::text FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
		         WHERE i.created_at >= $2 AND i.created_at < $3 AND b.status <> 'cancelled'),
		       (SELECT count(*) FROM core_bill WHERE status IN ('pending', 'partially_paid') AND total_amount > paid_amount),
		       (SELECT coalesce(sum(total_amount - paid_amount), 0)::text FROM core_bill WHERE status IN ('pending', 'partially_paid'))`,
		r.Date, from, to).Scan(&r.Visits.Appointments, &r.Visits.Encounters, &r.NewPatients, &r.Billed.Bills, &r.Billed.Amount,
		&r.Outstanding.Bills, &r.Outstanding.Amount)
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: counts: %w", err)
	}

	r.Revenue.ByMethod, err = db.QueryAll(ctx, tx, pgx.RowToStructByPos[MethodTotal], `
		SELECT payment_method, count(*), sum(amount)::text FROM core_payment
		 WHERE payment_date >= $1 AND payment_date < $2 GROUP BY payment_method ORDER BY sum(amount) DESC, payment_method`, from, to)
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: methods: %w", err)
	}
	for _, m := range r.Revenue.ByMethod {
		r.Revenue.Total = r.Revenue.Total.Add(m.Amount)
		r.Revenue.Payments += m.Payments
	}
	r.Revenue.ByCashier, err = db.QueryAll(ctx, tx, pgx.RowToStructByPos[UserTotal], `
		SELECT pm.received_by,
		       coalesce(nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.username, ''),
		       count(*), sum(pm.amount)::text
		  FROM core_payment pm LEFT JOIN auth_user u ON u.id = pm.received_by
		 WHERE pm.payment_date >= $1 AND pm.payment_date < $2
		 GROUP BY pm.received_by, u.first_name, u.last_name, u.username ORDER BY sum(pm.amount) DESC, 2`, from, to)
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: cashiers: %w", err)
	}
	r.Dispensed, err = db.QueryAll(ctx, tx, pgx.RowToStructByPos[DispensedLine], `
		SELECT i.description, sum(i.quantity), sum(i.total_price)::text
		  FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
		 WHERE i.kind = 'medication' AND i.created_at >= $1 AND i.created_at < $2 AND b.status <> 'cancelled'
		 GROUP BY i.description ORDER BY sum(i.quantity) DESC, i.description`, from, to)
	if err != nil {
		return DailyReport{}, fmt.Errorf("daily report: dispensed: %w", err)
	}
	return r, nil

}

// WriteCSV writes the report as CSV (section, item, count, amount), one row per figure, the
// headers and labels in l. A cell a spreadsheet would run as a formula (starting with = + - @,
// a tab or a carriage return) is prefixed with an apostrophe.
func (r DailyReport) WriteCSV(w io.Writer, l i18n.Lang) error {
	cw := csv.NewWriter(w)
	n := func(v int64) string { return strconv.FormatInt(v, 10) }
	rows := [][]string{
		{l.T("csv.section"), l.T("csv.item"), l.T("csv.count"), l.T("csv.amount")},
		{l.T("csv.report"), l.T("csv.date", "date", r.Date, "zone", r.TimeZone), "", ""},
		{l.T("csv.visits"), l.T("csv.appointments"), n(r.Visits.Appointments), ""},
		{l.T("csv.visits"), l.T("csv.encounters"), n(r.Visits.Encounters), ""},
		{l.T("csv.patients"), l.T("csv.new"), n(r.NewPatients), ""},
		{l.T("csv.revenue"), l.T("csv.total"), n(r.Revenue.Payments), r.Revenue.Total.String()},
	}
	for _, m := range r.Revenue.ByMethod {
		rows = append(rows, []string{l.T("csv.by_method"), methodText(l, m.Method), n(m.Payments), m.Amount.String()})
	}
	for _, u := range r.Revenue.ByCashier {
		rows = append(rows, []string{l.T("csv.by_cashier"), u.Name, n(u.Payments), u.Amount.String()})
	}
	rows = append(rows,
		[]string{l.T("csv.billed"), l.T("csv.bills_lines"), n(r.Billed.Bills), r.Billed.Amount.String()},
		[]string{l.T("csv.outstanding"), l.T("csv.balances"), n(r.Outstanding.Bills), r.Outstanding.Amount.String()})
	for _, d := range r.Dispensed {
		rows = append(rows, []string{l.T("csv.dispensed"), d.Description, n(d.Quantity), d.Amount.String()})
	}
	for _, row := range rows {
		for i, cell := range row {
			row[i] = CSVSafe(cell)
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// CSVSafe keeps a spreadsheet from running a cell as a formula (CSV injection): a cell that
// starts with =, +, -, @, a tab or a carriage return gets a leading apostrophe.
func CSVSafe(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
