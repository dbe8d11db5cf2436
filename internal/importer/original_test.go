package importer_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/importer"
	"chelal/internal/patients"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// djangoHash is "correct horse battery" hashed by Django (computed with Python's hashlib).
const djangoHash = "pbkdf2_sha256$260000$seasalt123$kxU6il220OIKJLp1MtFkmidiZcUA9xAc+gqAq+Ln5CE="

const (
	base32Secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
	hexSecret    = "3132333435363738393031323334353637383930" // "12345678901234567890"
)

// originalData fills the original database: a few hundred rows of every kind, then the
// awkward ones (ids above the regular ranges) whose fate the test checks one by one.
func originalData() string {
	keptMRN := patients.FormatMRN("CHL", 999001)
	return fmt.Sprintf(`
INSERT INTO core_role (id, name, description) VALUES
  (1, 'Administrator', 'all'), (2, 'Doctor', NULL), (3, 'Nurse', NULL), (4, 'Receptionist', NULL), (5, 'Lab Technician', 'lab');
INSERT INTO auth_user (id, username, email, password, first_name, last_name, is_active, date_joined, role_id,
                       language_preference, preferences, two_factor_enabled, two_factor_secret) VALUES
  (1, 'admin', 'admin@old.test', '%[1]s', 'Old', 'Admin', true, '2019-01-01 08:00', 1, 'en', '{}', false, NULL),
  (2, 'drkamau', 'kamau@old.test', '%[1]s', 'Peter', 'Kamau', true, '2019-01-02 08:00', 2, 'sw', '{"theme":"dark"}', false, NULL),
  (3, 'dramina', 'amina@old.test', '%[1]s', 'Amina', 'Hassan', true, '2019-01-03 08:00', 2, 'en', NULL, true, '%[2]s'),
  (4, 'nurse_zoe', '', '%[1]s', 'Zoë', 'Ødegård', true, '2019-01-04 08:00', 3, 'en', NULL, false, NULL),
  (5, 'reception', 'desk@old.test', '%[1]s', 'Desk', 'One', true, '2019-01-05 08:00', 4, 'en', NULL, true, '%[3]s'),
  (6, 'labtech', 'lab@old.test', 'bcrypt_sha256$$2b$12$abcdefghijklmnopqrstuv', 'Lab', 'Tech', true, '2019-01-06 08:00', 5, 'en', NULL, false, NULL),
  (7, 'olddoc', 'olddoc@old.test', '%[1]s', 'Old', 'Doctor', false, '2019-01-07 08:00', 2, 'en', NULL, true, 'not-a-secret!'),
  (8, 'noemail', 'not-an-email', '%[1]s', 'No', 'Email', true, '2019-01-08 08:00', 3, 'en', NULL, false, NULL),
  (9, 'francoise', 'fr@old.test', '%[1]s', 'Françoise', 'Lefèvre', true, '2019-01-09 08:00', 3, 'fr-fr', '[1,2]', false, NULL),
  (10, 'locked', 'locked@old.test', '!unusablepassword', 'Locked', 'Out', true, '2019-01-10 08:00', 4, 'en', NULL, false, NULL);

INSERT INTO core_patient (id, unique_id, first_name, last_name, date_of_birth, gender, contact_info, address, known_allergies, created_at, updated_at)
SELECT g, 'PAT-' || lpad(g::text, 5, '0'),
       (ARRAY['José','Zoë','Amina','Ngũgĩ','François','Wanjiru','Émile','Chloé','Otieno','Achieng'])[g %% 10 + 1],
       (ARRAY['Müller','Ødegård','Kamau','Njoroge','Lefèvre','Mwangi','Nuñez','O''Brien','Okafor','Dubois'])[(g / 10) %% 10 + 1],
       DATE '1950-01-01' + g * 37,
       (ARRAY['M','F','Female','male'])[g %% 4 + 1],
       CASE g %% 7 WHEN 0 THEN NULL WHEN 1 THEN '' ELSE '+254 7' || lpad(g::text, 8, '0') END,
       'Kibera, Nairobi', CASE WHEN g %% 11 = 0 THEN 'Pénicilline' END,
       TIMESTAMP '2020-01-01 09:00' + g * interval '1 hour', TIMESTAMP '2020-02-01 09:00' + g * interval '1 hour'
  FROM generate_series(1, 300) g;
INSERT INTO core_patient (id, unique_id, first_name, last_name, date_of_birth, gender, contact_info, address, known_allergies, created_at, updated_at) VALUES
  (301, '%[4]s', 'Kept', 'Number', '1980-05-05', 'F', '0722 000 301', NULL, NULL, '2020-03-01', '2020-03-01'),
  (302, 'PAT-90302', '', 'Nofirst', '1980-05-05', 'F', NULL, NULL, NULL, '2020-03-01', '2020-03-01'),
  (303, 'PAT-90303', 'Very', 'Old', '1870-05-01', 'M', NULL, NULL, NULL, '2020-03-01', '2020-03-01'),
  (304, 'PAT-90304', 'Odd', 'Sex', '1990-01-01', 'x', NULL, NULL, NULL, '2020-03-01', '2020-03-01'),
  (305, 'pat 00001', 'Same', 'Oldnumber', '1990-01-01', 'F', NULL, NULL, NULL, '2020-03-01', '2020-03-01'),
  (306, 'PAT-90306', '  Mary  ', ' Wambui ', '1991-02-03', 'female', ' ', NULL, NULL, '2020-03-01', '2020-03-01');

INSERT INTO core_appointment (id, patient_id, doctor_id, date, time, status, created_at, updated_at)
SELECT g, g %% 300 + 1, 2 + g %% 2, DATE '2023-01-01' + g, TIME '09:00' + (g %% 16) * interval '15 minutes',
       (ARRAY['scheduled','completed','cancelled','no_show','confirmed','completed'])[g %% 6 + 1],
       TIMESTAMP '2022-12-01' + g * interval '1 hour', TIMESTAMP '2022-12-01' + g * interval '1 hour'
  FROM generate_series(1, 300) g;
INSERT INTO core_appointment (id, patient_id, doctor_id, date, time, status, created_at, updated_at) VALUES
  (301, 50, 3, DATE '2023-01-02', TIME '09:15', 'scheduled', '2022-12-01', '2022-12-01'),
  (302, 51, 2, DATE '2024-01-02', TIME '10:00', 'bogus', '2022-12-01', '2022-12-01'),
  (303, 302, 2, DATE '2024-01-03', TIME '10:00', 'scheduled', '2022-12-01', '2022-12-01');

INSERT INTO core_encounter (id, patient_id, appointment_id, doctor_id, notes, diagnosis, created_at, updated_at)
SELECT g, g %% 300 + 1, CASE WHEN g <= 200 THEN g END, 2 + g %% 2, 'Notes ' || g || ': fièvre, céphalées', 'Paludisme ' || g,
       TIMESTAMP '2023-01-01 10:00' + g * interval '1 day', TIMESTAMP '2023-01-01 11:00' + g * interval '1 day'
  FROM generate_series(1, 250) g;
INSERT INTO core_encounter (id, patient_id, appointment_id, doctor_id, notes, diagnosis, created_at, updated_at) VALUES
  (251, 10, NULL, 2, '', NULL, '2023-06-01', '2023-06-01'),
  (252, 6, 5, 2, 'Second visit of one appointment', NULL, '2023-06-01', '2023-06-01'),
  (253, 303, NULL, 2, 'Patient refused', NULL, '2023-06-01', '2023-06-01');

INSERT INTO core_prescription (id, encounter_id, medication_name, dosage, frequency, created_at, updated_at)
SELECT g, g %% 250 + 1, CASE WHEN g %% 5 = 0 THEN 'Paracétamol' ELSE 'Med ' || (g %% 40 + 1) END, '500 mg', 'twice daily',
       TIMESTAMP '2023-01-01 10:30' + g * interval '1 day', TIMESTAMP '2023-01-01 10:30' + g * interval '1 day'
  FROM generate_series(1, 300) g;
INSERT INTO core_prescription (id, encounter_id, medication_name, dosage, frequency, created_at, updated_at) VALUES
  (301, 1, 'Amoxicillin', '', 'daily', '2023-06-01', '2023-06-01'),
  (302, 253, 'Amoxicillin', '250 mg', 'daily', '2023-06-01', '2023-06-01');

INSERT INTO core_vitals (id, encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation, height, weight, bmi, recorded_at)
SELECT g, g, 110 + g %% 30, 70 + g %% 15, 60 + g %% 40, 14 + g %% 6, 36.5 + (g %% 10) / 10.0, 95 + g %% 5, 150 + g %% 40, 50 + g %% 40, 22.5,
       TIMESTAMP '2023-01-01 10:05' + g * interval '1 day'
  FROM generate_series(1, 250) g;
INSERT INTO core_vitals (id, encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation, height, weight, bmi, recorded_at) VALUES
  (251, 1, 120, 80, 72, 16, 98.6, 98, NULL, NULL, NULL, '2023-06-01'),
  (252, 2, 120, 150, 72, 16, 37.0, 98, NULL, NULL, NULL, '2023-06-01');

INSERT INTO core_medicationcategory (id, name, description) VALUES (1, 'Analgésiques', NULL), (2, 'Antibiotics', NULL), (3, 'Antimalarials', NULL);
INSERT INTO core_medicationitem (id, name, description, category_id, strength, form, requires_prescription, stock_quantity, reorder_level, unit_price, expiry_date)
SELECT g, CASE WHEN g = 1 THEN 'Paracétamol' ELSE 'Med ' || g END, NULL, g %% 3 + 1, '500 mg', 'tablet', g %% 2 = 0,
       CASE WHEN g = 7 THEN 0 ELSE g * 10 END, 10, g * 1.5, CASE WHEN g %% 10 = 0 THEN NULL ELSE DATE '2027-06-30' END
  FROM generate_series(1, 40) g;
INSERT INTO core_medicationitem (id, name, description, category_id, strength, form, requires_prescription, stock_quantity, reorder_level, unit_price, expiry_date) VALUES
  (41, 'Negative stock', NULL, 1, '1 mg', 'tablet', true, -5, 10, 1.00, '2027-01-01'),
  (42, 'No strength', NULL, 1, '', 'tablet', true, 5, 10, 1.00, '2027-01-01');

INSERT INTO core_inventoryitem (id, name, description, quantity, unit, updated_at)
SELECT g, 'Supply ' || g, NULL, (g - 1) * 3, 'box', '2023-01-01' FROM generate_series(1, 20) g;
INSERT INTO core_inventoryitem (id, name, description, quantity, unit, updated_at) VALUES (21, 'Broken count', NULL, -1, 'box', '2023-01-01');

INSERT INTO core_bill (id, patient_id, total_amount, paid_amount, status, created_at, due_date)
SELECT g, g %% 300 + 1, CASE WHEN g %% 2 = 0 THEN 151.00 ELSE 100.00 END,
       CASE g %% 3 WHEN 0 THEN 0 WHEN 1 THEN CASE WHEN g %% 2 = 0 THEN 151.00 ELSE 100.00 END ELSE 50.00 END,
       CASE g %% 3 WHEN 0 THEN 'pending' WHEN 1 THEN 'paid' ELSE 'partially_paid' END,
       TIMESTAMP '2023-02-01 12:00' + g * interval '1 day', DATE '2023-03-01' + g
  FROM generate_series(1, 200) g;
INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description)
SELECT g, g %% 5 + 1, 1, 100.00, 100.00, 'Consultation ' || (g %% 5 + 1) FROM generate_series(1, 200) g;
INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description)
SELECT g, 6, 2, 25.50, 51.00, 'Analyse de sang' FROM generate_series(2, 200, 2) g;
INSERT INTO core_payment (bill_id, amount, payment_method, transaction_id, payment_date, notes)
SELECT g, CASE g %% 3 WHEN 1 THEN CASE WHEN g %% 2 = 0 THEN 151.00 ELSE 100.00 END ELSE 50.00 END,
       (ARRAY['cash','mpesa','card'])[g %% 3 + 1], NULL, TIMESTAMP '2023-02-01 12:30' + g * interval '1 day', NULL
  FROM generate_series(1, 200) g WHERE g %% 3 <> 0;
INSERT INTO core_bill (id, patient_id, total_amount, paid_amount, status, created_at, due_date) VALUES
  (201, 20, 100.00, 130.00, 'paid', '2023-09-01', '2023-10-01'),
  (202, 21, 500.00, 0, 'pending', '2023-09-01', '2023-10-01'),
  (203, 22, 100.00, 0, 'cancelled', '2023-09-01', '2023-10-01'),
  (204, 23, 100.00, 100.00, 'paid', '2023-09-01', '2023-10-01'),
  (205, 302, 100.00, 0, 'pending', '2023-09-01', '2023-10-01');
INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description) VALUES
  (201, 1, 1, 100.00, 100.00, NULL), (202, 1, 1, 100.00, 100.00, NULL), (203, 1, 1, 100.00, 100.00, NULL),
  (204, 1, 1, 100.00, 100.00, NULL), (205, 1, 1, 100.00, 100.00, NULL);
INSERT INTO core_payment (id, bill_id, amount, payment_method, transaction_id, payment_date, notes) VALUES
  (9001, 201, 80.00, 'cash', NULL, '2023-09-01 10:00', NULL),
  (9002, 201, 50.00, 'M-Pesa', 'QX12', '2023-09-02 10:00', NULL),
  (9003, 204, 60.00, 'M-Pesa', 'QX13', '2023-09-01 10:00', NULL),
  (9004, 204, 40.00, 'voucher', NULL, '2023-09-02 10:00', 'school voucher');

INSERT INTO core_notification (id, user_id, title, message, notification_type, is_read, created_at)
SELECT g, g %% 9 + 2, 'Reminder ' || g, 'Rendez-vous demain', 'appointment', g %% 2 = 0, TIMESTAMP '2023-01-01' + g * interval '1 hour'
  FROM generate_series(1, 200) g;
INSERT INTO core_notification (id, user_id, title, message, notification_type, is_read, created_at) VALUES
  (201, 2, '', 'no title', 'system', false, '2023-01-01');

INSERT INTO core_auditlog (id, user_id, action, model_name, object_id, changes, timestamp, ip_address)
SELECT g, 2, 'update', 'Patient', g %% 300 + 1, jsonb_build_object('address', jsonb_build_array('old', 'new')),
       TIMESTAMP '2021-01-01' + g * interval '1 hour', ('192.168.1.' || (g %% 250 + 1))::inet
  FROM generate_series(1, 300) g;
INSERT INTO core_auditlog (id, user_id, action, model_name, object_id, changes, timestamp, ip_address) VALUES
  (301, NULL, 'login', 'Session', 77, '{}', '2021-06-01', NULL);
SELECT setval(pg_get_serial_sequence('core_payment', 'id'), 10000);
`, djangoHash, base32Secret, hexSecret, keptMRN)
}

// newOriginal builds an original Chelal database on the test server and returns a connection.
func newOriginal(t *testing.T) *pgx.Conn {
	t.Helper()
	ctx := context.Background()
	src := dbtest.NewEmpty(t)
	if _, err := src.Pool.Exec(ctx, originalSchema); err != nil {
		t.Fatalf("original schema: %v", err)
	}
	if _, err := src.Pool.Exec(ctx, originalData()); err != nil {
		t.Fatalf("original data: %v", err)
	}
	conn, err := pgx.Connect(ctx, src.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

func count(t *testing.T, d *db.DB, sql string, args ...any) int {
	t.Helper()
	return int(dbtest.ID(t, d, sql, args...))
}

func findRefusal(rep *importer.Report, table string, row int64) (string, bool) {
	for _, r := range rep.Refused {
		if r.Table == table && r.Row == row {
			return r.Reason, true
		}
	}
	return "", false
}

func findNote(rep *importer.Report, table string, row int64) (string, bool) {
	for _, r := range rep.Notes {
		if r.Table == table && r.Row == row {
			return r.Reason, true
		}
	}
	return "", false
}

// newID is the Chelal id an original row became.
func newID(t *testing.T, d *db.DB, table string, old int64) int64 {
	t.Helper()
	var id int64
	err := d.Pool.QueryRow(context.Background(), `SELECT new_id FROM core_importrow WHERE table_name = $1 AND old_id = $2`, table, old).Scan(&id)
	if err != nil {
		t.Fatalf("%s %d was not imported: %v", table, old, err)
	}
	return id
}

func TestImportOriginal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := newOriginal(t)
	d := dbtest.New(t)
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{9}, 32))
	if err != nil {
		t.Fatal(err)
	}
	// The clinic set Chelal up before importing: its administrator "admin" exists already.
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO auth_user (username, email, password, role_id)
		SELECT 'admin', 'boss@clinic.test', '$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5', id FROM core_role WHERE name = 'admin'`); err != nil {
		t.Fatal(err)
	}
	opts := importer.OriginalOptions{Box: box, DryRun: true}

	// The dry run lists everything and writes nothing.
	dry, err := importer.ImportOriginal(ctx, src, d, "postgres://chelal_user@old/chelal_db", opts)
	if err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 0 {
		t.Fatalf("dry run wrote %d patients", n)
	}
	if n := count(t, d, `SELECT count(*) FROM core_importrun`); n != 0 {
		t.Fatalf("dry run recorded %d imports", n)
	}
	var printed strings.Builder
	dry.Print(&printed)
	t.Log(printed.String())
	if !strings.Contains(printed.String(), "dry run") || !strings.Contains(printed.String(), "no first name") {
		t.Fatalf("printed dry run lacks the mode or a refusal:\n%s", printed.String())
	}

	opts.DryRun = false
	rep, err := importer.ImportOriginal(ctx, src, d, "postgres://chelal_user@old/chelal_db", opts)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	if rep.ImportID == 0 {
		t.Fatal("no import id")
	}
	// The dry run said exactly what the import did.
	if fmt.Sprint(dry.Counts) != fmt.Sprint(rep.Counts) || len(dry.Refused) != len(rep.Refused) || len(dry.Notes) != len(rep.Notes) {
		t.Fatalf("dry run %v (%d refused, %d notes) differs from the import %v (%d, %d)",
			dry.Counts, len(dry.Refused), len(dry.Notes), rep.Counts, len(rep.Refused), len(rep.Notes))
	}
	for _, c := range rep.Counts {
		if c.Read != c.Imported+c.Refused {
			t.Errorf("%s: read %d, imported %d + refused %d", c.Table, c.Read, c.Imported, c.Refused)
		}
	}

	// Every row the report calls imported is in Chelal.
	for table, sql := range map[string]string{
		"core_patient":        `SELECT count(*) FROM core_patient`,
		"core_appointment":    `SELECT count(*) FROM core_appointment`,
		"core_encounter":      `SELECT count(*) FROM core_encounter`,
		"core_prescription":   `SELECT count(*) FROM core_prescription`,
		"core_vitals":         `SELECT count(*) FROM core_vitals`,
		"core_medicationitem": `SELECT count(*) FROM core_medicationitem`,
		"core_inventoryitem":  `SELECT count(*) FROM core_inventoryitem`,
		"core_bill":           `SELECT count(*) FROM core_bill`,
		"core_billitem":       `SELECT count(*) FROM core_billitem`,
		"core_payment":        `SELECT count(*) FROM core_payment`,
		"core_notification":   `SELECT count(*) FROM core_notification`,
		"core_auditlog":       `SELECT count(*) FROM core_auditlog WHERE changes ->> 'imported_from' = 'chelal-original'`,
	} {
		if got, want := count(t, d, sql), rep.Imported(table); got != want || want == 0 {
			t.Errorf("%s: %d rows in Chelal, report says %d imported", table, got, want)
		}
	}
	wantCounts := map[string][2]int{ // imported, refused
		"core_patient": {304, 2}, "core_appointment": {300, 3}, "core_encounter": {252, 1},
		"core_prescription": {300, 2}, "core_vitals": {251, 1}, "core_bill": {203, 2},
		"core_payment": {138, 0}, "core_notification": {200, 1}, "core_auditlog": {301, 0},
		"core_medicationitem": {41, 1}, "core_inventoryitem": {20, 1}, "auth_user": {10, 0},
	}
	for table, want := range wantCounts {
		var got [2]int
		for _, c := range rep.Counts {
			if c.Table == table {
				got = [2]int{c.Imported, c.Refused}
			}
		}
		if got != want {
			t.Errorf("%s: imported, refused = %v, want %v", table, got, want)
		}
	}

	// Every refusal says why.
	for _, want := range []struct {
		table  string
		row    int64
		reason string
	}{
		{"core_patient", 302, "no first name"},
		{"core_patient", 303, "before 1880"},
		{"core_appointment", 301, "already has an appointment"},
		{"core_appointment", 302, `status "bogus" unknown`},
		{"core_appointment", 303, "patient (302) was not imported"},
		{"core_encounter", 253, "patient (303)"},
		{"core_prescription", 301, "no dosage"},
		{"core_vitals", 252, "diastolic"},
		{"core_medicationitem", 42, "no strength"},
		{"core_medicationitem.stock", 10, "no expiry date"},
		{"core_medicationitem.stock", 41, "below zero"},
		{"core_inventoryitem", 21, "below zero"},
		{"core_bill", 202, "not the sum of its lines (100.00)"},
		{"core_bill", 205, "patient (302)"},
		{"core_notification", 201, "no title"},
	} {
		if got, ok := findRefusal(rep, want.table, want.row); !ok || !strings.Contains(got, want.reason) {
			t.Errorf("%s %d: refusal %q (found %v), want it to say %q", want.table, want.row, got, ok, want.reason)
		}
	}

	// Patients: names with their accents, no phone stays no phone, a sex not understood is
	// unknown, record numbers re-issued with a check digit and the old one found by search.
	p47 := newID(t, d, "core_patient", 47)
	var first, last, uid string
	var phone *string
	if err := d.Pool.QueryRow(ctx, `SELECT first_name, last_name, unique_id, contact_info FROM core_patient WHERE id = $1`, p47).Scan(&first, &last, &uid, &phone); err != nil {
		t.Fatal(err)
	}
	if first != "Chloé" || last != "Lefèvre" || phone == nil || *phone != "+254 700000047" {
		t.Errorf("patient 47: %q %q %v", first, last, phone)
	}
	if canon, ok, err := patients.ParseMRN(uid, "CHL"); !ok || err != nil || canon != uid {
		t.Errorf("patient 47 got record number %q, want a Chelal one with its check digit", uid)
	}
	for _, old := range []int64{7, 8} { // contact_info NULL and ''
		if n := count(t, d, `SELECT count(*) FROM core_patient WHERE id = $1 AND contact_info IS NULL`, newID(t, d, "core_patient", old)); n != 1 {
			t.Errorf("patient %d: a missing phone should stay missing", old)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE id = $1 AND gender = 'unknown'`, newID(t, d, "core_patient", 304)); n != 1 {
		t.Error("patient 304: sex x should be unknown")
	}
	if _, ok := findNote(rep, "core_patient", 304); !ok {
		t.Error("patient 304: no note about the sex not understood")
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE id = $1 AND first_name = 'Mary' AND last_name = 'Wambui'`, newID(t, d, "core_patient", 306)); n != 1 {
		t.Error("patient 306: names not trimmed")
	}
	kept := patients.FormatMRN("CHL", 999001)
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE unique_id = $1`, kept); n != 1 {
		t.Errorf("patient 301's record number %s was not kept", kept)
	}
	res, err := patients.NewService(d).Search(ctx, "pat-00047", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 || res.Items[0].ID != p47 {
		t.Errorf("search for the old number pat-00047 found %v, want patient %d first", res.Items, p47)
	}
	res, err = patients.NewService(d).Search(ctx, "PAT 00001", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 || res.Items[0].ID != newID(t, d, "core_patient", 1) {
		t.Errorf("search for PAT 00001 found %v, want the first patient (not patient 305, whose old number collides)", res.Items)
	}

	// Users keep their passwords (Django hashes) and readable 2FA secrets.
	var pw string
	if err := d.Pool.QueryRow(ctx, `SELECT password FROM auth_user WHERE username = 'drkamau'`).Scan(&pw); err != nil || pw != djangoHash {
		t.Errorf("drkamau's password %q (%v), want the Django hash", pw, err)
	}
	if err := d.Pool.QueryRow(ctx, `SELECT password FROM auth_user WHERE username = 'labtech'`).Scan(&pw); err != nil || !strings.HasPrefix(pw, "!") {
		t.Errorf("labtech's bcrypt password became %q, want unusable", pw)
	}
	for user, want := range map[string]string{"dramina": base32Secret, "reception": "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"} {
		var enabled bool
		var sealed *string
		if err := d.Pool.QueryRow(ctx, `SELECT two_factor_enabled, two_factor_secret FROM auth_user WHERE username = $1`, user).Scan(&enabled, &sealed); err != nil {
			t.Fatal(err)
		}
		if !enabled || sealed == nil {
			t.Errorf("%s: 2FA not carried over", user)
			continue
		}
		if got, err := box.OpenTOTPSecret(*sealed); err != nil || got != want {
			t.Errorf("%s: sealed secret opens to %q (%v), want %q", user, got, err, want)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM auth_user WHERE username = 'olddoc' AND NOT two_factor_enabled AND two_factor_secret IS NULL`); n != 1 {
		t.Error("olddoc's unreadable 2FA secret should turn 2FA off")
	}
	if n := count(t, d, `SELECT count(*) FROM auth_user WHERE username = 'admin' AND email = 'boss@clinic.test'`); n != 1 {
		t.Error("the existing administrator was changed")
	}
	if n := count(t, d, `SELECT count(*) FROM auth_user WHERE username = 'nurse_zoe' AND email = 'nurse_zoe@imported.invalid'`); n != 1 {
		t.Error("a missing email should get a placeholder")
	}
	if n := count(t, d, `SELECT count(*) FROM auth_user u JOIN core_role r ON r.id = u.role_id WHERE u.username = 'francoise' AND r.name = 'nurse' AND u.language_preference = 'fr'`); n != 1 {
		t.Error("francoise: role or language not mapped")
	}

	// Stock: one opening batch per medication, with its expiry.
	med3 := newID(t, d, "core_medicationitem", 3)
	if n := count(t, d, `
		SELECT count(*) FROM core_medicationitem m JOIN core_stockbatch b ON b.medication_id = m.id
		 WHERE m.id = $1 AND m.stock_quantity = 30 AND b.quantity_left = 30 AND b.expiry_date = '2027-06-30'`, med3); n != 1 {
		t.Error("Med 3: want stock 30 in one batch expiring 2027-06-30")
	}
	if n := count(t, d, `SELECT count(*) FROM core_medicationitem WHERE id = $1 AND stock_quantity = 0`, newID(t, d, "core_medicationitem", 10)); n != 1 {
		t.Error("Med 10 has no expiry date: its stock must not come in")
	}
	if n := count(t, d, `SELECT count(*) FROM core_prescription WHERE medication_id IS NOT NULL AND medication_name = 'Paracétamol'`); n != 60 {
		t.Errorf("%d prescriptions of Paracétamol linked to the catalog, want 60", n)
	}
	if n := count(t, d, `SELECT count(*) FROM core_inventoryitem WHERE name = 'Supply 5' AND quantity = 12`); n != 1 {
		t.Error("Supply 5: want an opening quantity of 12")
	}

	// Bills: totals as in the original, the overpaid one paid to its total, a cancelled one
	// cancelled, payment methods mapped.
	var total, paid string
	if err := d.Pool.QueryRow(ctx, `SELECT sum(total_amount)::text, sum(paid_amount)::text FROM core_bill`).Scan(&total, &paid); err != nil {
		t.Fatal(err)
	}
	// 100 bills of 151.00 + 100 of 100.00, plus 201, 203, 204 of 100.00.
	if total != "25400.00" {
		t.Errorf("sum of bill totals %s, want 25400.00", total)
	}
	b201 := newID(t, d, "core_bill", 201)
	if n := count(t, d, `SELECT count(*) FROM core_bill WHERE id = $1 AND paid_amount = 100 AND status = 'paid'`, b201); n != 1 {
		t.Error("bill 201 (overpaid by 30.00) should be paid to its total")
	}
	if got, ok := findNote(rep, "core_payment", 9002); !ok || !strings.Contains(got, "30.00") {
		t.Errorf("overpayment note %q", got)
	}
	if n := count(t, d, `SELECT count(*) FROM core_bill WHERE id = $1 AND status = 'cancelled'`, newID(t, d, "core_bill", 203)); n != 1 {
		t.Error("bill 203 should be cancelled")
	}
	if n := count(t, d, `SELECT count(*) FROM core_payment WHERE bill_id = $1 AND payment_method IN ('mobile_money', 'other')`, newID(t, d, "core_bill", 204)); n != 2 {
		t.Error("bill 204: M-Pesa and voucher payments not mapped")
	}

	// History: the encounters are closed, the audit log is kept with ids mapped.
	if n := count(t, d, `SELECT count(*) FROM core_encounter WHERE status <> 'closed'`); n != 0 {
		t.Errorf("%d imported encounters left open", n)
	}
	if n := count(t, d, `
		SELECT count(*) FROM core_auditlog WHERE changes ->> 'imported_from' = 'chelal-original'
		   AND model_name = 'core_patient' AND object_id = $1 AND "timestamp" = timestamptz '2021-01-01 00:00+00' + interval '46 hours'`, p47); n != 1 {
		t.Errorf("the original's audit row 46 (patient 47) is not kept as history of patient %d", p47)
	}
	if n := count(t, d, `SELECT count(*) FROM core_importrun WHERE id = $1 AND kind = 'chelal-original' AND (counts -> 'core_patient' ->> 'imported')::int = 304`, rep.ImportID); n != 1 {
		t.Error("the import run does not record its counts")
	}

	// Its encounters and bills are history that is never removed: it cannot be undone.
	if err := importer.Undo(ctx, d, db.Actor{}, rep.ImportID); !errors.Is(err, apperr.ErrConflict) ||
		!strings.Contains(apperr.MessageOf(err), "history is never removed") {
		t.Errorf("undo of an import with clinical history: %v, want a conflict", err)
	}

	// Importing the same original again would double everything.
	if _, err := importer.ImportOriginal(ctx, src, d, "again", opts); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("second import: %v, want a conflict", err)
	}
}

// A Chelal database (here the target itself) or a database without patients is not an original.
func TestImportOriginalRefusesOtherDatabases(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	empty := dbtest.NewEmpty(t)
	for name, dsn := range map[string]string{"a Chelal database": d.DSN(), "an empty database": empty.DSN()} {
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := importer.ImportOriginal(ctx, conn, d, "x", importer.OriginalOptions{DryRun: true}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
		_ = conn.Close(ctx)
	}
}
