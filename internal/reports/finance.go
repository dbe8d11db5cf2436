package reports

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/i18n"
)

// table runs a query whose columns are a row key, its label and the values (as text), and
// returns its rows.
func table(ctx context.Context, tx pgx.Tx, sql string, args ...any) ([]ReportRow, error) {
	rows, err := tx.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ReportRow{}
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return nil, err
		}
		row := ReportRow{Values: make([]string, 0, len(vals)-2)}
		for i, v := range vals {
			s := text(v)
			switch i {
			case 0:
				row.Key = s
			case 1:
				row.Label = s
			default:
				row.Values = append(row.Values, s)
			}
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

func text(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int64:
		return n(x)
	case int32:
		return n(int64(x))
	}
	return ""
}

// sum adds column i of rows (money with two decimals or counts), as text.
func sum(rows []ReportRow, i int, money bool) string {
	var cents int64
	for _, r := range rows {
		cents += toCents(r.Values[i], money)
	}
	if !money {
		return n(cents)
	}
	return centsText(cents)
}

func toCents(s string, money bool) int64 {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	var whole, frac int64
	seenDot, fd := false, 0
	for _, c := range s {
		switch {
		case c == '.':
			seenDot = true
		case c >= '0' && c <= '9' && !seenDot:
			whole = whole*10 + int64(c-'0')
		case c >= '0' && c <= '9' && fd < 2:
			frac = frac*10 + int64(c-'0')
			fd++
		}
	}
	for ; fd < 2; fd++ {
		frac *= 10
	}
	v := whole
	if money {
		v = whole*100 + frac
	}
	if neg {
		v = -v
	}
	return v
}

func centsText(c int64) string {
	sign := ""
	if c < 0 {
		sign, c = "-", -c
	}
	f := c % 100
	return sign + n(c/100) + "." + string(rune('0'+f/10)) + string(rune('0'+f%10))
}

// money2 formats a numeric expression with two decimals, as text.
func money2(expr string) string { return `to_char(coalesce(` + expr + `, 0), 'FM999999999999990.00')` }

func moneyCol(key, label string) ReportColumn {
	return ReportColumn{Key: key, Label: label, Money: true}
}

// revenue: the money received (by method and by cashier), what was charged (by service and
// by category), and what is owed, aged by how long past due.
func revenue(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, _ []int, r *Report) error {
	byMethod, err := table(ctx, tx, `
		SELECT payment_method, payment_method, `+money2("sum(amount)")+`, count(*)
		  FROM core_payment WHERE payment_date >= $1 AND payment_date < $2
		 GROUP BY payment_method ORDER BY sum(amount) DESC, payment_method`, p.Start, p.End)
	if err != nil {
		return err
	}
	byCashier, err := table(ctx, tx, `
		SELECT coalesce(pm.received_by, 0)::text,
		       `+userName("u")+`,
		       `+money2("sum(pm.amount)")+`, count(*)
		  FROM core_payment pm LEFT JOIN auth_user u ON u.id = pm.received_by
		 WHERE pm.payment_date >= $1 AND pm.payment_date < $2
		 GROUP BY pm.received_by, u.first_name, u.last_name, u.username ORDER BY sum(pm.amount) DESC, 2`, p.Start, p.End)
	if err != nil {
		return err
	}
	// Charged: lines of bills not cancelled, credits (negative lines) under their own row.
	byService, err := table(ctx, tx, `
		SELECT coalesce(s.code, i.kind), coalesce(s.name, i.kind), `+money2("sum(i.total_price)")+`, sum(i.quantity)
		  FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
		  LEFT JOIN core_servicecatalog s ON s.id = i.service_catalog_id
		 WHERE i.created_at >= $1 AND i.created_at < $2 AND b.status <> 'cancelled'
		 GROUP BY 1, 2 ORDER BY sum(i.total_price) DESC, 2`, p.Start, p.End)
	if err != nil {
		return err
	}
	byCategory, err := table(ctx, tx, `
		SELECT c, c, `+money2("sum(t)")+`, sum(q) FROM (
			SELECT CASE WHEN i.kind IN ('medication', 'credit') THEN i.kind ELSE coalesce(s.category, 'other') END AS c,
			       i.total_price AS t, i.quantity AS q
			  FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
			  LEFT JOIN core_servicecatalog s ON s.id = i.service_catalog_id
			 WHERE i.created_at >= $1 AND i.created_at < $2 AND b.status <> 'cancelled') x
		 GROUP BY c ORDER BY sum(t) DESC, c`, p.Start, p.End)
	if err != nil {
		return err
	}
	return renderRevenue(ctx, tx, l, p, byMethod, byCashier, byService, byCategory, r)
}

// renderRevenue labels the tables, reads the aged debts (at the period's end: never cached)
// and builds the report.
func renderRevenue(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, byMethod, byCashier, byService, byCategory []ReportRow, r *Report) error {
	amountFirst := []ReportColumn{moneyCol("amount", l.T("report.amount")), {Key: "count", Label: l.T("report.count")}}
	for i := range byMethod {
		byMethod[i].Label = methodLabel(l, byMethod[i].Key)
	}
	for i := range byService {
		if k := byService[i].Key; k == "medication" || k == "credit" {
			byService[i].Label = l.T("report.category_" + k)
		}
	}
	for i := range byCategory {
		byCategory[i].Label = l.T("report.category_" + byCategory[i].Key)
	}
	// Owed at the period's end by bills opened before it, still open: aged by days past due.
	// The bills opened before the UTC day of the period's end are read from their summary
	// (core_billdebt, migration 0048: per UTC day and due date), the rest of that day live.
	aged, err := table(ctx, tx, `
		WITH o AS (
			SELECT due_date, owed, bills FROM core_billdebt WHERE day < ($1 AT TIME ZONE 'UTC')::date
			UNION ALL
			SELECT due_date, total_amount - paid_amount, 1 FROM core_bill
			 WHERE status IN ('pending', 'partially_paid') AND created_at < $1
			   AND created_at >= ($1 AT TIME ZONE 'UTC')::date::timestamp AT TIME ZONE 'UTC'),
		a AS (
			SELECT owed, bills,
			       CASE WHEN due_date >= $2::date THEN 0
			            WHEN $2::date - due_date <= 30 THEN 1
			            WHEN $2::date - due_date <= 60 THEN 2
			            WHEN $2::date - due_date <= 90 THEN 3 ELSE 4 END AS bucket
			  FROM o)
		SELECT b::text, b::text, `+money2("sum(a.owed)")+`, coalesce(sum(a.bills), 0)::bigint
		  FROM generate_series(0, 4) b LEFT JOIN a ON a.bucket = b GROUP BY b ORDER BY b`, p.End, p.To)
	if err != nil {
		return err
	}
	agedKeys := []string{"not_due", "1_30", "31_60", "61_90", "over_90"}
	for i := range aged {
		aged[i].Key = agedKeys[i]
		aged[i].Label = l.T("report.aged_" + agedKeys[i])
	}
	r.Figures = []ReportFigure{
		{Key: "received", Label: l.T("report.received"), Value: sum(byMethod, 0, true), Money: true},
		{Key: "payments", Label: l.T("report.payments"), Value: sum(byMethod, 1, false)},
		{Key: "charged", Label: l.T("report.charged"), Value: sum(byService, 0, true), Money: true},
		{Key: "outstanding", Label: l.T("report.outstanding"), Value: sum(aged, 0, true), Money: true},
	}
	r.Sections = append(r.Sections,
		ReportSection{Key: "method", Title: l.T("report.by_method"), Chart: "bar", Columns: amountFirst, Rows: byMethod},
		ReportSection{Key: "cashier", Title: l.T("report.by_cashier"), Chart: "bar", Columns: amountFirst, Rows: byCashier},
		ReportSection{Key: "service", Title: l.T("report.by_service"), Chart: "bar", Columns: []ReportColumn{moneyCol("amount", l.T("report.amount")), {Key: "quantity", Label: l.T("report.quantity")}}, Rows: byService},
		ReportSection{Key: "category", Title: l.T("report.by_category"), Chart: "bar", Columns: []ReportColumn{moneyCol("amount", l.T("report.amount")), {Key: "quantity", Label: l.T("report.quantity")}}, Rows: byCategory},
		ReportSection{Key: "aged", Title: l.T("report.aged_debts"), Chart: "bar", Columns: amountFirst, Rows: aged},
	)
	return nil
}

func methodLabel(l i18n.Lang, method string) string {
	if !i18n.Has("method." + method) {
		return method
	}
	return l.T("method." + method)
}

// pharmacy: what was dispensed (by medication, at its price), the stock's value today at its
// batches' cost, batches expiring in the period (or expired, with stock left), and write-offs
// (expired and adjusted down) in the period at cost.
func pharmacy(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, _ []int, r *Report) error {
	consumption, err := table(ctx, tx, `
		SELECT m.id::text, m.name, sum(d.quantity), `+money2("sum(d.quantity * d.unit_price)")+`
		  FROM core_dispense d JOIN core_medicationitem m ON m.id = d.medication_id
		 WHERE d.dispensed_at >= $1 AND d.dispensed_at < $2
		 GROUP BY m.id, m.name ORDER BY sum(d.quantity) DESC, m.name`, p.Start, p.End)
	if err != nil {
		return err
	}
	stock, err := table(ctx, tx, `
		SELECT m.id::text, m.name, coalesce(sum(b.quantity_left), 0), `+money2("sum(b.quantity_left * b.unit_cost)")+`
		  FROM core_medicationitem m JOIN core_stockbatch b ON b.medication_id = m.id AND b.quantity_left > 0
		 GROUP BY m.id, m.name ORDER BY sum(b.quantity_left * b.unit_cost) DESC, m.name`)
	if err != nil {
		return err
	}
	expiries, err := table(ctx, tx, `
		SELECT b.id::text, m.name || ' · ' || b.batch_number, b.expiry_date::text, b.quantity_left, `+money2("b.quantity_left * b.unit_cost")+`
		  FROM core_stockbatch b JOIN core_medicationitem m ON m.id = b.medication_id
		 WHERE b.quantity_left > 0 AND b.expiry_date <= $1::date
		 ORDER BY b.expiry_date, m.name LIMIT 500`, p.To)
	if err != nil {
		return err
	}
	writeOffs, err := table(ctx, tx, `
		SELECT m.id::text, m.name, -sum(s.quantity_change), `+money2("-sum(s.quantity_change * b.unit_cost)")+`
		  FROM core_stockmovement s JOIN core_stockbatch b ON b.id = s.batch_id JOIN core_medicationitem m ON m.id = s.medication_id
		 WHERE s.created_at >= $1 AND s.created_at < $2 AND s.kind IN ('expire', 'adjust') AND s.quantity_change < 0
		 GROUP BY m.id, m.name ORDER BY 3 DESC, m.name`, p.Start, p.End)
	if err != nil {
		return err
	}
	qty := ReportColumn{Key: "quantity", Label: l.T("report.quantity")}
	r.Figures = []ReportFigure{
		{Key: "dispensed", Label: l.T("report.units_dispensed"), Value: sum(consumption, 0, false)},
		{Key: "dispensed_value", Label: l.T("report.dispensed_value"), Value: sum(consumption, 1, true), Money: true},
		{Key: "stock_value", Label: l.T("report.stock_value"), Value: sum(stock, 1, true), Money: true},
		{Key: "written_off", Label: l.T("report.written_off_value"), Value: sum(writeOffs, 1, true), Money: true},
	}
	r.Sections = append(r.Sections,
		ReportSection{Key: "consumption", Title: l.T("report.consumption"), Chart: "bar", Columns: []ReportColumn{qty, moneyCol("value", l.T("report.value_price"))}, Rows: consumption},
		ReportSection{Key: "stock", Title: l.T("report.stock_value"), Chart: "none", Columns: []ReportColumn{qty, moneyCol("value", l.T("report.value_cost"))}, Rows: stock},
		ReportSection{Key: "expiries", Title: l.T("report.expiries"), Chart: "none", Columns: []ReportColumn{{Key: "expiry", Label: l.T("report.expiry_date"), Text: true}, qty, moneyCol("value", l.T("report.value_cost"))}, Rows: expiries},
		ReportSection{Key: "write_offs", Title: l.T("report.write_offs"), Chart: "bar", Columns: []ReportColumn{qty, moneyCol("value", l.T("report.value_cost"))}, Rows: writeOffs},
	)
	return nil
}

// appointmentsReport: appointments of the period's days by status (booked: not walk-ins;
// attended: checked in or further; no-shows), by day, and the wait from check-in to the
// doctor (the encounter's opening), in minutes, overall and by doctor.
func appointmentsReport(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, _ []int, r *Report) error {
	// The period's appointments counted by day in one pass (idx_appointment_report, migration
	// 0049: from the index alone); the figures are the days' sums.
	byDay, err := table(ctx, tx, `
		WITH a AS (
			SELECT date, count(*) FILTER (WHERE NOT walk_in) AS booked, count(*) FILTER (WHERE walk_in) AS walk_ins,
			       count(*) FILTER (WHERE status IN ('checked_in', 'in_progress', 'completed')) AS attended,
			       count(*) FILTER (WHERE status = 'no_show') AS no_shows, count(*) FILTER (WHERE status = 'cancelled') AS cancelled
			  FROM core_appointment WHERE date >= $1::date AND date <= $2::date GROUP BY date)
		SELECT d::date::text, d::date::text, coalesce(a.booked, 0), coalesce(a.walk_ins, 0), coalesce(a.attended, 0),
		       coalesce(a.no_shows, 0), coalesce(a.cancelled, 0)
		  FROM generate_series($1::date, $2::date, interval '1 day') d
		  LEFT JOIN a ON a.date = d::date
		 ORDER BY d`, p.From, p.To)
	if err != nil {
		return err
	}
	booked, walkIns, attended, noShows, cancelled := sum(byDay, 0, false), sum(byDay, 1, false), sum(byDay, 2, false), sum(byDay, 3, false), sum(byDay, 4, false)
	for i := range byDay {
		byDay[i].Values = byDay[i].Values[:4] // cancelled: a figure only
	}
	const waitSQL = `extract(epoch FROM (e.created_at - a.checked_in_at)) / 60`
	// A year's waits are 333,000 rows at full scale: sorted in memory (the default work_mem
	// spilled the join's and the percentiles' sorts to disk), grouped by doctor before the
	// names are joined (narrower rows to sort).
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '64MB'`); err != nil {
		return err
	}
	waits, err := table(ctx, tx, `
		WITH w AS (
			SELECT a.doctor_id, `+waitSQL+` AS minutes
			  FROM core_appointment a JOIN core_encounter e ON e.appointment_id = a.id
			 WHERE a.date >= $1::date AND a.date <= $2::date AND a.checked_in_at IS NOT NULL AND e.created_at >= a.checked_in_at),
		g AS (
			SELECT doctor_id, grouping(doctor_id) AS total,
			       round(percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes))::bigint AS p50,
			       round(percentile_cont(0.9) WITHIN GROUP (ORDER BY minutes))::bigint AS p90,
			       count(*) AS n
			  FROM w GROUP BY GROUPING SETS ((doctor_id), ()))
		SELECT coalesce(g.doctor_id, 0)::text, CASE WHEN g.total = 0 THEN `+userName("u")+` END, g.p50, g.p90, g.n
		  FROM g LEFT JOIN auth_user u ON u.id = g.doctor_id
		 ORDER BY g.total DESC, g.n DESC, 2`, p.From, p.To)
	if err != nil {
		return err
	}
	median := ""
	if len(waits) > 0 && waits[0].Key == "0" && waits[0].Label == "" { // the grand total comes first
		median = waits[0].Values[0]
		waits[0].Key, waits[0].Label = "all", l.T("report.all_doctors")
	}
	r.Figures = []ReportFigure{
		{Key: "booked", Label: l.T("report.booked"), Value: booked},
		{Key: "walk_ins", Label: l.T("report.walk_ins"), Value: walkIns},
		{Key: "attended", Label: l.T("report.attended"), Value: attended},
		{Key: "no_shows", Label: l.T("report.no_shows"), Value: noShows},
		{Key: "cancelled", Label: l.T("report.cancelled"), Value: cancelled},
		{Key: "median_wait", Label: l.T("report.median_wait"), Value: median},
	}
	r.Sections = append(r.Sections,
		ReportSection{Key: "day", Title: l.T("report.by_day"), Chart: "line", Columns: []ReportColumn{
			{Key: "booked", Label: l.T("report.booked")}, {Key: "walk_ins", Label: l.T("report.walk_ins")},
			{Key: "attended", Label: l.T("report.attended")}, {Key: "no_shows", Label: l.T("report.no_shows")}}, Rows: byDay},
		ReportSection{Key: "wait", Title: l.T("report.waiting_times"), Chart: "bar", Columns: []ReportColumn{
			{Key: "median", Label: l.T("report.median_minutes")}, {Key: "p90", Label: l.T("report.p90_minutes")},
			{Key: "visits", Label: l.T("report.visits")}}, Rows: waits},
	)
	return nil
}

// revenueItemsSQL is revenue's items per day (daycache.go): [0, method, cashier, amount,
// payments] by payment day and [1, line kind, service, amount, quantity] by bill line day
// (bills not cancelled). $4 is unused (revenue has no age groups).
const revenueItemsSQL = `
	SELECT (payment_date AT TIME ZONE $3)::date AS day,
	       jsonb_build_array(0, payment_method, coalesce(received_by, 0), sum(amount)::text, count(*)) AS item
	  FROM core_payment WHERE payment_date >= $1 AND payment_date < $2 AND cardinality($4::int[]) >= 0
	 GROUP BY 1, payment_method, received_by
	UNION ALL
	SELECT (i.created_at AT TIME ZONE $3)::date,
	       jsonb_build_array(1, i.kind, coalesce(i.service_catalog_id, 0), sum(i.total_price)::text, sum(i.quantity))
	  FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
	 WHERE i.created_at >= $1 AND i.created_at < $2 AND b.status <> 'cancelled'
	 GROUP BY 1, i.kind, i.service_catalog_id`

// sumRow is a row being summed: cents and a count.
type sumRow struct {
	key, label   string
	cents, count int64
}

// sumRows adds (cents, count) to the row key of m.
func sumRows(m map[string]*sumRow, key, label string, cents, count int64) {
	if m[key] == nil {
		m[key] = &sumRow{key: key, label: label}
	}
	m[key].cents += cents
	m[key].count += count
}

// sortedRows are m's rows as table gives them: amount largest first, then by sortBy (the key or
// the label).
func sortedRows(m map[string]*sumRow, byKey bool) []ReportRow {
	rs := make([]*sumRow, 0, len(m))
	for _, r := range m {
		rs = append(rs, r)
	}
	slices.SortFunc(rs, func(a, b *sumRow) int {
		if a.cents != b.cents {
			return cmp.Compare(b.cents, a.cents)
		}
		if byKey {
			return strings.Compare(a.key, b.key)
		}
		return strings.Compare(a.label, b.label)
	})
	out := make([]ReportRow, 0, len(rs))
	for _, r := range rs {
		out = append(out, ReportRow{Key: r.key, Label: r.label, Values: []string{centsText(r.cents), n(r.count)}})
	}
	return out
}

// revenueFromItems sums the days' items the way revenue's queries sum their rows.
func revenueFromItems(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, _ []int, items []dayItem, r *Report) error {
	type pay struct {
		method  string
		cashier int64
	}
	type line struct {
		kind    string
		service int64
	}
	pays, lines := map[pay][2]int64{}, map[line][2]int64{}
	cashiers, services := map[int64]bool{}, map[int64]bool{}
	for _, it := range items {
		v := it.vals
		if len(v) != 5 {
			return fmt.Errorf("revenue: bad cached item %v", v)
		}
		amount, count := toCents(fmt.Sprint(v[3]), true), jsonInt(v[4])
		if jsonInt(v[0]) == 0 {
			k := pay{fmt.Sprint(v[1]), jsonInt(v[2])}
			c := pays[k]
			pays[k] = [2]int64{c[0] + amount, c[1] + count}
			cashiers[k.cashier] = true
		} else {
			k := line{fmt.Sprint(v[1]), jsonInt(v[2])}
			c := lines[k]
			lines[k] = [2]int64{c[0] + amount, c[1] + count}
			services[k.service] = true
		}
	}
	names, err := userNames(ctx, tx, mapKeys(cashiers))
	if err != nil {
		return err
	}
	type service struct{ code, name, category *string }
	catalog := map[int64]service{}
	rows, err := tx.Query(ctx, `SELECT id, code, name, category FROM core_servicecatalog WHERE id = ANY($1)`, mapKeys(services))
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var s service
		if err := rows.Scan(&id, &s.code, &s.name, &s.category); err != nil {
			return err
		}
		catalog[id] = s
	}
	if err := rows.Err(); err != nil {
		return err
	}
	method, cashier, svc, cat := map[string]*sumRow{}, map[string]*sumRow{}, map[string]*sumRow{}, map[string]*sumRow{}
	for k, c := range pays {
		sumRows(method, k.method, k.method, c[0], c[1])
		sumRows(cashier, n(k.cashier), names[k.cashier], c[0], c[1])
	}
	or := func(s *string, def string) string {
		if s == nil {
			return def
		}
		return *s
	}
	for k, c := range lines {
		s := catalog[k.service]
		key, label := or(s.code, k.kind), or(s.name, k.kind)
		sumRows(svc, key+"\x00"+label, label, c[0], c[1])
		category := or(s.category, "other")
		if k.kind == "medication" || k.kind == "credit" {
			category = k.kind
		}
		sumRows(cat, category, category, c[0], c[1])
	}
	byService := sortedRows(svc, false)
	for i := range byService {
		byService[i].Key, _, _ = strings.Cut(byService[i].Key, "\x00")
	}
	return renderRevenue(ctx, tx, l, p, sortedRows(method, true), sortedRows(cashier, false), byService, sortedRows(cat, true), r)
}
