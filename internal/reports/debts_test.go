package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/billing"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/reports"
)

// liveAgedSQL is the aged debts computed from every open bill (what the report read before
// migration 0048): the reference the summary is tested against.
const liveAgedSQL = `
	WITH o AS (
		SELECT total_amount - paid_amount AS owed,
		       CASE WHEN due_date >= $2::date THEN 0
		            WHEN $2::date - due_date <= 30 THEN 1
		            WHEN $2::date - due_date <= 60 THEN 2
		            WHEN $2::date - due_date <= 90 THEN 3 ELSE 4 END AS bucket
		  FROM core_bill WHERE status IN ('pending', 'partially_paid') AND created_at < ($1::date + 1)::timestamp AT TIME ZONE 'Africa/Nairobi')
	SELECT to_char(coalesce(sum(o.owed), 0), 'FM999999999999990.00') || ' ' || count(o.owed)
	  FROM generate_series(0, 4) b LEFT JOIN o ON o.bucket = b GROUP BY b ORDER BY b`

// TestDebtSummaryEqualsLive writes bills through the billing service (lines, credits, partial
// and full payments, cancellations, new due dates) and in SQL as an import does (many bills a
// statement, at past times, around midnight in Nairobi and in UTC; deleted), compacting the
// summary now and then: after each round, the summary equals the open bills key by key, and
// the revenue report's aged debts equal the live computation over several periods.
func TestDebtSummaryEqualsLive(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b := billing.NewService(e.d)
	cashier := db.Actor{UserID: dbtest.User(t, e.d, "cashier", "cash1", "Neema", "Cashier")}
	svc := dbtest.ID(t, e.d, `INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('Consultation', 'DCONS', 'consultation', 333.33) RETURNING id`)
	var patients []int64
	for i := range 5 {
		patients = append(patients, e.patient(fmt.Sprintf("D%03d", i), "1980-01-01", "female", false))
	}
	rng := rand.New(rand.NewPCG(19, 48))
	var bills []int64
	check := func(round int) {
		t.Helper()
		var summary, live [][]any
		for _, q := range []struct {
			sql string
			out *[][]any
		}{
			{`SELECT day::text, due_date::text, sum(owed)::text, sum(bills)::bigint FROM core_billdebt GROUP BY 1, 2
			   HAVING sum(owed) <> 0 OR sum(bills) <> 0 ORDER BY 1, 2`, &summary},
			{`SELECT (created_at AT TIME ZONE 'UTC')::date::text, due_date::text, sum(total_amount - paid_amount)::text, count(*)
			    FROM core_bill WHERE status IN ('pending', 'partially_paid') GROUP BY 1, 2 ORDER BY 1, 2`, &live},
		} {
			rows, err := e.d.Pool.Query(ctx, q.sql)
			if err != nil {
				t.Fatal(err)
			}
			for rows.Next() {
				v, err := rows.Values()
				if err != nil {
					t.Fatal(err)
				}
				*q.out = append(*q.out, v)
			}
			if rows.Err() != nil {
				t.Fatal(rows.Err())
			}
		}
		if len(live) == 0 {
			t.Fatalf("round %d: no open bill: the test checks nothing", round)
		}
		if !reflect.DeepEqual(summary, live) {
			t.Fatalf("round %d: summary\n%v\nlive\n%v", round, summary, live)
		}
		for _, q := range []reports.PeriodQuery{
			{Kind: reports.Month, Date: "2026-11-15"}, {Kind: reports.Month, Date: "2026-12-02"}, {Kind: reports.Month, Date: "2026-08-01"},
			{Kind: reports.Day, Date: "2026-10-31"}, {Kind: reports.Day, Date: "2026-11-01"}, {Kind: reports.Year, Date: "2026-01-01"},
			{Kind: reports.Custom, From: "2025-12-01", To: "2026-07-31"},
		} {
			r := e.build(reports.Revenue, q)
			s := r.Section("aged")
			rows, err := e.d.Pool.Query(ctx, liveAgedSQL, r.Period.To, r.Period.To)
			if err != nil {
				t.Fatal(err)
			}
			want, err := pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, row := range s.Rows {
				got = append(got, row.Values[0]+" "+row.Values[1])
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, %+v: aged %v, live %v", round, q, got, want)
			}
		}
	}
	for round := range 6 {
		// An import's bills (as internal/importer writes them, here many a statement): at past
		// times (some at 23:xx and 00:xx UTC and Nairobi), due dates around them, with their
		// lines, some paid in part or in full, in one transaction.
		tx, err := e.d.Pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		for _, sql := range []string{
			`CREATE TEMP TABLE imported ON COMMIT DROP AS
			 SELECT (100 + i * 7.01)::numeric(12,2) AS total, CASE i % 3 WHEN 0 THEN 0 WHEN 1 THEN 50.5 ELSE 100 + i * 7.01 END::numeric(12,2) AS paid,
			        TIMESTAMPTZ '2025-09-01 00:00Z' + (i * 37 + $2::int) * interval '1 day' / 3 + (i % 5 - 2) * interval '1 hour' AS at,
			        (i * 13 + $2::int) % 150 - 20 AS due, 0 AS id, $1::int AS patient
			   FROM generate_series(1, 40) i`,
			`WITH b AS (INSERT INTO core_bill (patient_id, total_amount, paid_amount, status, created_at, due_date)
			            SELECT patient, 0, 0, 'pending', at, (at AT TIME ZONE 'UTC')::date + due FROM imported ORDER BY at RETURNING id, created_at)
			 UPDATE imported i SET id = b.id FROM b WHERE b.created_at = i.at`,
			`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description, created_at)
			 SELECT id, (SELECT id FROM core_servicecatalog WHERE code = 'DCONS'), 1, total, total, 'Imported', at FROM imported`,
			`INSERT INTO core_payment (bill_id, amount, payment_method, payment_date)
			 SELECT id, paid, 'cash', at + interval '1 hour' FROM imported WHERE paid > 0`,
		} {
			var args []any
			if strings.Contains(sql, "$1") {
				args = []any{patients[round%len(patients)], round * 11}
			}
			if _, err := tx.Exec(ctx, sql, args...); err != nil {
				t.Fatalf("%s: %v", sql, err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		rows, err := e.d.Pool.Query(ctx, `SELECT id FROM core_bill WHERE status <> 'cancelled' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		bills, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Fatal(err)
		}
		// The service's writes, today.
		for range 6 {
			d, err := b.CreateBill(ctx, cashier, billing.CreateBillParams{PatientID: patients[rng.IntN(len(patients))],
				Items: []billing.ItemParams{{ServiceID: svc, Quantity: int64(1 + rng.IntN(3))}}})
			if err != nil {
				t.Fatal(err)
			}
			bills = append(bills, d.ID)
		}
		for range 25 {
			id := bills[rng.IntN(len(bills))]
			d, err := b.GetBill(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if d.Status == billing.StatusCancelled || d.Status == billing.StatusPaid {
				continue
			}
			switch rng.IntN(5) {
			case 0: // a partial payment
				_, err = b.Pay(ctx, cashier, id, "", billing.PaymentParams{Amount: "10.01", PaymentMethod: "cash"})
			case 1: // paid in full
				_, err = b.Pay(ctx, cashier, id, "", billing.PaymentParams{Amount: d.Balance.String(), PaymentMethod: "mobile_money"})
			case 2: // a credit (a refund of part of it)
				_, err = b.AddItems(ctx, cashier, id, billing.AddItemsParams{Items: []billing.ItemParams{{Kind: "credit", Amount: "5.55", Description: "refund"}}})
			case 3: // a new due date, or cancelled while nothing is paid
				due := fmt.Sprintf("2026-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28))
				edit := billing.BillEdit{Version: d.Version, DueDate: &due}
				if d.PaidAmount.IsZero() {
					st, why := billing.StatusCancelled, "void"
					edit = billing.BillEdit{Version: d.Version, Status: &st, CancelReason: &why}
				}
				_, err = b.UpdateBill(ctx, cashier, id, edit)
			case 4: // moved in time (a correction in SQL)
				e.exec(`UPDATE core_bill SET created_at = created_at - interval '20 hours' WHERE id = $1`, id)
			}
			if err != nil {
				t.Fatalf("bill %d: %v", id, err)
			}
		}
		// Many bills paid by one statement; a bill without lines added, and one removed.
		e.exec(`INSERT INTO core_bill (patient_id, total_amount, status, created_at, due_date) VALUES ($1, 0, 'pending', now() - interval '40 days', current_date)`, patients[0])
		e.exec(`INSERT INTO core_payment (bill_id, amount, payment_method, payment_date)
			SELECT id, total_amount - paid_amount, 'card', now() FROM core_bill WHERE status = 'partially_paid' AND id % 4 = $1`, round%4)
		e.exec(`DELETE FROM core_bill WHERE id = (SELECT min(b.id) FROM core_bill b WHERE b.status = 'pending'
			AND NOT EXISTS (SELECT 1 FROM core_billitem i WHERE i.bill_id = b.id) AND NOT EXISTS (SELECT 1 FROM core_payment p WHERE p.bill_id = b.id))`)
		check(round)
		if round%2 == 1 {
			if _, err := e.s.CompactDebts(ctx); err != nil {
				t.Fatal(err)
			}
			check(round)
		}
	}
	var rows, keys int
	if err := e.d.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT (day, due_date)) FROM core_billdebt`).Scan(&rows, &keys); err != nil {
		t.Fatal(err)
	}
	if n, err := e.s.CompactDebts(ctx); err != nil || n != int64(rows-keys) || n <= 0 && rows > keys {
		t.Fatalf("compaction removed %d rows (%v), want %d", n, err, rows-keys)
	}
	check(6)
	// Rebuilt from the bills (after a bulk load with the triggers off): the same.
	e.exec(`SELECT chelal_billdebt_rebuild()`)
	check(7)
}
