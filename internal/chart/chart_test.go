package chart_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/chart"
	"chelal/internal/db/dbtest"
	"chelal/internal/i18n"
)

// The timeline merges what each domain contributes: newest first across kinds, only the kinds
// asked, cut at the limit, in the user's language; an unknown patient is not found.
func TestTimelineMergesTheDomainsEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	id := func(sql string, args ...any) int64 { t.Helper(); return dbtest.ID(t, d, sql, args...) }
	if _, err := d.Pool.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ('timezone', '"UTC"')`); err != nil {
		t.Fatal(err)
	}
	doctor := dbtest.User(t, d, "doctor", "doc", "Amani", "Mrisho")
	p := dbtest.Patient(t, d, "CHL-1", "A", "B", "1990-01-01", "female")
	other := dbtest.Patient(t, d, "CHL-2", "C", "D", "1990-01-01", "male")
	at := func(h int) time.Time { return time.Date(2026, 3, 2, h, 0, 0, 0, time.UTC) }
	appt := id(`INSERT INTO core_appointment (patient_id, doctor_id, date, time, reason, status, cancel_reason)
		VALUES ($1, $2, '2026-03-02', '09:00', 'Cough', 'cancelled', 'x') RETURNING id`, p, doctor)
	enc := id(`INSERT INTO core_encounter (patient_id, doctor_id, notes, diagnosis, created_at) VALUES ($1, $2, 'n', 'Malaria', $3) RETURNING id`, p, doctor, at(10))
	vit := id(`INSERT INTO core_vitals (encounter_id, temperature, recorded_at) VALUES ($1, 37.8, $2) RETURNING id`, enc, at(11))
	rx := id(`INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, quantity, created_at)
		VALUES ($1, 'Amoxicillin', '500 mg', 'tds', 3, $2) RETURNING id`, enc, at(12))
	bill := id(`INSERT INTO core_bill (patient_id, total_amount, due_date, created_at) VALUES ($1, 0, '2026-03-02', $2) RETURNING id`, p, at(13))
	id(`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, 0, current_date) RETURNING id`, other)

	all := []string{chart.KindAppointment, chart.KindEncounter, chart.KindVitals, chart.KindPrescription, chart.KindBill}
	tl, err := chart.Timeline(i18n.WithLang(ctx, i18n.FR), d.Pool, p, all, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind string
		id   int64
	}{{chart.KindBill, bill}, {chart.KindPrescription, rx}, {chart.KindVitals, vit}, {chart.KindEncounter, enc}, {chart.KindAppointment, appt}}
	if len(tl.Items) != len(want) {
		t.Fatalf("timeline %+v, want %d entries", tl.Items, len(want))
	}
	for i, w := range want {
		if e := tl.Items[i]; e.Kind != w.kind || e.ID != w.id {
			t.Errorf("entry %d: %s %d, want %s %d", i, e.Kind, e.ID, w.kind, w.id)
		}
	}
	if e := tl.Items[2]; e.Title != "T 37,8 °C" {
		t.Errorf("vitals in French: %q", e.Title)
	}
	if e := tl.Items[4]; e.Title != "Annulé" || e.Details != "Amani Mrisho · Cough" || !e.At.Equal(at(9)) {
		t.Errorf("appointment: %+v", e)
	}

	only, err := chart.Timeline(ctx, d.Pool, p, []string{chart.KindEncounter, "unknown"}, 0)
	if err != nil || len(only.Items) != 1 || only.Items[0].Kind != chart.KindEncounter {
		t.Errorf("only encounters: %+v, %v", only.Items, err)
	}
	cut, err := chart.Timeline(ctx, d.Pool, p, all, 2)
	if err != nil || len(cut.Items) != 2 || cut.Items[1].ID != rx {
		t.Errorf("limit 2: %+v, %v; want the bill and the prescription", cut.Items, err)
	}
	none, err := chart.Timeline(ctx, d.Pool, p, nil, 0)
	if err != nil || none.Items == nil || len(none.Items) != 0 {
		t.Errorf("no kind allowed: %+v, %v; want an empty list", none.Items, err)
	}
	if _, err := chart.Timeline(ctx, d.Pool, 424242, all, 0); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("unknown patient: %v, want not found", err)
	}
}
