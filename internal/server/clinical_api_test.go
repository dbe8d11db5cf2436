package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"chelal/internal/auth"
)

// clinic is a small clinic with one of each clinical role and a checked-in patient.
type clinic struct {
	a                           *api
	desk, nurse, doc, doc2, pha *client
	cashier, admin              *client
	docID                       int64
	patient, visit              map[string]any
}

func newClinic(t *testing.T, allergies string) *clinic {
	t.Helper()
	a := newAPI(t, auth.Config{})
	c := &clinic{a: a}
	c.docID = a.newUser("drwere", auth.RoleDoctor)
	a.newUser("drmosi", auth.RoleDoctor)
	for _, u := range []struct{ name, role string }{{"desk", auth.RoleReceptionist}, {"nurse", auth.RoleNurse},
		{"pharm", auth.RolePharmacist}, {"till", auth.RoleCashier}, {"boss", auth.RoleAdmin}} {
		a.newUser(u.name, u.role)
	}
	c.desk, c.nurse, c.doc = a.login("desk", "10.0.0.1"), a.login("nurse", "10.0.0.2"), a.login("drwere", "10.0.0.3")
	c.doc2, c.pha, c.cashier, c.admin = a.login("drmosi", "10.0.0.4"), a.login("pharm", "10.0.0.5"), a.login("till", "10.0.0.6"), a.login("boss", "10.0.0.7")
	c.patient = expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Amina", "last_name": "Otieno",
		"date_of_birth": "1990-04-02", "gender": "female", "known_allergies": allergies, "confirm_duplicate": true}), 201)
	c.visit = expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "walk_in": true}), 201)
	return c
}

func idOf(m map[string]any) int64 { return int64(m["id"].(float64)) }

func (c *clinic) appointment(t *testing.T) map[string]any {
	t.Helper()
	return expect(t, c.desk.do("GET", fmt.Sprintf("/api/v1/appointments/%d", idOf(c.visit)), nil), 200)
}

func vitals(over map[string]any) map[string]any {
	v := map[string]any{"systolic_bp": 124, "diastolic_bp": 82, "heart_rate": 72, "respiratory_rate": 16,
		"temperature": 36.8, "oxygen_saturation": 98, "height": 170, "weight": 65}
	for k, x := range over {
		if x == nil {
			delete(v, k)
		} else {
			v[k] = x
		}
	}
	return v
}

// TestConsultationFlow: the nurse's triage opens the visit's encounter and records vitals; the
// doctor takes the patient (in progress), writes, prescribes, closes (completed); then only an
// addendum can be added, and the original notes stay as they were, in the audit log too.
func TestConsultationFlow(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	visitPath := fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit))

	enc := expect(t, c.nurse.do("POST", visitPath, nil), 200)
	if enc["status"] != "open" || enc["notes"] != "" || int64(enc["doctor_id"].(float64)) != c.docID {
		t.Fatalf("triage encounter: %v", enc)
	}
	if st := c.appointment(t)["status"]; st != "checked_in" {
		t.Fatalf("after triage the appointment is %v, want still checked_in", st)
	}
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(enc))

	// Vitals: the client's BMI is ignored, the server's is 65 / 1.7² = 22.5; a high pressure is
	// accepted and flagged.
	v := expect(t, c.nurse.do("POST", encPath+"/vitals", vitals(map[string]any{"bmi": 99, "systolic_bp": 165})), 201)
	if v["bmi"] != 22.5 {
		t.Errorf("bmi %v, want 22.5 computed by the server", v["bmi"])
	}
	flags := v["flags"].([]any)
	if len(flags) != 1 || flags[0].(map[string]any)["field"] != "systolic_bp" || flags[0].(map[string]any)["level"] != "high" {
		t.Errorf("flags: %v", flags)
	}
	var storedBMI float64
	if err := c.a.db.Pool.QueryRow(context.Background(), `SELECT bmi FROM core_vitals WHERE id = $1`, idOf(v)).Scan(&storedBMI); err != nil || storedBMI != 22.5 {
		t.Errorf("stored bmi %v (%v)", storedBMI, err)
	}

	// The same visit, opened by the doctor from the queue: the same encounter, now in progress.
	enc2 := expect(t, c.doc.do("POST", visitPath, nil), 200)
	if idOf(enc2) != idOf(enc) {
		t.Fatalf("the doctor got encounter %v, the nurse %v", enc2["id"], enc["id"])
	}
	if st := c.appointment(t)["status"]; st != "in_progress" {
		t.Fatalf("appointment %v, want in_progress", st)
	}
	// A nurse cannot write a diagnosis; the doctor can, with the version.
	expect(t, c.nurse.do("PATCH", encPath, map[string]any{"diagnosis": "Malaria", "version": enc2["version"]}), 403)
	e := expect(t, c.doc.do("PATCH", encPath, map[string]any{"notes": "Fever for 3 days, chills.", "diagnosis": "Malaria (uncomplicated)",
		"version": enc2["version"]}), 200)
	// A stale version is refused and changes nothing.
	if problemType(t, c.doc.do("PATCH", encPath, map[string]any{"notes": "overwrite", "version": enc2["version"]})) != "stale-version" {
		t.Error("a stale edit was not refused as stale-version")
	}
	// Another doctor cannot edit what this one wrote.
	w := c.doc2.do("PATCH", encPath, map[string]any{"notes": "mine now", "version": e["version"]})
	expect(t, w, 403)

	p := expect(t, c.doc.do("POST", encPath+"/prescriptions", map[string]any{"medication_name": "Artemether/lumefantrine 20/120 mg",
		"dosage": "4 tablets", "frequency": "twice a day", "duration": "3 days", "quantity": 24, "instructions": "With food"}), 201)
	if p["is_free_text"] != true || p["quantity"] != float64(24) {
		t.Errorf("prescription: %v", p)
	}

	closed := expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": e["version"]}), 200)
	if closed["status"] != "closed" || closed["closed_at"] == nil {
		t.Fatalf("closed: %v", closed)
	}
	if st := c.appointment(t)["status"]; st != "completed" {
		t.Fatalf("appointment %v, want completed", st)
	}

	// Closed: no edit, no vitals, no prescription, no second close; an addendum only.
	if problemType(t, c.doc.do("PATCH", encPath, map[string]any{"notes": "changed", "version": closed["version"]})) != "encounter-closed" {
		t.Error("editing a closed encounter was not refused")
	}
	expect(t, c.nurse.do("POST", encPath+"/vitals", vitals(nil)), 409)
	expect(t, c.doc.do("POST", encPath+"/prescriptions", map[string]any{"medication_name": "Paracetamol", "dosage": "1 g", "frequency": "tds", "quantity": 10}), 409)
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": closed["version"]}), 409)
	expect(t, c.doc.do("POST", encPath+"/addenda", map[string]any{"text": "  "}), 422)
	withAdd := expect(t, c.doc2.do("POST", encPath+"/addenda", map[string]any{"text": "Lab: RDT positive, confirmed."}), 201)
	adds := withAdd["addenda"].([]any)
	if withAdd["notes"] != "Fever for 3 days, chills." || len(adds) != 1 || adds[0].(map[string]any)["author_name"] != "Test doctor" {
		t.Fatalf("after the addendum: %v", withAdd)
	}
	// The database itself refuses to change a closed encounter, whatever the code path.
	if _, err := c.a.db.Pool.Exec(context.Background(), `UPDATE core_encounter SET notes = 'rewritten' WHERE id = $1`, idOf(enc)); err == nil {
		t.Error("the database let a closed encounter's notes change")
	}
	// The audit log shows the notes as written and the addendum.
	var notesAudited, addendumAudited int
	if err := c.a.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE model_name = 'core_encounter' AND changes -> 'new' ->> 'notes' = 'Fever for 3 days, chills.'),
		       count(*) FILTER (WHERE model_name = 'core_encounteraddendum' AND changes -> 'new' ->> 'text' = 'Lab: RDT positive, confirmed.')
		  FROM core_auditlog`).Scan(&notesAudited, &addendumAudited); err != nil {
		t.Fatal(err)
	}
	if notesAudited != 1 || addendumAudited != 1 {
		t.Errorf("audit: notes rows %d, addendum rows %d; want 1 and 1", notesAudited, addendumAudited)
	}

	// The patient's trend and timeline.
	trend := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/patients/%d/vitals", idOf(c.patient)), nil), 200)
	if len(trend["items"].([]any)) != 1 {
		t.Errorf("trend: %v", trend)
	}
	tl := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/patients/%d/timeline", idOf(c.patient)), nil), 200)["items"].([]any)
	kinds := map[string]int{}
	for _, it := range tl {
		kinds[it.(map[string]any)["kind"].(string)]++
	}
	if kinds["encounter"] != 1 || kinds["vitals"] != 1 || kinds["prescription"] != 1 || kinds["appointment"] != 1 {
		t.Errorf("doctor's timeline kinds: %v", kinds)
	}
}

// TestClinicalFieldsNeverLeak: receptionists and cashiers reach no encounter, vitals or
// prescription, and their timeline of the patient has none of them.
func TestClinicalFieldsNeverLeak(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	e := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"appointment_id": c.visit["id"],
		"notes": "SECRET-NOTES", "diagnosis": "SECRET-DIAGNOSIS"}), 201)
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(e))
	for _, who := range []*client{c.desk, c.cashier} {
		for _, path := range []string{encPath, encPath + "/vitals", encPath + "/prescriptions",
			fmt.Sprintf("/api/v1/encounters?patient_id=%d", idOf(c.patient)), fmt.Sprintf("/api/v1/patients/%d/vitals", idOf(c.patient))} {
			w := who.do("GET", path, nil)
			expect(t, w, 403)
			if strings.Contains(w.Body.String(), "SECRET") {
				t.Errorf("%s leaked clinical text: %s", path, w.Body)
			}
		}
		w := who.do("GET", fmt.Sprintf("/api/v1/patients/%d/timeline", idOf(c.patient)), nil)
		expect(t, w, 200)
		if strings.Contains(w.Body.String(), "SECRET") || strings.Contains(w.Body.String(), `"encounter"`) {
			t.Errorf("timeline leaked the encounter: %s", w.Body)
		}
	}
	// A pharmacist reads prescriptions, not encounters.
	expect(t, c.pha.do("GET", encPath, nil), 403)
	expect(t, c.pha.do("GET", encPath+"/prescriptions", nil), 200)
	// The nurse reads the encounter; the reading is recorded.
	expect(t, c.nurse.do("GET", encPath, nil), 200)
	if views := c.a.count(`SELECT count(*) FROM core_auditlog WHERE action = 'view' AND model_name = 'core_encounter' AND object_id = $1`, idOf(e)); views != 1 {
		t.Errorf("encounter views audited: %d", views)
	}
}

// TestClinicalBadInput: every refusal is a problem and changes nothing.
func TestClinicalBadInput(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	count := func() (n int) {
		if err := c.a.db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM core_encounter) + (SELECT count(*) FROM core_vitals) + (SELECT count(*) FROM core_prescription)`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := count()
	bad := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"notes missing", map[string]any{"appointment_id": c.visit["id"]}, 422, "notes"},
		{"notes blank", map[string]any{"appointment_id": c.visit["id"], "notes": "   "}, 422, "notes"},
		{"notes too long", map[string]any{"appointment_id": c.visit["id"], "notes": strings.Repeat("x", 20001)}, 422, "notes"},
		{"diagnosis too long", map[string]any{"appointment_id": c.visit["id"], "notes": "ok", "diagnosis": strings.Repeat("d", 2001)}, 422, "diagnosis"},
		{"no appointment nor patient", map[string]any{"notes": "ok"}, 422, "appointment_id"},
		{"both", map[string]any{"notes": "ok", "appointment_id": c.visit["id"], "patient_id": c.patient["id"]}, 422, "patient_id"},
		{"unknown appointment", map[string]any{"notes": "ok", "appointment_id": 999999}, 422, "appointment_id"},
		{"unknown patient", map[string]any{"notes": "ok", "patient_id": 999999}, 422, "patient_id"},
		{"notes wrong type", map[string]any{"notes": 42, "patient_id": c.patient["id"]}, 422, "notes"},
		{"malformed", `{"notes": `, 400, ""},
	}
	for _, b := range bad {
		w := c.doc.do("POST", "/api/v1/encounters", b.body)
		if w.Code != b.status {
			t.Errorf("%s: %d, want %d: %s", b.name, w.Code, b.status, w.Body)
			continue
		}
		if b.field != "" && !strings.Contains(w.Body.String(), `"field":"`+b.field+`"`) {
			t.Errorf("%s: no error on %s: %s", b.name, b.field, w.Body)
		}
	}
	// Without the CSRF token; as a nurse; as a receptionist.
	good := map[string]any{"patient_id": c.patient["id"], "notes": "ok"}
	expect(t, c.doc.do("POST", "/api/v1/encounters", good, CSRFHeader, ""), 403)
	expect(t, c.nurse.do("POST", "/api/v1/encounters", good), 403)
	expect(t, c.desk.do("POST", "/api/v1/encounters", good), 403)
	if n := count(); n != before {
		t.Fatalf("refused requests wrote %d rows", n-before)
	}

	enc := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)), nil), 200)
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(enc))
	before = count()
	vbad := []struct {
		name   string
		body   map[string]any
		fields []string
	}{
		{"systolic too high", vitals(map[string]any{"systolic_bp": 301}), []string{"systolic_bp"}},
		{"diastolic above systolic", vitals(map[string]any{"systolic_bp": 100, "diastolic_bp": 120}), []string{"diastolic_bp"}},
		{"heart rate", vitals(map[string]any{"heart_rate": 10}), []string{"heart_rate"}},
		{"temperature", vitals(map[string]any{"temperature": 46}), []string{"temperature"}},
		{"spo2", vitals(map[string]any{"oxygen_saturation": 101}), []string{"oxygen_saturation"}},
		{"weight", vitals(map[string]any{"weight": 0.1}), []string{"weight"}},
		{"height", vitals(map[string]any{"height": 300}), []string{"height"}},
		{"every missing", map[string]any{}, []string{"systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate", "temperature", "oxygen_saturation"}},
	}
	for _, b := range vbad {
		m := expect(t, c.nurse.do("POST", encPath+"/vitals", b.body), 422)
		expectFieldErrors(t, b.name, m, b.fields...)
	}
	expect(t, c.nurse.do("POST", encPath+"/vitals", `{"systolic_bp": "high"}`), 422)
	expect(t, c.nurse.do("POST", "/api/v1/encounters/999999/vitals", vitals(nil)), 404)
	expect(t, c.desk.do("POST", encPath+"/vitals", vitals(nil)), 403)

	pbad := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"no medication", map[string]any{"dosage": "1", "frequency": "od", "quantity": 1}, "medication_name"},
		{"no dosage", map[string]any{"medication_name": "X", "frequency": "od", "quantity": 1}, "dosage"},
		{"no quantity", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od"}, "quantity"},
		{"zero quantity", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od", "quantity": 0}, "quantity"},
		{"negative quantity", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od", "quantity": -3}, "quantity"},
		{"fractional quantity", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od", "quantity": 1.5}, "quantity"},
		{"unknown medication", map[string]any{"medication_id": 999999, "dosage": "1", "frequency": "od", "quantity": 1}, "medication_id"},
		{"huge name", map[string]any{"medication_name": strings.Repeat("m", 256), "dosage": "1", "frequency": "od", "quantity": 1}, "medication_name"},
	}
	for _, b := range pbad {
		w := c.doc.do("POST", encPath+"/prescriptions", b.body)
		if w.Code != 422 || !strings.Contains(w.Body.String(), `"field":"`+b.field+`"`) {
			t.Errorf("%s: %d %s", b.name, w.Code, w.Body)
		}
	}
	expect(t, c.doc.do("POST", "/api/v1/encounters/999999/prescriptions", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od", "quantity": 1}), 404)
	expect(t, c.nurse.do("POST", encPath+"/prescriptions", map[string]any{"medication_name": "X", "dosage": "1", "frequency": "od", "quantity": 1}), 403)
	if n := count(); n != before {
		t.Fatalf("refused vitals and prescriptions wrote %d rows", n-before)
	}

	// Closing without notes; closing someone else's.
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": enc["version"]}), 422)
	// Another checked-in visit closed: its addendum works; an open one refuses addenda.
	expect(t, c.doc.do("POST", encPath+"/addenda", map[string]any{"text": "too early"}), 409)
	expect(t, c.doc.do("GET", "/api/v1/encounters", nil), 422)
	expect(t, c.doc.do("GET", "/api/v1/encounters?patient_id=1&status=draft", nil), 422)
	expect(t, c.doc.do("GET", "/api/v1/encounters?patient_id=1&cursor=zzz", nil), 422)
	expect(t, c.doc.do("GET", "/api/v1/encounters/999999", nil), 404)
	expect(t, c.doc.do("GET", "/api/v1/encounters/abc", nil), 404)

	// A scheduled (not checked-in) appointment cannot be started.
	date, tm := futureSlot(2, "10:00")
	later := expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "date": date, "time": tm}), 201)
	if problemType(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(later)), nil)) != "not-checked-in" {
		t.Error("a scheduled appointment's encounter was opened")
	}
}

// TestAllergyWarning: a patient allergic to penicillin prescribed a medication of the
// penicillin category gets the warning; confirming without a reason is refused; with a
// reason the prescription is made and keeps both.
func TestAllergyWarning(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "Penicillin (rash)")
	medID := queryValue[int64](c.a, `WITH cat AS (INSERT INTO core_medicationcategory (name) VALUES ('Penicillins') RETURNING id)
		INSERT INTO core_medicationitem (name, category_id, strength, form, unit_price) SELECT 'Amoxicillin', id, '500 mg', 'capsule', '12.50' FROM cat RETURNING id`)
	e := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"appointment_id": c.visit["id"], "notes": "Sore throat"}), 201)
	path := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	rx := map[string]any{"medication_id": medID, "dosage": "500 mg", "frequency": "three times a day", "duration": "5 days", "quantity": 15}

	w := c.doc.do("POST", path, rx)
	if problemType(t, w) != "allergy-warning" || w.Code != 409 {
		t.Fatalf("no allergy warning: %d %s", w.Code, w.Body)
	}
	details := expect(t, w, 409)["details"].(map[string]any)["warnings"].([]any)
	if len(details) != 1 || !strings.Contains(details[0].(string), "Penicillins") {
		t.Errorf("warnings: %v", details)
	}
	rx["confirm_allergy"] = true
	m := expect(t, c.doc.do("POST", path, rx), 422)
	if !strings.Contains(fmt.Sprint(m["errors"]), "allergy_override_reason") {
		t.Errorf("confirmation without a reason: %v", m)
	}
	rx["allergy_override_reason"] = "   "
	expect(t, c.doc.do("POST", path, rx), 422)
	if n := c.a.count(`SELECT count(*) FROM core_prescription`); n != 0 {
		t.Fatalf("refused prescriptions were saved: %d", n)
	}
	rx["allergy_override_reason"] = "Tolerated amoxicillin in 2024; rash was to cloxacillin"
	p := expect(t, c.doc.do("POST", path, rx), 201)
	if p["medication_name"] != "Amoxicillin" || p["is_free_text"] != false || len(p["warnings"].([]any)) != 1 ||
		p["allergy_override_reason"] != rx["allergy_override_reason"] {
		t.Errorf("prescription despite allergy: %v", p)
	}
	// Free text naming the catalog's medication is linked to it (and warned the same way).
	w = c.doc.do("POST", path, map[string]any{"medication_name": "amoxicillin", "dosage": "250 mg", "frequency": "bd", "quantity": 10})
	if problemType(t, w) != "allergy-warning" {
		t.Errorf("typed catalog name: %d %s", w.Code, w.Body)
	}
	// A medication unrelated to the allergy: no warning.
	expect(t, c.doc.do("POST", path, map[string]any{"medication_name": "Paracetamol", "dosage": "1 g", "frequency": "tds", "quantity": 12}), 201)

	// The printable prescription: a PDF for the pharmacist too, none for the receptionist.
	pdfPath := fmt.Sprintf("/api/v1/encounters/%d/prescription.pdf", idOf(e))
	pdf := c.pha.do("GET", pdfPath, nil)
	if pdf.Code != 200 || pdf.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body.String(), "%PDF-") {
		t.Fatalf("prescription pdf: %d %s %.20q", pdf.Code, pdf.Header().Get("Content-Type"), pdf.Body.String())
	}
	expect(t, c.desk.do("GET", pdfPath, nil), 403)
	expect(t, c.pha.do("GET", "/api/v1/encounters/999999/prescription.pdf", nil), 404)
}

// TestWalkInEncounterAndVitalsUnits: a doctor's walk-in encounter; the clinic types °F and lb,
// vitals are stored in °C and kg.
func TestWalkInEncounterAndVitalsUnits(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	c.a.exec(`INSERT INTO core_setting (key, value) VALUES ('temperature_unit', '"F"'), ('weight_unit', '"lb"')`)
	e := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": c.patient["id"], "notes": "Walk-in: cut finger"}), 201)
	if e["appointment_id"] != nil || e["status"] != "open" {
		t.Fatalf("walk-in encounter: %v", e)
	}
	v := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(e)),
		vitals(map[string]any{"temperature": 98.6, "weight": 143.3, "height": 170})), 201)
	if v["temperature"] != 37.0 || v["weight"] != 65.0 {
		t.Errorf("stored %v °C, %v kg; want 37 and 65", v["temperature"], v["weight"])
	}
	list := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters?patient_id=%d", idOf(c.patient)), nil), 200)
	if len(list["items"].([]any)) != 1 {
		t.Errorf("list: %v", list)
	}
	units := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(e)), nil), 200)["units"].(map[string]any)
	if units["temperature"] != "F" || units["weight"] != "lb" {
		t.Errorf("units: %v", units)
	}
}

// TestClinicSettings: every user reads the settings; an administrator changes them (bad values
// refused, all at once, nothing changed; a stale version refused); a change takes effect (the
// nurse's units).
func TestClinicSettings(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	got := expect(t, c.cashier.do("GET", "/api/v1/settings", nil), 200)
	if got["temperature_unit"] != "C" || got["slot_minutes"] != float64(15) || got["billing_auto_dispense"] != true || got["pharmacy_expiry_warning_days"] != float64(90) {
		t.Fatalf("defaults: %v", got)
	}
	v := got["version"]
	expect(t, c.doc.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "temperature_unit": "F"}), 403)
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "temperature_unit": "F"}, CSRFHeader, ""), 403)
	m := expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "temperature_unit": "K", "weight_unit": "stone",
		"slot_minutes": 7, "timezone": "Mars/Olympus", "pharmacy_expiry_warning_days": 0, "clinic_name": " ", "billing_consultation_code": "a b"}), 422)
	if n := len(m["errors"].([]any)); n != 7 {
		t.Errorf("%d field errors, want 7: %v", n, m)
	}
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "slot_minutes": "15"}), 422)
	if again := expect(t, c.admin.do("GET", "/api/v1/settings", nil), 200); again["version"] != v || again["temperature_unit"] != "C" {
		t.Fatalf("a refused change changed the settings: %v", again)
	}
	after := expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "temperature_unit": "F", "weight_unit": "lb",
		"timezone": "Africa/Nairobi", "clinic_name": "Zahanati ya Amani", "billing_auto_dispense": false}), 200)
	if after["temperature_unit"] != "F" || after["clinic_name"] != "Zahanati ya Amani" || after["billing_auto_dispense"] != false || after["version"] == v {
		t.Fatalf("after the change: %v", after)
	}
	if problemType(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "slot_minutes": 30})) != "stale-version" {
		t.Error("a stale change was not refused")
	}
	// The nurse's form now speaks °F and lb.
	enc := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)), nil), 200)
	units := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(enc)), nil), 200)["units"].(map[string]any)
	if units["temperature"] != "F" || units["weight"] != "lb" {
		t.Errorf("units after the change: %v", units)
	}
}
