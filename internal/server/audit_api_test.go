package server

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"chelal/internal/auth"
)

// The audit screen's filters: the rows about one patient (their record and the rows hanging
// off it, never another patient's), dates as days of the clinic's time zone, and the CSV
// export with the same filters, escaped against formulas; administrators only.
func TestAuditFiltersAndExport(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	doctor := a.newUser("doc", auth.RoleDoctor)
	doc := a.login("doc", "10.0.0.2")
	id := func(sql string, args ...any) int64 {
		t.Helper()
		var v int64
		if err := a.db.Pool.QueryRow(ctx, sql, args...).Scan(&v); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := a.db.Pool.Exec(ctx, sql, args...); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO core_setting (key, value) VALUES ('timezone', '"Africa/Nairobi"')
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`)
	amina := id(`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('CHL-1', 'Amina', 'Otieno', '1990-01-01', 'female') RETURNING id`)
	baraka := id(`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('CHL-2', 'Baraka', 'Mwangi', '1985-01-01', 'male') RETURNING id`)
	enc := id(`INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'cough') RETURNING id`, amina, doctor)
	rx := id(`INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, quantity)
		VALUES ($1, 'Amoxicillin', '500 mg', 'tds', 10) RETURNING id`, enc)
	exec(`UPDATE core_patient SET first_name = 'Aminah' WHERE id = $1`, amina)
	bill := id(`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, 0, current_date) RETURNING id`, baraka)
	expect(t, doc.do("GET", fmt.Sprintf("/api/v1/patients/%d", amina), nil), 200) // a chart opening

	rows := func(q string) []map[string]any {
		t.Helper()
		page := expect(t, admin.do("GET", "/api/v1/audit?"+q, nil), 200)
		var out []map[string]any
		for _, it := range page["items"].([]any) {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	key := func(r map[string]any) string {
		return fmt.Sprintf("%s %s %v", r["action"], r["model_name"], r["object_id"])
	}
	got := map[string]bool{}
	for _, r := range rows(fmt.Sprintf("patient_id=%d", amina)) {
		got[key(r)] = true
	}
	want := []string{
		fmt.Sprintf("create core_patient %d", amina), fmt.Sprintf("update core_patient %d", amina),
		fmt.Sprintf("view core_patient %d", amina), fmt.Sprintf("create core_encounter %d", enc),
		fmt.Sprintf("create core_prescription %d", rx),
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("patient filter misses %q (got %v)", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("patient filter: %v, want exactly %v", got, want)
	}
	if r := rows(fmt.Sprintf("patient_id=%d", baraka)); len(r) != 2 || key(r[0]) != fmt.Sprintf("create core_bill %d", bill) {
		t.Errorf("the other patient's rows: %v", r)
	}
	// Filters combine: the doctor's chart openings of this patient.
	if r := rows(fmt.Sprintf("patient_id=%d&user_id=%d&action=view", amina, doctor)); len(r) != 1 || r[0]["username"] != "doc" {
		t.Errorf("patient + user + action: %v", r)
	}

	// A row at 22:30 UTC on 10 March is 01:30 on 11 March in Nairobi (UTC+3): it belongs to the 11th.
	late := id(`INSERT INTO core_auditlog (action, model_name, object_id, changes, "timestamp")
		VALUES ('=cmd|calc', '@table', 7, '{"old": {"note": "a, \"quoted\" value"}, "new": {"note": "+1"}}', '2026-03-10 22:30:00+00') RETURNING id`)
	for _, tc := range []struct {
		q    string
		want int
	}{
		{"from=2026-03-11&to=2026-03-11", 1},
		{"from=2026-03-10&to=2026-03-10", 0},
		{"from=2026-03-10T22:00:00Z&to=2026-03-10T23:00:00Z", 1},
	} {
		if r := rows("model_name=%40table&" + tc.q); len(r) != tc.want {
			t.Errorf("%s: %d rows, want %d", tc.q, len(r), tc.want)
		}
	}

	// The export: same filters, every matching row, the header, escaping.
	w := admin.do("GET", "/api/v1/audit.csv?from=2026-03-11&to=2026-03-11", nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") ||
		!strings.Contains(w.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("csv: %d %v %s", w.Code, w.Header(), w.Body)
	}
	recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll()
	if err != nil {
		t.Fatalf("csv does not parse: %v\n%s", err, w.Body)
	}
	if len(recs) != 2 || strings.Join(recs[0], ",") != "id,time,user,action,table,record id,IP address,before,after,details" {
		t.Fatalf("csv rows: %q", recs)
	}
	row := recs[1]
	if row[0] != fmt.Sprint(late) || row[1] != "2026-03-11 01:30:00 +03:00" || row[3] != "'=cmd|calc" || row[4] != "'@table" ||
		row[7] != `{"note": "a, \"quoted\" value"}` || row[8] != `{"note": "+1"}` {
		t.Fatalf("csv row: %q", row)
	}
	// In the administrator's language: the header is French, the values as stored.
	setLanguage(t, admin, "fr")
	w = admin.do("GET", "/api/v1/audit.csv?from=2026-03-11&to=2026-03-11", nil)
	if recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll(); err != nil || len(recs) != 2 ||
		strings.Join(recs[0], ",") != "id,heure,utilisateur,action,table,id de l'enregistrement,adresse IP,avant,après,détails" || recs[1][3] != "'=cmd|calc" {
		t.Fatalf("French export: %d %q %v", w.Code, recs, err)
	}
	w = admin.do("GET", fmt.Sprintf("/api/v1/audit.csv?patient_id=%d", amina), nil)
	if recs, err := csv.NewReader(strings.NewReader(w.Body.String())).ReadAll(); err != nil || len(recs) != 1+len(want) {
		t.Fatalf("patient export: %d %q %v", w.Code, recs, err)
	}

	for _, q := range []string{"patient_id=x", "from=yesterday", "to=" + url.QueryEscape("2026-13-01"), "limit=1000"} {
		expect(t, admin.do("GET", "/api/v1/audit?"+q, nil), 422)
	}
	for _, q := range []string{"patient_id=x", "from=yesterday"} {
		if w := admin.do("GET", "/api/v1/audit.csv?"+q, nil); w.Code != 422 || !strings.Contains(w.Header().Get("Content-Type"), "problem+json") {
			t.Errorf("csv %s: %d %s", q, w.Code, w.Header().Get("Content-Type"))
		}
	}
	expect(t, doc.do("GET", "/api/v1/audit.csv", nil), 403)
	expect(t, doc.do("GET", fmt.Sprintf("/api/v1/audit?patient_id=%d", amina), nil), 403)
}
