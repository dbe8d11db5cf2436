package server

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"chelal/internal/auth"
)

// TestLabRolePermissions: the technician reads the worklist but never the consultation's
// notes; a receptionist cannot enter results.
func TestLabRolePermissions(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	doc := a.newUser("lab-doc", auth.RoleDoctor)
	a.newUser("lab-tech", auth.RoleLab)
	a.newUser("lab-recep", auth.RoleReceptionist)
	ctx := context.Background()
	var patient, enc int64
	if err := a.db.Pool.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('L-1', 'Zawadi', 'Mwangi', '1985-02-03', 'female') RETURNING id`).Scan(&patient); err != nil {
		t.Fatal(err)
	}
	if err := a.db.Pool.QueryRow(ctx, `INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'private notes') RETURNING id`,
		patient, doc).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	encPath := "/api/v1/encounters/" + strconv.FormatInt(enc, 10)
	tech := a.login("lab-tech", "10.0.0.5")
	expect(t, tech.do("GET", encPath, nil), http.StatusForbidden)
	expect(t, tech.do("GET", "/api/v1/lab/worklist", nil), http.StatusOK)
	expect(t, tech.do("GET", "/api/v1/patients/"+strconv.FormatInt(patient, 10), nil), http.StatusOK)

	var hb int64
	a.db.Pool.QueryRow(ctx, `SELECT id FROM core_labtest WHERE code = 'HB'`).Scan(&hb)
	d := a.login("lab-doc", "10.0.0.5")
	w := d.do("POST", encPath+"/lab-orders", map[string]any{"test_ids": []int64{hb}, "urgency": "routine", "clinical_note": "pale"})
	expect(t, w, http.StatusCreated)
	var result int64
	a.db.Pool.QueryRow(ctx, `SELECT id FROM core_labresult WHERE patient_id = $1`, patient).Scan(&result)
	recep := a.login("lab-recep", "10.0.0.5")
	expect(t, recep.do("POST", "/api/v1/lab/results/"+strconv.FormatInt(result, 10), map[string]any{"value_numeric": 9, "version": 1}), http.StatusForbidden)
	// The worklist shows the order's clinical note and the patient's allergies, not the notes.
	w = tech.do("GET", "/api/v1/lab/worklist", nil)
	expect(t, w, http.StatusOK)
	if body := w.Body.String(); !strings.Contains(body, `"clinical_note":"pale"`) || strings.Contains(body, "private notes") {
		t.Fatalf("worklist: %s", body)
	}

	// The order's label and report print as PDFs; the lab's reports download as CSV.
	order := queryValue[int64](a, `SELECT id FROM core_laborder WHERE patient_id = $1`, patient)
	orderPath := "/api/v1/lab/orders/" + strconv.FormatInt(order, 10)
	for _, kind := range []string{"label", "report"} {
		w = tech.do("GET", orderPath+"/"+kind+".pdf?lang=fr", nil)
		expect(t, w, http.StatusOK)
		want := `inline; filename="lab-` + kind + `-` + strconv.FormatInt(order, 10) + `.pdf"`
		if h := w.Header(); h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != want ||
			!strings.HasPrefix(w.Body.String(), "%PDF") {
			t.Fatalf("%s: %v %.20q", kind, h, w.Body.String())
		}
		expect(t, tech.do("GET", "/api/v1/lab/orders/99999999/"+kind+".pdf", nil), http.StatusNotFound)
		expect(t, tech.do("GET", "/api/v1/lab/orders/x/"+kind+".pdf", nil), http.StatusNotFound)
	}
	// With no time zone set (the machine's, as in a new clinic; PostgreSQL was once given
	// "Local" and answered 500), then with one.
	for _, zone := range []string{"", "Africa/Nairobi"} {
		if zone != "" {
			a.exec(`INSERT INTO core_setting (key, value) VALUES ('timezone', to_jsonb($1::text))`, zone)
		}
		w = tech.do("GET", "/api/v1/lab/reports/workload?from=2026-01-01&to=2026-12-31", nil)
		expect(t, w, http.StatusOK)
		if h := w.Header(); h.Get("Content-Type") != "text/csv; charset=utf-8" ||
			h.Get("Content-Disposition") != `attachment; filename="lab-workload-2026-01-01-2026-12-31.csv"` || w.Body.Len() == 0 {
			t.Fatalf("workload csv (zone %q): %v %q", zone, h, w.Body.String())
		}
	}
	expect(t, tech.do("GET", "/api/v1/lab/reports/nonsense?from=2026-01-01&to=2026-12-31", nil), http.StatusNotFound)
	expectFieldErrors(t, "lab report without a period", expect(t, tech.do("GET", "/api/v1/lab/reports/workload", nil), http.StatusUnprocessableEntity), "from", "to")
}
