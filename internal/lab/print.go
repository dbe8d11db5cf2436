package lab

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/patients"
	"chelal/internal/pdfdoc"
	"chelal/internal/settings"
)

// printed loads an order for a document, in one audited reading.
func (s *Service) printed(ctx context.Context, actor db.Actor, id int64, what string) (o Order, clinic string, loc *time.Location, err error) {
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if o, err = getOrder(ctx, tx, id); err != nil {
			return err
		}
		if clinic, err = settings.Get(ctx, tx, settings.ClinicName, settings.DefaultClinicName); err != nil {
			return err
		}
		if loc, err = settings.Location(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_laborder", ObjectID: id,
			Changes: map[string]any{"printed": what}})
	})
	return o, clinic, loc, err
}

// LabelPDF is the specimen label for the 80 mm printer: the patient, the tests and a Code 128
// barcode of the order number (LAB-<id>).
func (s *Service) LabelPDF(ctx context.Context, actor db.Actor, id int64) ([]byte, error) {
	o, clinic, loc, err := s.printed(ctx, actor, id, "label")
	if err != nil {
		return nil, err
	}
	l := i18n.LangOf(ctx)
	d := pdfdoc.New(pdfdoc.Size{W: 80, H: 60}, clinic, l.T("lab.label_title"), o.CreatedAt)
	d.Field(l.T("lab.patient"), o.PatientName+" · "+o.PatientUniqueID)
	for _, t := range o.Tests {
		d.Paragraph(t)
	}
	at := o.CreatedAt
	if o.CollectedAt != nil {
		at = *o.CollectedAt
	}
	d.Field(l.T("lab.collected"), l.Date(at.In(loc), true))
	if err := d.Barcode("LAB-"+strconv.FormatInt(o.ID, 10), 10); err != nil {
		return nil, err
	}
	return d.Bytes()
}

// flagText is a flag in l.
func flagText(l i18n.Lang, flag string) string {
	if flag == "" {
		return ""
	}
	return l.T("lab.flag." + flag)
}

// valueText is a result's value as printed.
func valueText(l i18n.Lang, r Result) string {
	switch {
	case r.Status == ResultPending:
		return l.T("lab.pending")
	case r.ValueNumeric != nil:
		return l.Number(*r.ValueNumeric, -1) + " " + r.Unit
	}
	return r.ValueText
}

// ReportPDF is the order's lab report (A4) in ctx's language.
func (s *Service) ReportPDF(ctx context.Context, actor db.Actor, id int64) ([]byte, error) {
	o, clinic, loc, err := s.printed(ctx, actor, id, "report")
	if err != nil {
		return nil, err
	}
	l := i18n.LangOf(ctx)
	d := pdfdoc.New(pdfdoc.A4, clinic, l.T("lab.report_title"), o.CreatedAt)
	d.Field(l.T("lab.patient"), o.PatientName+" · "+o.PatientUniqueID)
	d.Field(l.T("lab.ordered_by"), o.OrderedByName+" · "+l.Date(o.CreatedAt.In(loc), true))
	if o.CollectedAt != nil {
		d.Field(l.T("lab.collected"), l.Date(o.CollectedAt.In(loc), true))
	}
	rows := make([][]string, 0, len(o.Results))
	for _, r := range o.Results {
		flag := flagText(l, r.Flag)
		if r.Amended {
			flag += " (" + l.T("lab.amended") + ")"
		}
		rows = append(rows, []string{r.TestName, valueText(l, r), r.Reference, flag})
	}
	d.Table([]pdfdoc.Column{{Title: l.T("lab.test"), Share: 0.35}, {Title: l.T("lab.result"), Share: 0.25},
		{Title: l.T("lab.reference"), Share: 0.2}, {Title: l.T("lab.flag"), Share: 0.2}}, rows)
	return d.Bytes()
}

// TimelineKind is the kind of the entries the lab contributes to a patient's timeline.
const TimelineKind = "lab"

// TimelineEntries are a patient's final results for the chart's timeline, newest first: the
// test and its value, the flag in the details.
func TimelineEntries(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	lang := i18n.LangOf(ctx)
	return patients.TimelineRows(ctx, q, TimelineKind, `
		SELECT r.id, r.verified_at,
		       json_build_object('en', t.name_en, 'fr', t.name_fr, 'sw', t.name_sw,
		                         'v', coalesce(trim_scale(r.value_numeric)::text || ' ' || t.unit, r.value_text))::text,
		       r.flag
		  FROM core_labresult r JOIN core_labtest t ON t.id = r.test_id
		 WHERE r.patient_id = $1 AND r.status = 'final'
		 ORDER BY r.verified_at DESC, r.id DESC LIMIT $2`, patientID, limit, func(e *patients.TimelineEntry) error {
		var n struct{ EN, FR, SW, V string }
		if err := json.Unmarshal([]byte(e.Title), &n); err != nil {
			return err
		}
		t := Test{NameEN: n.EN, NameFR: n.FR, NameSW: n.SW}
		e.Title = t.nameIn(lang) + ": " + n.V
		e.Details = flagText(lang, e.Details)
		return nil
	})
}

// Reports of the lab over [from, to) (the clinic's days), as CSV.
const (
	ReportWorkload   = "workload"   // day, test, ordered, completed
	ReportTurnaround = "turnaround" // test, results, median and 90th percentile minutes from order to final, target
	ReportPositivity = "positivity" // rapid test, results, abnormal, rate
)

// WriteReport writes one of the lab's reports over [from, to) as CSV, days in the clinic's time zone.
func (s *Service) WriteReport(ctx context.Context, w io.Writer, kind string, from, to time.Time) error {
	snap, err := s.db.Pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer func() { _ = snap.Rollback(ctx) }()
	loc, err := settings.Location(ctx, snap)
	if err != nil {
		return err
	}
	var sql string
	var head []string
	switch kind {
	case ReportWorkload:
		head = []string{"day", "test", "ordered", "final"}
		sql = `SELECT (r.created_at AT TIME ZONE $3)::date::text, t.code, count(*)::text, count(*) FILTER (WHERE r.status = 'final')::text
		         FROM core_labresult r JOIN core_labtest t ON t.id = r.test_id
		        WHERE r.created_at >= $1 AND r.created_at < $2 GROUP BY 1, 2 ORDER BY 1, 2`
	case ReportTurnaround:
		head = []string{"test", "results", "median_minutes", "p90_minutes", "target_minutes"}
		sql = `SELECT t.code, count(*)::text,
		              round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM r.verified_at - r.created_at) / 60)::numeric, 1)::text,
		              round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM r.verified_at - r.created_at) / 60)::numeric, 1)::text,
		              t.turnaround_minutes::text
		         FROM core_labresult r JOIN core_labtest t ON t.id = r.test_id
		        WHERE r.status = 'final' AND r.created_at >= $1 AND r.created_at < $2 AND $3 <> '' GROUP BY t.code, t.turnaround_minutes ORDER BY 1`
	default:
		head = []string{"test", "results", "abnormal", "positivity_percent"}
		sql = `SELECT t.code, count(*)::text, count(*) FILTER (WHERE r.flag = 'abnormal')::text,
		              round(100.0 * count(*) FILTER (WHERE r.flag = 'abnormal') / count(*), 1)::text
		         FROM core_labresult r JOIN core_labtest t ON t.id = r.test_id
		        WHERE t.result_type = 'choice' AND r.status = 'final' AND r.created_at >= $1 AND r.created_at < $2 AND $3 <> ''
		        GROUP BY t.code ORDER BY 1`
	}
	rows, err := snap.Query(ctx, sql, from, to, settings.ZoneName(loc)) // the machine's zone by its name: PostgreSQL knows no "Local"
	if err != nil {
		return fmt.Errorf("lab report: %w", err)
	}
	out := csv.NewWriter(w)
	if err := out.Write(head); err != nil {
		return err
	}
	for rows.Next() {
		vals := make([]string, len(head))
		ptrs := make([]any, len(head))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		if err := out.Write(vals); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	out.Flush()
	return out.Error()
}
