package backup_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/backup"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

func TestMain(m *testing.M) {
	backup.SetScryptWorkFactor(2) // encrypted backups opened by the thousand
	os.Exit(dbtest.Main(m))
}

// populate puts rows in every table a clinic fills, through InTx so the audit trail fills too.
// populated is a new database with populate's rows: a backup's source.
func populated(t *testing.T) *db.DB {
	t.Helper()
	d := dbtest.New(t)
	populate(t, d)
	return d
}

func populate(t *testing.T, d *db.DB) {
	t.Helper()
	err := d.InTx(context.Background(), db.Actor{IP: netip.MustParseAddr("10.1.1.1")}, func(ctx context.Context, tx pgx.Tx) error {
		stmts := []string{
			`INSERT INTO auth_user (username, email, password, first_name, role_id) VALUES ('drwanjiku', 'w@clinic.test', '$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', 'Wanjikũ', 2)`,
			`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, contact_info, known_allergies)
			 VALUES ('CHL-000001-3', 'Amélie', 'O''Brien', '1990-01-02', 'female', '0712 345 678', E'Penicillin\nand "sulfa"\ttabs \\ slash')`,
			`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('CHL-000002-7', 'Baraka', 'Mwangi', '1985-06-30', 'male')`,
			`INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, reason) VALUES (1, 1, '2026-12-01', '09:15', 'scheduled', 'fever')`,
			`INSERT INTO core_encounter (patient_id, appointment_id, doctor_id, notes, diagnosis) VALUES (1, 1, 1, 'Notes with ünïcode and a NUL-free \ backslash', 'Malaria')`,
			`INSERT INTO core_vitals (encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation, height, weight, bmi)
			 VALUES (1, 120, 80, 72, 16, 37.2, 98.5, 170.0, 65.0, 22.49)`,
			`INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency) VALUES (1, 'Artemether', '80 mg', 'twice daily')`,
			`INSERT INTO core_medicationcategory (name) VALUES ('Antimalarials')`,
			`INSERT INTO core_medicationitem (name, category_id, strength, form, unit_price) VALUES ('Coartem', 1, '20/120 mg', 'tablet', 12.50)`,
			// Stock through its ledger: a batch received, then part of it dispensed.
			`INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost) VALUES (1, 'LOT-7', '2027-06-30', 300, 8.75)`,
			`INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after) VALUES (1, 1, 'receive', 300, 0, 0)`,
			`UPDATE core_prescription SET medication_id = 1, quantity = 12 WHERE id = 1`,
			`INSERT INTO core_dispense (prescription_id, medication_id, quantity, dispensed_total, unit_price) VALUES (1, 1, 12, 12, 12.50)`,
			`INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after, dispense_id) VALUES (1, 1, 'dispense', -12, 0, 0, 1)`,
			`UPDATE core_prescription SET dispensed_quantity = 12 WHERE id = 1`,
			`INSERT INTO core_inventoryitem (name, unit) VALUES ('Gloves', 'pair')`,
			`INSERT INTO core_inventorymovement (item_id, quantity_change, balance_after, reason) VALUES (1, 500, 0, 'opening stock')`,
			`INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('Consultation', 'CONS', 'consultation', 500.00)`,
			// Totals, paid amount and status follow the lines and payments (billing's triggers).
			`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES (1, 0, '2026-12-31')`,
			`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price) VALUES (1, 1, 1, 1250.00, 1250.00)`,
			`INSERT INTO core_payment (bill_id, amount, payment_method, transaction_id) VALUES (1, 250.00, 'mobile_money', 'MPESA123')`,
			`INSERT INTO core_notification (user_id, title, message, notification_type) VALUES (1, 'Low stock', 'Coartem is low', 'stock')`,
			`INSERT INTO core_telemedicinesession (appointment_id, status) VALUES (1, 'scheduled')`,
			`UPDATE core_patient SET contact_info = '0722 000 111' WHERE id = 2`,
			`UPDATE core_encounter SET status = 'closed', closed_at = now() WHERE id = 1`,
			`INSERT INTO core_encounteraddendum (encounter_id, author_id, text) VALUES (1, 1, 'Lab: RDT positive')`,
			`INSERT INTO core_setting (key, value) VALUES ('temperature_unit', '"F"')`,
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return fmt.Errorf("%s: %w", s[:40], err)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestRoundTripRestoresEveryTableExactly(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := populated(t)
	dir := t.TempDir()
	path, m, err := backup.Create(ctx, src, dir, backup.Options{ChelalVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(path, backup.Extension) {
		t.Fatalf("backup name %s", path)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("backup folder holds %d files, want just the backup (no .partial)", len(entries))
	}
	rows := map[string]int64{}
	for _, ts := range m.Tables {
		rows[ts.Name] = ts.Rows
	}
	for _, table := range []string{"core_patient", "core_encounter", "core_vitals", "core_prescription", "core_bill", "core_payment", "core_auditlog", "auth_user", "core_medicationitem", "core_patientsearch", "core_stockbatch", "core_stockmovement", "core_dispense", "core_inventorymovement", "core_encounteraddendum", "core_billitem", "core_nameword"} {
		if rows[table] == 0 {
			t.Errorf("manifest: %s has no rows", table)
		}
	}

	dst := dbtest.NewEmpty(t)
	if _, _, err := backup.Restore(ctx, path, dst.DSN(), backup.RestoreOptions{}); err != nil {
		t.Fatal(err)
	}
	want, err := backup.Checksums(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := backup.Checksums(ctx, dst)
	if err != nil {
		t.Fatal(err)
	}
	for table, w := range want {
		if got[table] != w {
			t.Errorf("%s: restored %+v, original %+v", table, got[table], w)
		}
	}
	if len(got) != len(want) {
		t.Errorf("restored %d tables, original %d", len(got), len(want))
	}
	// Sequences continue: new rows get new ids, no collision with restored ones.
	var id int64
	if err := dst.Pool.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('CHL-000003-1', 'New', 'Patient', '2000-01-01', 'other') RETURNING id`).Scan(&id); err != nil {
		t.Fatalf("insert after restore: %v", err)
	}
	if id != 3 {
		t.Errorf("new patient id %d after restore, want 3", id)
	}
	var auditNew int
	if err := dst.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE object_id = $1 AND model_name = 'core_patient'`, id).Scan(&auditNew); err != nil || auditNew != 1 {
		t.Errorf("audit trigger after restore: %d rows (%v), want 1 (triggers re-enabled)", auditNew, err)
	}
	// A restore never lands on a database that holds data.
	if _, _, err := backup.Restore(ctx, path, src.DSN(), backup.RestoreOptions{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Fatalf("restore over a live database: %v", err)
	}
}

func TestEncryptedBackupNeedsItsPassphrase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := populated(t)
	path, _, err := backup.Create(ctx, src, t.TempDir(), backup.Options{Passphrase: "correct horse battery staple"})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"Amélie", "Artemether", "MPESA123", "argon2id"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("the encrypted backup shows %q", secret)
		}
	}
	for _, pass := range []string{"", "wrong passphrase"} {
		if _, err := backup.Verify(ctx, src, path, pass, 0, nil); !errors.Is(err, backup.ErrPassphrase) {
			t.Errorf("passphrase %q: %v, want ErrPassphrase", pass, err)
		}
	}
	res, err := backup.Verify(ctx, src, path, "correct horse battery staple", 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Manifest.Tables) == 0 {
		t.Fatal("verified an empty manifest")
	}
}

func TestDamagedBackupsAreRefused(t *testing.T) {
	// Not parallel: it counts the scratch databases left in the whole test cluster, which the
	// other tests' verifications create meanwhile.
	ctx := context.Background()
	src := populated(t)
	dir := t.TempDir()
	path, _, err := backup.Create(ctx, src, dir, backup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Verify(ctx, src, path, "", 0, nil); err != nil {
		t.Fatalf("intact backup: %v", err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := append([]byte(nil), raw...)
	flipped[len(flipped)/2] ^= 0x40
	cases := map[string]string{
		"truncated":    write("truncated", raw[:len(raw)/2]),
		"flipped byte": write("flipped", flipped),
		"not a backup": write("notes", []byte("just some text")),
		"empty":        write("empty", nil),
	}
	for name, p := range cases {
		if _, err := backup.Verify(ctx, src, p, "", 0, nil); err == nil {
			t.Errorf("%s: verified", name)
		}
	}
	// A backup from a newer schema than this Chelal knows is refused with a clear message.
	h, err := backup.ReadHeader(path, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = backup.Verify(ctx, src, path, "", h.SchemaVersion-1, nil)
	if err == nil || !strings.Contains(err.Error(), "newer Chelal") {
		t.Errorf("newer schema: %v", err)
	}
	// No scratch database was left behind by the failures.
	var scratch int
	if err := src.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname LIKE 'chelal_verify_%'`).Scan(&scratch); err != nil || scratch != 0 {
		t.Errorf("%d scratch databases left (%v)", scratch, err)
	}
	// The original is untouched.
	var patients int
	if err := src.Pool.QueryRow(ctx, `SELECT count(*) FROM core_patient`).Scan(&patients); err != nil || patients != 2 {
		t.Errorf("original holds %d patients (%v)", patients, err)
	}
}

// TestBackupUnderLoadIsConsistent takes backups while 20 clients take payments; in every
// restored copy each bill's paid_amount equals the sum of its payments.
func TestBackupUnderLoadIsConsistent(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := populated(t)
	if _, err := src.Pool.Exec(ctx, `
		WITH b AS (INSERT INTO core_bill (patient_id, total_amount, due_date) SELECT 2, 0, '2027-01-01' FROM generate_series(1, 20) RETURNING id)
		INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price) SELECT id, 1, 1, 1000000, 1000000 FROM b`); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var payments atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			bill := 2 + i
			for {
				select {
				case <-stop:
					return
				default:
				}
				err := src.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
					// The bill's paid_amount follows by trigger.
					_, err := tx.Exec(ctx, `INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, 1.25, 'cash')`, bill)
					return err
				})
				if err != nil {
					t.Error(err)
					return
				}
				payments.Add(1)
			}
		}()
	}
	var paths []string
	for i := 0; i < 3; i++ {
		time.Sleep(100 * time.Millisecond)
		p, _, err := backup.Create(ctx, src, t.TempDir(), backup.Options{})
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	close(stop)
	wg.Wait()
	if payments.Load() < 20 {
		t.Fatalf("only %d payments were taken during the backups", payments.Load())
	}
	for _, p := range paths {
		dst := dbtest.NewEmpty(t)
		if _, _, err := backup.Restore(ctx, p, dst.DSN(), backup.RestoreOptions{}); err != nil {
			t.Fatal(err)
		}
		var bad, bills int
		err := dst.Pool.QueryRow(ctx, `
			SELECT count(*) FILTER (WHERE b.paid_amount <> coalesce(s.total, 0)), count(*)
			  FROM core_bill b LEFT JOIN (SELECT bill_id, sum(amount) AS total FROM core_payment GROUP BY bill_id) s ON s.bill_id = b.id`).Scan(&bad, &bills)
		if err != nil {
			t.Fatal(err)
		}
		if bad != 0 || bills != 21 {
			t.Errorf("%s: %d of %d bills disagree with their payments", filepath.Base(p), bad, bills)
		}
	}
}
