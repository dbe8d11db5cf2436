package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// writeCost measures what the day cache's and the debts summary's triggers cost the writers: n visits (an encounter
// of a random patient with its coded diagnosis, bill and bill line, one transaction) and n
// payments (one transaction each), committed with the audit trigger as the server does, first
// with the cache's triggers disabled, then enabled. It prints the wall time and the
// PostgreSQL backend's CPU (user + system, from /proc) per write, and the cached days the
// writes forgot.
func writeCost(ctx context.Context, d *db.DB, n int, patients int64) error {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	var pid int
	var doctor, cashier, service int64
	if err := conn.QueryRow(ctx, `SELECT pg_backend_pid(), (SELECT min(id) FROM auth_user WHERE username LIKE 'doc%'),
		(SELECT min(id) FROM auth_user WHERE username LIKE 'cash%'), (SELECT id FROM core_servicecatalog WHERE code = 'BCONSULT')`).
		Scan(&pid, &doctor, &cashier, &service); err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(19, 43))
	visit := func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH e AS (
			INSERT INTO core_encounter (patient_id, doctor_id, notes, status) VALUES ($1, $2, 'n', 'open') RETURNING id, patient_id),
		  dg AS (INSERT INTO core_encounterdiagnosis (encounter_id, patient_id, code, rank, episode, created_by_id)
			SELECT id, patient_id, 'A01', 'primary', 'new', $2 FROM e),
		  b AS (INSERT INTO core_bill (patient_id, total_amount, paid_amount, status, due_date)
			SELECT patient_id, 500, 0, 'pending', current_date + 30 FROM e RETURNING id)
		INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description, kind)
		SELECT id, $3, 1, 500, 500, 'Consultation', 'consultation' FROM b`, 1+rng.Int64N(patients), doctor, service)
		return err
	}
	payment := func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO core_payment (bill_id, amount, payment_method, payment_date, received_by)
			VALUES ($1, 1, 'cash', now(), $2)`, 7*(1+rng.Int64N(patients*5/7-1)), cashier)
		return err
	}
	triggers := func(on bool) error {
		verb := "DISABLE"
		if on {
			verb = "ENABLE"
		}
		_, err := conn.Exec(ctx, `DO $$ DECLARE r record; BEGIN
			FOR r IN SELECT tgrelid::regclass AS t, tgname FROM pg_trigger WHERE tgname LIKE 'chelal_reportday%' OR tgname LIKE 'chelal_billdebt%' LOOP
				EXECUTE format('ALTER TABLE %s `+verb+` TRIGGER %I', r.t, r.tgname);
			END LOOP; END $$`)
		return err
	}
	cached := func() (c int64) {
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM core_reportday`).Scan(&c)
		return c
	}
	fmt.Printf("\nwriters (%d of each, committed one by one, backend CPU from /proc/%d/stat)\n", n, pid)
	fmt.Printf("%-8s %-9s %10s %10s %14s\n", "write", "triggers", "wall/op", "cpu/op", "days forgotten")
	// back on, and the debts summary rebuilt: the bills written with its triggers off are not in it
	defer func() {
		if triggers(true) == nil {
			_, _ = conn.Exec(ctx, `SELECT chelal_billdebt_rebuild()`)
		}
	}()
	for _, on := range []bool{false, true, false, true} { // the first pair warms up, the second is printed
		if err := triggers(on); err != nil {
			return err
		}
		for _, w := range []struct {
			name string
			fn   func(pgx.Tx) error
		}{{"visit", visit}, {"payment", payment}} {
			before, c0 := cached(), backendCPU(pid)
			t0 := time.Now()
			for range n {
				if err := pgx.BeginFunc(ctx, conn, w.fn); err != nil {
					return fmt.Errorf("%s: %w", w.name, err)
				}
			}
			wall, cpu := time.Since(t0), backendCPU(pid)-c0
			state := "off"
			if on {
				state = "on"
			}
			fmt.Printf("%-8s %-9s %10s %10s %14d\n", w.name, state, ms(wall/time.Duration(n)), ms(cpu/time.Duration(n)), before-cached())
		}
	}
	return nil
}

// backendCPU is the user + system CPU time of process pid so far (0 when unreadable).
func backendCPU(pid int) time.Duration {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The fields after the command's closing parenthesis; utime and stime are the 14th and
	// 15th of the line (the 12th and 13th after it), in clock ticks of 1/100 s.
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	u, _ := strconv.ParseInt(f[11], 10, 64)
	s, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(u+s) * 10 * time.Millisecond
}
