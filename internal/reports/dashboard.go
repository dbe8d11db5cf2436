package reports

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/i18n"
)

// Dashboard is this month at a glance against last month: both months are counted up to the
// same day of the month (this month so far against the same days of last month), so the trend
// is fair on any day.
type Dashboard struct {
	Period        ReportPeriod         `json:"period" doc:"this month so far"`
	Previous      ReportPeriod         `json:"previous" doc:"the same days of last month"`
	Visits        DashboardTrend       `json:"visits"`
	NewPatients   DashboardTrend       `json:"new_patients"`
	Revenue       DashboardTrend       `json:"revenue" doc:"money received (decimal strings)"`
	TopDiagnoses  []DashboardDiagnosis `json:"top_diagnoses" doc:"the five codes diagnosed most this month"`
	LowStock      []DashboardStock     `json:"low_stock" doc:"medications at or under their reorder level (at most ten)"`
	LowStockCount int64                `json:"low_stock_count"`
}

// Trend is a figure this month and last month.
type DashboardTrend struct {
	Current  string `json:"current"`
	Previous string `json:"previous"`
}

// DiagnosisLine is a code's count this month and last month.
type DashboardDiagnosis struct {
	Code     string `json:"code"`
	Title    string `json:"title"`
	Current  int64  `json:"current"`
	Previous int64  `json:"previous"`
}

// StockLine is a medication low on stock.
type DashboardStock struct {
	ID      int64  `json:"id"`
	Name    string `json:"name"`
	Stock   int64  `json:"stock"`
	Reorder int64  `json:"reorder_level"`
}

// Dashboard builds the home page's month at a glance, in l.
func (s *Service) Dashboard(ctx context.Context, l i18n.Lang) (Dashboard, error) {
	var out Dashboard
	err := db.Snapshot(ctx, s.db.Pool, func(tx pgx.Tx) error {
		cur, err := s.period(ctx, tx, PeriodQuery{Kind: Month})
		if err != nil {
			return err
		}
		today := settingsToday(s.now(), cur)
		from, _ := time.Parse(time.DateOnly, cur.From)
		prevFrom := from.AddDate(0, -1, 0)
		prevTo := prevFrom.AddDate(0, 0, today.Day()-1)
		if last := from.AddDate(0, 0, -1); prevTo.After(last) {
			prevTo = last
		}
		if cur, err = (PeriodQuery{Kind: Custom, From: cur.From, To: today.Format(time.DateOnly)}).Resolve(cur.Start.Location(), today); err != nil {
			return err
		}
		prev, err := (PeriodQuery{Kind: Custom, From: prevFrom.Format(time.DateOnly), To: prevTo.Format(time.DateOnly)}).Resolve(cur.Start.Location(), today)
		if err != nil {
			return err
		}
		out.Period, out.Previous = cur, prev
		for i, p := range []ReportPeriod{cur, prev} {
			var visits, patients int64
			var money string
			if err := tx.QueryRow(ctx, `
				SELECT (SELECT count(*) FROM core_encounter WHERE created_at >= $1 AND created_at < $2),
				       (SELECT count(*) FROM core_patient WHERE created_at >= $1 AND created_at < $2),
				       (SELECT `+money2("sum(amount)")+` FROM core_payment WHERE payment_date >= $1 AND payment_date < $2)`,
				p.Start, p.End).Scan(&visits, &patients, &money); err != nil {
				return fmt.Errorf("dashboard: %w", err)
			}
			if i == 0 {
				out.Visits.Current, out.NewPatients.Current, out.Revenue.Current = n(visits), n(patients), money
			} else {
				out.Visits.Previous, out.NewPatients.Previous, out.Revenue.Previous = n(visits), n(patients), money
			}
		}
		out.TopDiagnoses, err = db.QueryAll(ctx, tx, func(r pgx.CollectableRow) (DashboardDiagnosis, error) {
			var d DashboardDiagnosis
			err := r.Scan(&d.Code, &d.Current, &d.Previous) // before d is read: Go leaves "return d, f(&d)" in either order
			return d, err
		}, `
			SELECT d.code, count(*) FILTER (WHERE e.created_at >= $1), count(*) FILTER (WHERE e.created_at < $3)
			  FROM core_encounter e JOIN core_encounterdiagnosis d ON d.encounter_id = e.id
			 WHERE ((e.created_at >= $1 AND e.created_at < $2) OR (e.created_at >= $3 AND e.created_at < $4)) AND d.code IS NOT NULL
			 GROUP BY d.code HAVING count(*) FILTER (WHERE e.created_at >= $1) > 0
			 ORDER BY 2 DESC, 1 LIMIT 5`, cur.Start, cur.End, prev.Start, prev.End)
		if err != nil {
			return err
		}
		codes := make([]string, len(out.TopDiagnoses))
		for i, d := range out.TopDiagnoses {
			codes[i] = d.Code
		}
		titles, err := codeTitles(ctx, tx, l, codes)
		if err != nil {
			return err
		}
		for i := range out.TopDiagnoses {
			out.TopDiagnoses[i].Title = titles[out.TopDiagnoses[i].Code]
		}
		out.LowStock, err = db.QueryAll(ctx, tx, func(r pgx.CollectableRow) (DashboardStock, error) {
			var st DashboardStock
			err := r.Scan(&st.ID, &st.Name, &st.Stock, &st.Reorder, &out.LowStockCount)
			return st, err
		}, `
			SELECT id, name, stock_quantity, reorder_level, count(*) OVER ()
			  FROM core_medicationitem WHERE is_active AND stock_quantity <= reorder_level
			 ORDER BY stock_quantity, name LIMIT 10`)
		return err
	})
	return out, err
}

// settingsToday is the clinic's date at now in p's zone, as midnight UTC.
func settingsToday(now time.Time, p ReportPeriod) time.Time {
	y, m, d := now.In(p.Start.Location()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
