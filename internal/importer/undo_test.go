package importer_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/importer"
)

// A small original without clinical or money history: users, patients, stock, supplies, an
// appointment, a notification, its audit log.
const smallOriginal = `
INSERT INTO core_role (id, name, description) VALUES (1, 'Administrator', NULL), (2, 'Doctor', NULL);
INSERT INTO auth_user (id, username, email, password, first_name, last_name, is_active, date_joined, role_id) VALUES
  (1, 'admin', 'admin@old.test', 'x', 'Old', 'Admin', true, '2019-01-01', 1),
  (2, 'drnew', 'new@old.test', 'x', 'New', 'Doctor', true, '2019-01-02', 2);
INSERT INTO core_patient (id, unique_id, first_name, last_name, date_of_birth, gender, contact_info, created_at, updated_at)
SELECT g, 'OLD-' || g, 'Amina' || chr(96 + g), 'Otieno', DATE '1980-01-01' + g, 'F', NULL, '2020-01-01', '2020-01-01'
  FROM generate_series(1, 5) g;
INSERT INTO core_medicationcategory (id, name, description) VALUES (1, 'Analgésiques', NULL);
INSERT INTO core_medicationitem (id, name, description, category_id, strength, form, requires_prescription, stock_quantity, reorder_level, unit_price, expiry_date) VALUES
  (1, 'Paracétamol', NULL, 1, '500 mg', 'tablet', false, 100, 10, 2.50, '2027-06-30'),
  (2, 'Coartem', NULL, 1, '20/120 mg', 'tablet', true, 30, 10, 12.00, '2027-01-31');
INSERT INTO core_inventoryitem (id, name, description, quantity, unit, updated_at) VALUES (1, 'Gloves', NULL, 4, 'box', '2023-01-01');
INSERT INTO core_appointment (id, patient_id, doctor_id, date, time, status, created_at, updated_at) VALUES
  (1, 1, 2, '2023-01-02', '09:00', 'completed', '2022-12-01', '2022-12-01');
INSERT INTO core_notification (id, user_id, title, message, notification_type, is_read, created_at) VALUES
  (1, 2, 'Welcome', 'Hello', 'info', false, '2023-01-01');
INSERT INTO core_auditlog (id, user_id, action, model_name, object_id, changes, timestamp) VALUES
  (1, 1, 'create', 'Patient', 1, '{}', '2020-01-01');
`

// Undoing an original import while nothing changed since: a compensating change, audited.
// The stock received goes out again by ledger movements, the patients, appointment and
// notification it made are removed, its medications, supplies and users deactivated (an
// account that was there before is left alone); the original can then be imported again. Once
// a record changed, or a patient has a new visit, the undo is refused whole.
func TestUndoOriginal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := dbtest.NewEmpty(t)
	if _, err := src.Pool.Exec(ctx, originalSchema+smallOriginal); err != nil {
		t.Fatalf("original: %v", err)
	}
	conn, err := pgx.Connect(ctx, src.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(ctx, `INSERT INTO auth_user (username, email, password, role_id)
		SELECT 'admin', 'boss@clinic.test', '!x', id FROM core_role WHERE name = 'admin'`); err != nil {
		t.Fatal(err)
	}
	rep, err := importer.ImportOriginal(ctx, conn, d, "old", importer.OriginalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 5 {
		t.Fatalf("imported patients: %d", n)
	}
	if n := count(t, d, `SELECT count(*) FROM core_stockbatch`); n != 2 {
		t.Fatalf("opening batches: %d", n)
	}

	if err := importer.Undo(ctx, d, db.Actor{}, rep.ImportID); err != nil {
		t.Fatalf("undo: %v", err)
	}
	for sql, want := range map[string]int{
		`SELECT count(*) FROM core_patient`:                                                                         0,
		`SELECT count(*) FROM core_patientalias`:                                                                    0,
		`SELECT count(*) FROM core_appointment`:                                                                     0,
		`SELECT count(*) FROM core_notification`:                                                                    0,
		`SELECT count(*) FROM core_medicationitem WHERE is_active OR stock_quantity <> 0`:                           0,
		`SELECT count(*) FROM core_stockbatch WHERE quantity_left <> 0`:                                             0,
		`SELECT count(*) FROM core_stockmovement WHERE kind = 'adjust' AND reason LIKE 'import undone (import #%)'`: 2,
		`SELECT count(*) FROM core_inventoryitem WHERE name = 'Gloves' AND NOT is_active AND quantity = 0`:          1,
		`SELECT count(*) FROM auth_user WHERE username = 'drnew' AND NOT is_active`:                                 1,
		`SELECT count(*) FROM auth_user WHERE username = 'admin' AND is_active`:                                     1,
		`SELECT count(*) FROM core_importrun WHERE undone_at IS NOT NULL`:                                           1,
		// audited: each removal, and the stock ledger's movements
		`SELECT count(*) FROM core_auditlog WHERE model_name = 'core_patient' AND action = 'delete'`:       5,
		`SELECT count(*) FROM core_auditlog WHERE model_name = 'core_stockmovement' AND action = 'create'`: 4,
	} {
		if got := count(t, d, sql); got != want {
			t.Errorf("%s: %d, want %d", sql, got, want)
		}
	}
	if err := importer.Undo(ctx, d, db.Actor{}, rep.ImportID); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("second undo: %v", err)
	}

	// Imported again, then a record changes: the undo is refused and changes nothing.
	rep, err = importer.ImportOriginal(ctx, conn, d, "old", importer.OriginalOptions{})
	if err != nil {
		t.Fatalf("import after the undo: %v", err)
	}
	change := func(sql string) {
		t.Helper()
		if err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	change(`UPDATE core_patient SET address = 'Kibera' WHERE first_name = 'Aminab'`)
	err = importer.Undo(ctx, d, db.Actor{}, rep.ImportID)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(apperr.MessageOf(err), "changed since") {
		t.Fatalf("undo after an edit: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 5 {
		t.Fatalf("a refused undo removed patients: %d left", n)
	}
}

// Undoing a new patient's import is refused once the patient has a visit: the delete meets the
// visit's reference and nothing is undone.
func TestUndoRefusedAfterAVisit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	rep, err := importCSV(t, d, "p.csv", "First name,Last name,Date of birth,Sex\nAmina,Hassan,03/04/1990,F\nZoë,Kamau,05/06/1970,F\n",
		importer.SheetOptions{Kind: importer.KindPatients, DateFormat: "DD/MM/YYYY"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO auth_user (username, email, password, role_id) SELECT 'drk', 'k@clinic.test', '!x', id FROM core_role WHERE name = 'doctor';
		INSERT INTO core_appointment (patient_id, doctor_id, date, time, status)
		SELECT p.id, u.id, current_date, '09:00', 'scheduled' FROM core_patient p, auth_user u WHERE p.first_name = 'Zoë' AND u.username = 'drk'`); err != nil {
		t.Fatal(err)
	}
	err = importer.Undo(ctx, d, db.Actor{}, rep.ImportID)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(apperr.MessageOf(err), "in use since") {
		t.Fatalf("undo after a visit: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 2 {
		t.Fatalf("a refused undo removed patients: %d left", n)
	}
}
