package reports

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/billing"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/pdfdoc"
	"chelal/internal/settings"
)

// Report kinds.
const (
	Attendance   = "attendance"
	Morbidity    = "morbidity"
	Revenue      = "revenue"
	Pharmacy     = "pharmacy"
	Appointments = "appointments"
)

// Kinds are the reports, in the order the screen lists them.
var Kinds = []string{Attendance, Morbidity, Revenue, Pharmacy, Appointments}

// Report is one report over a period: headline figures and sections (tables), labelled in the
// reader's language. The screen, the CSV, the PDF and the DHIS2 export all read this shape.
type Report struct {
	Kind     string          `json:"kind" enum:"attendance,morbidity,revenue,pharmacy,appointments"`
	Title    string          `json:"title"`
	Period   ReportPeriod    `json:"period"`
	Currency string          `json:"currency" doc:"the clinic's currency of money cells ('' : none)"`
	Figures  []ReportFigure  `json:"figures"`
	Sections []ReportSection `json:"sections"`
}

// Figure is a headline number of a report.
type ReportFigure struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Value string `json:"value" doc:"an integer, or an amount with two decimals when money"`
	Money bool   `json:"money"`
}

// Section is a table of a report: its columns, its rows, and the chart the screen draws of it.
type ReportSection struct {
	Key     string         `json:"key"`
	Title   string         `json:"title"`
	Chart   string         `json:"chart" enum:"bar,line,none" doc:"bar: the first column of each row; line: every column along the rows (by day)"`
	Columns []ReportColumn `json:"columns"`
	Rows    []ReportRow    `json:"rows"`
}

// Column is a column of a section.
type ReportColumn struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	Money bool   `json:"money"`
	Text  bool   `json:"text" doc:"not a number (a date, a name)"`
}

// Row is a line of a section: its key (stable, for the DHIS2 mapping), its label, and one
// value per column.
type ReportRow struct {
	Key    string   `json:"key"`
	Label  string   `json:"label"`
	Values []string `json:"values"`
}

// Service builds the reports.
type Service struct {
	db      *db.DB
	now     func() time.Time
	flights flights
}

// NewService returns the reports of the database d.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// SetClock makes the service read now from fn (tests).
func (s *Service) SetClock(fn func() time.Time) { s.now = fn }

// builder computes one kind of report inside a snapshot.
type builder func(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, r *Report) error

var builders = map[string]builder{
	Attendance: attendance, Morbidity: morbidity, Revenue: revenue, Pharmacy: pharmacy, Appointments: appointmentsReport,
}

// Build builds the report kind over the period q, in l; concurrent readers of the same report
// share one computation (flights).
func (s *Service) Build(ctx context.Context, kind string, q PeriodQuery, l i18n.Lang) (Report, error) {
	return s.flights.do(ctx, flightKey(kind, q, string(l)), func(ctx context.Context, snapshot func()) (Report, error) {
		if dk, ok := dayKinds[kind]; ok {
			return s.buildDays(ctx, kind, dk, q, l, snapshot)
		}
		return s.buildPlain(ctx, kind, q, l, snapshot)
	})
}

func build(ctx context.Context, tx pgx.Tx, b builder, kind string, p ReportPeriod, l i18n.Lang) (Report, error) {
	bands, err := ageBands(ctx, tx)
	if err != nil {
		return Report{}, err
	}
	cur, err := settings.Get(ctx, tx, settings.Currency, "")
	if err != nil {
		return Report{}, err
	}
	r := Report{Kind: kind, Title: l.T("report." + kind), Period: p, Currency: cur, Figures: []ReportFigure{}, Sections: []ReportSection{}}
	if err := b(ctx, tx, l, p, bands, &r); err != nil {
		return Report{}, fmt.Errorf("report %s: %w", kind, err)
	}
	return r, nil
}

// ageBands is the clinic's age groups (report_age_bands, else the default).
func ageBands(ctx context.Context, q db.Querier) ([]int, error) {
	bands, err := settings.Get(ctx, q, settings.ReportAgeBands, settings.DefaultReportAgeBands)
	if err != nil {
		return nil, err
	}
	if !settings.AgeBandsValid(bands) {
		bands = settings.DefaultReportAgeBands
	}
	return bands, nil
}

// period resolves q in the clinic's zone and today.
func (s *Service) period(ctx context.Context, q db.Querier, pq PeriodQuery) (ReportPeriod, error) {
	loc, err := settings.Location(ctx, q)
	if err != nil {
		return ReportPeriod{}, err
	}
	return pq.Resolve(loc, settings.DateIn(s.now(), loc))
}

// Section returns the section key of r (nil when absent).
func (r *Report) Section(key string) *ReportSection {
	for i := range r.Sections {
		if r.Sections[i].Key == key {
			return &r.Sections[i]
		}
	}
	return nil
}

// Cell is the value at row and column of a section ("" and false when absent). A figure is
// the cell of section "figures", row "total", column its key.
func (r *Report) Cell(section, row, column string) (string, bool) {
	if section == "figures" {
		for _, f := range r.Figures {
			if f.Key == column && (row == "total" || row == "") {
				return f.Value, true
			}
		}
		return "", false
	}
	sec := r.Section(section)
	if sec == nil {
		return "", false
	}
	col := -1
	for i, c := range sec.Columns {
		if c.Key == column {
			col = i
		}
	}
	if col < 0 {
		return "", false
	}
	for _, rw := range sec.Rows {
		if rw.Key == row {
			return rw.Values[col], true
		}
	}
	// A row the period did not have (no case of that code) counts zero.
	return "0", !sec.Columns[col].Text
}

// WriteCSV writes the report: a title line, the figures, then each section with its header,
// separated by empty lines; formula-like cells are escaped (billing.CSVSafe).
func (r Report) WriteCSV(w io.Writer, l i18n.Lang) error {
	cw := csv.NewWriter(w)
	put := func(cells ...string) {
		for i, c := range cells {
			cells[i] = billing.CSVSafe(c)
		}
		_ = cw.Write(cells)
	}
	put(r.Title, l.T("report.period_line", "from", r.Period.From, "to", r.Period.To, "zone", r.Period.TimeZone))
	for _, f := range r.Figures {
		put(f.Label, f.Value)
	}
	for _, s := range r.Sections {
		put()
		head := []string{s.Title}
		for _, c := range s.Columns {
			head = append(head, c.Label)
		}
		put(head...)
		for _, row := range s.Rows {
			put(append([]string{row.Label}, row.Values...)...)
		}
	}
	cw.Flush()
	return cw.Error()
}

// PDF prints the report on A4 pages: the clinic, the title and period, the figures, then each
// section's table. Money is printed in the clinic's currency in l's way.
func (r Report) PDF(clinic string, l i18n.Lang, printed time.Time) ([]byte, error) {
	return r.pdfDoc(clinic, l, printed).Bytes()
}

func (r Report) pdfDoc(clinic string, l i18n.Lang, printed time.Time) *pdfdoc.Doc {
	d := pdfdoc.New(pdfdoc.A4, clinic, r.Title, printed)
	d.Field(l.T("report.period"), l.T("report.period_value", "from", r.Period.From, "to", r.Period.To, "zone", r.Period.TimeZone))
	for _, f := range r.Figures {
		v := f.Value
		if f.Money {
			v = l.Money(v, r.Currency)
		}
		d.Field(f.Label, v)
	}
	for _, s := range r.Sections {
		d.Space(3)
		d.Heading(s.Title)
		if len(s.Rows) == 0 {
			d.Paragraph(l.T("report.nothing"))
			continue
		}
		cols := []pdfdoc.Column{{Title: "", Share: 3, Align: "L"}}
		for _, c := range s.Columns {
			al, share := "R", 1.0
			if c.Text {
				al = "L"
			}
			if c.Money {
				share = 1.6
			}
			cols = append(cols, pdfdoc.Column{Title: c.Label, Share: share, Align: al})
		}
		rows := make([][]string, 0, len(s.Rows))
		for _, row := range s.Rows {
			cells := []string{row.Label}
			for i, v := range row.Values {
				if s.Columns[i].Money {
					v = l.Money(v, r.Currency)
				}
				cells = append(cells, v)
			}
			rows = append(rows, cells)
		}
		d.Table(cols, rows)
	}
	return d
}

// ClinicName is the clinic's name as documents print it.
func (s *Service) ClinicName(ctx context.Context) (string, error) {
	return settings.Get(ctx, s.db.Pool, settings.ClinicName, settings.DefaultClinicName)
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// csvBytes is the report as CSV bytes.
func (r Report) CSV(l i18n.Lang) ([]byte, error) {
	var b bytes.Buffer
	err := r.WriteCSV(&b, l)
	return b.Bytes(), err
}
