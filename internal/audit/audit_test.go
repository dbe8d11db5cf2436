package audit

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"os"
	"testing"
	"time"

	"chelal/internal/db/dbtest"
	"chelal/internal/i18n"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// The patient filter keeps the rows about one patient: their record and every table that hangs
// off it (directly, through the encounter, the bill, the prescription), never another's.
func TestListByPatient(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	id := func(sql string, args ...any) int64 { t.Helper(); return dbtest.ID(t, d, sql, args...) }
	doctor := dbtest.User(t, d, "doctor", "doc", "D", "R")
	patient := func(uid string) int64 { return dbtest.Patient(t, d, uid, "A", "B", "1990-01-01", "female") }
	mine, theirs := patient("CHL-1"), patient("CHL-2")
	var want []string
	for _, p := range []int64{mine, theirs} {
		appt := id(`INSERT INTO core_appointment (patient_id, doctor_id, date, time)
			VALUES ($1, $2, current_date, make_time(8 + $1::integer % 8, 0, 0)) RETURNING id`, p, doctor)
		enc := id(`INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'n') RETURNING id`, p, doctor)
		rx := id(`INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, quantity)
			VALUES ($1, 'Amoxicillin', '500 mg', 'tds', 3) RETURNING id`, enc)
		bill := id(`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, 0, current_date) RETURNING id`, p)
		if p == mine {
			want = []string{
				fmt.Sprint("core_patient ", p), fmt.Sprint("core_appointment ", appt), fmt.Sprint("core_encounter ", enc),
				fmt.Sprint("core_prescription ", rx), fmt.Sprint("core_bill ", bill),
			}
		}
	}
	page, err := List(ctx, d.Pool, Filter{PatientID: mine, Action: "create"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, r := range page.Items {
		got[fmt.Sprint(r.ModelName, " ", r.ObjectID)] = true
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("missing %s in %v", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("rows %v, want exactly %v", got, want)
	}
}

// The export writes every matching row with the times in the clinic's zone, before and after
// as JSON, quotes and commas escaped, and formula-like cells defused.
func TestWriteCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(ctx, `INSERT INTO core_auditlog (action, model_name, object_id, changes, "timestamp") VALUES
		('update', 'core_x', 1, '{"old": {"a": "=1+1"}, "new": {"a": "b, \"c\""}}', '2026-01-01 21:15:00+00'),
		('-cmd', '@sum', 2, '{"username": "doc"}', '2026-01-01 21:16:00+00')`); err != nil {
		t.Fatal(err)
	}
	nairobi, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(ctx, d.Pool, Filter{From: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}, nairobi, i18n.EN, &buf); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatalf("%v\n%s", err, buf.String())
	}
	if len(recs) != 3 || len(recs[0]) != len(CSVColumns) {
		t.Fatalf("records %q", recs)
	}
	second, first := recs[1], recs[2] // newest first
	if second[1] != "2026-01-02 00:16:00 +03:00" || second[3] != "'-cmd" || second[4] != "'@sum" || second[7] != "" || second[9] != `{"username": "doc"}` {
		t.Errorf("application row %q", second)
	}
	if first[3] != "update" || first[7] != `{"a": "=1+1"}` || first[8] != `{"a": "b, \"c\""}` || first[9] != "" {
		t.Errorf("change row %q", first)
	}
}

func TestCSVSafe(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"=HYPERLINK(1)": "'=HYPERLINK(1)", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"plain": "plain", "": "", "a=b": "a=b",
	} {
		if got := CSVSafe(in); got != want {
			t.Errorf("CSVSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
