// Command reports measures the reports over a month and a year on a clinic of -scale x (1M
// patients, 5M encounters over three years with their diagnoses, bills, payments,
// prescriptions and dispenses, 1M appointments), generated in SQL with generate_series on a
// fresh embedded PostgreSQL (or the one kept in -dir from an earlier run). For each report it
// prints p50/p95 of -runs runs one at a time, then of -c concurrent readers.
//
//	go build -o bin/bench-reports ./bench/reports
//	bin/bench-reports -scale 0.1 -runs 10 -c 50          (as nobody when root)
//
// The figures depend on the machine's load: say it beside them.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/bench/internal/benchdb"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/reports"
)

func main() {
	scale := flag.Float64("scale", 1, "data size: 1 = 1M patients and 5M encounters over three years")
	runs := flag.Int("runs", 10, "runs of each report, one at a time")
	c := flag.Int("c", 50, "concurrent readers")
	dir := flag.String("dir", "", "keep the database in this folder and reuse it (default: a temp folder, removed)")
	only := flag.String("only", "", "one report kind")
	cold := flag.Bool("cold", false, "empty the day cache first: the first run of each report fills it (no fill ahead)")
	fill := flag.Bool("fill", true, "fill the day cache ahead before the runs (false: read it as the last run left it)")
	writes := flag.Int("writes", 200, "visits and payments written to measure the cache's cost on writers (0: none)")
	flag.Parse()
	if err := run(*scale, *runs, *c, *dir, *only, *cold, *fill, *writes); err != nil {
		fmt.Fprintln(os.Stderr, "bench/reports:", err)
		os.Exit(1)
	}
}

func run(scale float64, runs, readers int, dir, only string, cold, fill bool, writes int) error {
	ctx := context.Background()
	d, _, closeDB, err := benchdb.Open(ctx, "reports", dir)
	if err != nil {
		return err
	}
	defer closeDB()
	var have int64
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_encounter`).Scan(&have); err != nil {
		return err
	}
	patients := int64(1_000_000 * scale)
	if have == 0 {
		t0 := time.Now()
		if err := generate(ctx, d, patients); err != nil {
			return err
		}
		fmt.Printf("generated %d patients, %d encounters in %s\n", patients, 5*patients, time.Since(t0).Round(time.Second))
	} else {
		fmt.Printf("reusing %s: %d encounters\n", dir, have)
	}
	var counts [5]int64
	if err := d.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM core_patient), (SELECT count(*) FROM core_encounter),
		(SELECT count(*) FROM core_encounterdiagnosis), (SELECT count(*) FROM core_bill), (SELECT count(*) FROM core_dispense)`).
		Scan(&counts[0], &counts[1], &counts[2], &counts[3], &counts[4]); err != nil {
		return err
	}
	fmt.Printf("data: %d patients, %d encounters, %d diagnoses, %d bills, %d dispenses\n", counts[0], counts[1], counts[2], counts[3], counts[4])
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average before: %s", load)
	}
	s := reports.NewService(d)
	// Today is the data's last day (its visits from 07:00 to 19:00 counted, as the live part).
	s.SetClock(func() time.Time { return time.Date(2026, 12, 30, 12, 0, 0, 0, time.UTC) })
	periods := []struct {
		name string
		q    reports.PeriodQuery
		budg time.Duration
	}{
		{"month", reports.PeriodQuery{Kind: reports.Month, Date: "2026-11-15"}, 300 * time.Millisecond},
		{"year", reports.PeriodQuery{Kind: reports.Year, Date: "2026-06-01"}, 2 * time.Second},
	}
	if cold {
		// The first run of each report fills its per-day cache (the month's days, then the
		// year's others); p50 and p95 are of the runs after it.
		if _, err := d.Pool.Exec(ctx, `DELETE FROM core_reportday`); err != nil {
			return err
		}
	} else if fill {
		// As the server does at start-up, in the background: every closed day not cached yet.
		t0 := time.Now()
		n, err := s.FillAhead(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("day cache filled ahead: %d days in %s\n", n, time.Since(t0).Round(time.Millisecond))
	}
	fmt.Printf("%-13s %-6s %9s %9s %9s %9s %9s  %s\n", "report", "period", "first", "p50", "p95", "c-p50", "c-p95", "budget")
	for _, kind := range reports.Kinds {
		if only != "" && kind != only {
			continue
		}
		for _, p := range periods {
			one := func() (time.Duration, error) {
				t0 := time.Now()
				_, err := s.Build(ctx, kind, p.q, i18n.EN)
				return time.Since(t0), err
			}
			var seq []time.Duration
			for range runs {
				dt, err := one()
				if err != nil {
					return fmt.Errorf("%s %s: %w", kind, p.name, err)
				}
				seq = append(seq, dt)
			}
			conc := make([]time.Duration, readers)
			var wg sync.WaitGroup
			var firstErr error
			var mu sync.Mutex
			for i := range readers {
				wg.Go(func() {
					dt, err := one()
					mu.Lock()
					defer mu.Unlock()
					if err != nil && firstErr == nil {
						firstErr = err
					}
					conc[i] = dt
				})
			}
			wg.Wait()
			if firstErr != nil {
				return firstErr
			}
			warm := seq
			if len(seq) > 1 {
				warm = seq[1:]
			}
			p50, p95 := pct(warm, 50), pct(warm, 95)
			ok := "ok"
			if p95 > p.budg {
				ok = "OVER " + p.budg.String()
			}
			fmt.Printf("%-13s %-6s %9s %9s %9s %9s %9s  %s\n", kind, p.name, ms(seq[0]), ms(p50), ms(p95), ms(pct(conc, 50)), ms(pct(conc, 95)), ok)
		}
	}
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		fmt.Printf("load average after: %s", load)
	}
	if writes > 0 {
		if err := writeCost(ctx, d, writes, counts[0]); err != nil {
			return err
		}
		t0 := time.Now()
		n, err := s.FillAhead(ctx)
		if err != nil {
			return err
		}
		fmt.Printf("days filled after the writes (forgotten, or never filled): %d in %s\n", n, time.Since(t0).Round(time.Millisecond))
	}
	return nil
}

func pct(v []time.Duration, p int) time.Duration {
	s := slices.Clone(v)
	slices.Sort(s)
	i := (len(s)*p + 99) / 100
	return s[max(0, min(len(s)-1, i-1))]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d.Microseconds())/1000) }

// generate loads the clinic in SQL, the audit and other triggers off (replica role) as a bulk
// import would, then VACUUM ANALYZE. Three years to the end of 2026, times in the clinic's
// day (07:00-19:00 Nairobi).
func generate(ctx context.Context, d *db.DB, patients int64) error {
	encounters := 5 * patients
	steps := []string{
		`INSERT INTO core_setting (key, value) VALUES ('timezone', '"Africa/Nairobi"') ON CONFLICT (key) DO NOTHING`,
		`INSERT INTO auth_user (username, email, password, first_name, last_name, role_id)
		 SELECT 'doc' || i, 'doc' || i || '@b.test', 'x', 'Doctor', 'N' || i, (SELECT id FROM core_role WHERE name = 'doctor') FROM generate_series(1, 20) i`,
		`INSERT INTO auth_user (username, email, password, first_name, last_name, role_id)
		 SELECT 'cash' || i, 'cash' || i || '@b.test', 'x', 'Cashier', 'N' || i, (SELECT id FROM core_role WHERE name = 'cashier') FROM generate_series(1, 3) i`,
		`INSERT INTO core_icd10code (code, title_en, chapter)
		 SELECT chr(65 + i / 100) || lpad((i % 100)::text, 2, '0'), 'Condition ' || i, '' FROM generate_series(0, 299) i ON CONFLICT DO NOTHING`,
		`INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('Consultation', 'BCONSULT', 'consultation', 500), ('Malaria test', 'BRDT', 'lab', 300)`,
		`INSERT INTO core_medicationcategory (name) VALUES ('Bench')`,
		`INSERT INTO core_medicationitem (name, category_id, strength, form, unit_price, reorder_level)
		 SELECT 'Med ' || i, (SELECT max(id) FROM core_medicationcategory), '1 mg', 'tablet', 10 + i, 50 FROM generate_series(1, 100) i`,
		`SET session_replication_role = replica`,
		`SET work_mem = '256MB'`,
		`SET maintenance_work_mem = '1GB'`,
		`SET synchronous_commit = off`,
		fmt.Sprintf(`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, created_at)
		 SELECT 'B' || i, 'P' || i, 'Q' || i, DATE '1935-01-01' + (random() * 33000)::int,
		        (ARRAY['male', 'female', 'female', 'other'])[1 + (i %% 4)], TIMESTAMPTZ '2024-01-01 07:00+03' + random() * interval '1095 days'
		   FROM generate_series(1, %d) i`, patients),
		// The plan of every encounter: its patient, doctor and moment, in time order.
		fmt.Sprintf(`CREATE UNLOGGED TABLE bench_plan AS
		 SELECT row_number() OVER (ORDER BY at)::int AS id, patient, doctor, at FROM (
		   SELECT 1 + (random() * (%d - 1))::int AS patient,
		          (SELECT min(id) FROM auth_user WHERE username LIKE 'doc%%') + (random() * 19)::int AS doctor,
		          TIMESTAMPTZ '2024-01-01 07:00+03' + (random() * 1094)::int * interval '1 day' + random() * interval '12 hours' AS at
		     FROM generate_series(1, %d)) x`, patients, encounters),
		`INSERT INTO core_appointment (id, patient_id, doctor_id, date, time, status, walk_in, checked_in_at, created_at)
		 SELECT id, patient, doctor, (at AT TIME ZONE 'Africa/Nairobi')::date,
		        time '00:00' + (row_number() OVER (PARTITION BY doctor, (at AT TIME ZONE 'Africa/Nairobi')::date ORDER BY id) % 1440) * interval '1 minute',
		        'completed', id % 10 = 0, at - (5 + random() * 60) * interval '1 minute', at - interval '2 days'
		   FROM bench_plan WHERE id % 5 = 0`,
		`INSERT INTO core_encounter (id, patient_id, doctor_id, appointment_id, notes, status, closed_at, created_at)
		 SELECT id, patient, doctor, CASE WHEN id % 5 = 0 THEN id END, 'n', 'closed', at + interval '15 minutes', at FROM bench_plan ORDER BY id`,
		`INSERT INTO core_encounterdiagnosis (encounter_id, patient_id, code, rank, episode, created_by_id, created_at)
		 SELECT id, patient, chr(65 + c / 100) || lpad((c % 100)::text, 2, '0'), 'primary', CASE WHEN random() < 0.7 THEN 'new' ELSE 'follow_up' END, doctor, at
		   FROM (SELECT *, least(299, floor(-ln(1 - random() * 0.999) * 40))::int AS c FROM bench_plan) x`,
		`INSERT INTO core_bill (id, patient_id, total_amount, paid_amount, status, created_at, due_date)
		 SELECT id, patient, 500, CASE WHEN id % 7 = 0 THEN 0 ELSE 500 END, CASE WHEN id % 7 = 0 THEN 'pending' ELSE 'paid' END,
		        at, (at AT TIME ZONE 'Africa/Nairobi')::date + 30 FROM bench_plan`,
		`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description, kind, created_at)
		 SELECT id, (SELECT id FROM core_servicecatalog WHERE code = 'BCONSULT'), 1, 500, 500, 'Consultation', 'consultation', at FROM bench_plan`,
		`INSERT INTO core_payment (bill_id, amount, payment_method, payment_date, received_by)
		 SELECT id, 500, (ARRAY['cash', 'mobile_money', 'card', 'insurance'])[1 + id % 4], at + interval '20 minutes',
		        (SELECT min(id) FROM auth_user WHERE username LIKE 'cash%') + id % 3 FROM bench_plan WHERE id % 7 <> 0`,
		`INSERT INTO core_prescription (id, encounter_id, medication_name, dosage, frequency, medication_id, quantity, dispensed_quantity, created_at)
		 SELECT id, id, 'Med', '1', 'bd', (SELECT min(id) FROM core_medicationitem) + id % 100, 10, 10, at FROM bench_plan WHERE id % 5 < 2`,
		`INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, quantity_left, unit_cost)
		 SELECT m.id, 'L' || b, DATE '2026-06-01' + b * 60, 100000, 1000 * b, 5 FROM core_medicationitem m, generate_series(1, 4) b`,
		`INSERT INTO core_dispense (prescription_id, medication_id, quantity, dispensed_total, unit_price, dispensed_at)
		 SELECT p.id, p.medication_id, 10, 10, 12, p.created_at + interval '30 minutes' FROM core_prescription p`,
		`SET session_replication_role = origin`,
		`DROP TABLE bench_plan`,
		// The open bills' summary its triggers keep (migration 0048), recomputed after the load.
		`SELECT chelal_billdebt_rebuild()`,
		`SELECT setval(pg_get_serial_sequence(t, 'id'), (SELECT coalesce(max(id), 1) FROM core_encounter))
		   FROM unnest(ARRAY['core_encounter', 'core_appointment', 'core_bill', 'core_prescription']) t`,
		`VACUUM ANALYZE`,
	}
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// The loaded tables' secondary indexes are dropped for the load and built after it (a
	// sort each, not millions of insertions); the primary keys and constraints stay.
	rows, err := conn.Query(ctx, `SELECT indexname::text, indexdef FROM pg_indexes i
		 WHERE schemaname = current_schema() AND tablename = ANY($1)
		   AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = format('%I', i.indexname)::regclass)`, loadedTables)
	if err != nil {
		return err
	}
	type index struct{ Name, Def string }
	indexes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[index])
	if err != nil {
		return err
	}
	load := slices.Index(steps, `SET synchronous_commit = off`) + 1
	var drops, builds []string
	for _, ix := range indexes {
		drops = append(drops, `DROP INDEX `+pgx.Identifier{ix.Name}.Sanitize())
		builds = append(builds, ix.Def)
	}
	steps = slices.Concat(steps[:load], drops, steps[load:len(steps)-1], []string{`SET max_parallel_maintenance_workers = 2`}, builds, steps[len(steps)-1:])
	for _, sql := range steps {
		t0 := time.Now()
		if _, err := conn.Exec(ctx, sql); err != nil {
			return fmt.Errorf("%.60s: %w", sql, err)
		}
		fmt.Printf("  %6.1fs  %.70s\n", time.Since(t0).Seconds(), oneLine(sql))
	}
	return nil
}

// loadedTables are the tables generate fills with millions of rows.
var loadedTables = []string{"core_patient", "core_appointment", "core_encounter", "core_encounterdiagnosis", "core_bill",
	"core_billitem", "core_payment", "core_prescription", "core_dispense"}

func oneLine(s string) string {
	out := make([]rune, 0, 70)
	space := false
	for _, r := range s {
		if r == '\n' || r == '\t' || r == ' ' {
			if !space {
				out = append(out, ' ')
			}
			space = true
			continue
		}
		space = false
		out = append(out, r)
		if len(out) >= 70 {
			break
		}
	}
	return string(out)
}
