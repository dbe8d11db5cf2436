package server

import (
	"fmt"
	"strings"
	"testing"
)

// TestGenericNameAllergyAPI: the catalog keeps a brand's generic name (created, edited,
// listed, searched); a free-text "Augmentin 625 mg" for a patient allergic to amoxicillin is
// warned through it, and so is the catalog medication itself, where the category alone
// (Antibiotics) says nothing.
func TestGenericNameAllergyAPI(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "Amoxicilline (urticaire)")
	cat := expect(t, c.pha.do("POST", "/api/v1/medication-categories", map[string]any{"name": "Antibiotics"}), 201)
	m := expect(t, c.pha.do("POST", "/api/v1/medications", map[string]any{"name": "Augmentin", "generic_name": "  Amoxicillin/clavulanate ",
		"category_id": cat["id"], "strength": "625 mg", "form": "tablet", "unit_price": "30.00"}), 201)
	if m["generic_name"] != "Amoxicillin/clavulanate" {
		t.Fatalf("created: %v", m)
	}
	expect(t, c.pha.do("POST", "/api/v1/medications", map[string]any{"name": "X", "generic_name": strings.Repeat("g", 256),
		"category_id": cat["id"], "strength": "1", "form": "tablet", "unit_price": "1.00"}), 422)
	list := expect(t, c.pha.do("GET", "/api/v1/medications?q=clavulan", nil), 200)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["name"] != "Augmentin" {
		t.Errorf("search by generic name: %v", list)
	}

	e := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"appointment_id": c.visit["id"], "notes": "Otitis"}), 201)
	path := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	for _, rx := range []map[string]any{
		{"medication_name": "Augmentin 625 mg", "dosage": "1 tab", "frequency": "bd", "quantity": 10},
		{"medication_id": m["id"], "dosage": "1 tab", "frequency": "bd", "quantity": 10},
	} {
		w := c.doc.do("POST", path, rx)
		if w.Code != 409 || problemType(t, w) != "allergy-warning" {
			t.Fatalf("%v: no allergy warning: %d %s", rx, w.Code, w.Body)
		}
		if ws := expect(t, w, 409)["details"].(map[string]any)["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "Amoxicillin/clavulanate") {
			t.Errorf("%v: warnings %v", rx, ws)
		}
	}

	// Without the generic name the same prescription is not warned: the generic name is what matched.
	m = expect(t, c.pha.do("PATCH", fmt.Sprintf("/api/v1/medications/%d", idOf(m)), map[string]any{"version": m["version"], "generic_name": ""}), 200)
	if m["generic_name"] != "" {
		t.Fatalf("generic name not removed: %v", m)
	}
	expect(t, c.doc.do("POST", path, map[string]any{"medication_name": "Augmentin 625 mg", "dosage": "1 tab", "frequency": "bd", "quantity": 10}), 201)
}

// TestCorrectAfterClose: a wrong prescription found after the encounter is closed is
// discontinued and a corrected one prescribed in one act: the corrected one joins the
// dispensing queue, the old one leaves it, an addendum records the act, all audited; the
// allergy check runs (and a refused correction changes nothing); only the encounter's doctor
// may do it, once.
func TestCorrectAfterClose(t *testing.T) {
	t.Parallel()
	c, amox, e := rxClinic(t, "Penicillin")
	path := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	wrong := idOf(expect(t, c.doc.do("POST", path, map[string]any{"medication_name": "Paracetamol 1 g", "dosage": "1 g",
		"frequency": "tds", "quantity": 12}), 201))
	enc := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(e)), nil), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/close", idOf(e)), map[string]any{"version": enc["version"]}), 200)
	// Prescribing on the closed encounter is still refused: the correction is the way.
	expect(t, c.doc.do("POST", path, map[string]any{"medication_name": "Ibuprofen 400 mg", "dosage": "400 mg", "frequency": "tds", "quantity": 12}), 409)

	correct := fmt.Sprintf("/api/v1/prescriptions/%d/correct", wrong)
	fixed := map[string]any{"reason": "Wrong medicine: meant ibuprofen", "medication_name": "Ibuprofen 400 mg", "dosage": "400 mg", "frequency": "tds", "quantity": 12}
	expect(t, c.pha.do("POST", correct, fixed), 403)                                // not a prescriber
	expect(t, c.doc2.do("POST", correct, fixed), 403)                               // not the encounter's doctor
	expect(t, c.doc.do("POST", "/api/v1/prescriptions/999999/correct", fixed), 404) // no such prescription
	noReason := map[string]any{"reason": " ", "medication_name": "Ibuprofen 400 mg", "dosage": "", "frequency": "tds", "quantity": 12}
	if fe := fmt.Sprint(expect(t, c.doc.do("POST", correct, noReason), 422)["errors"]); !strings.Contains(fe, "reason") || !strings.Contains(fe, "dosage") {
		t.Errorf("every bad field at once: %s", fe)
	}
	// The allergy check runs on the corrected prescription; refused, nothing changes.
	amoxFix := map[string]any{"reason": "Wrong medicine", "medication_id": amox, "dosage": "500 mg", "frequency": "tds", "quantity": 15}
	if w := c.doc.do("POST", correct, amoxFix); w.Code != 409 || problemType(t, w) != "allergy-warning" {
		t.Fatalf("correction without the allergy check: %d %s", w.Code, w.Body)
	}
	if q := queueIDs(t, c.pha, ""); q[wrong] == nil {
		t.Fatalf("a refused correction discontinued the prescription: %v", q)
	}

	got := expect(t, c.doc.do("POST", correct, fixed), 200)
	old, nu := got["discontinued"].(map[string]any), got["corrected"].(map[string]any)
	if old["status"] != "discontinued" || old["discontinue_reason"] != "Wrong medicine: meant ibuprofen" ||
		nu["status"] != "active" || nu["medication_name"] != "Ibuprofen 400 mg" || nu["encounter_id"].(float64) != float64(idOf(e)) {
		t.Fatalf("correction: %v", got)
	}
	q := queueIDs(t, c.pha, "")
	if q[wrong] != nil || q[idOf(nu)] == nil {
		t.Errorf("queue after the correction: %v", q)
	}
	if q := queueIDs(t, c.pha, "discontinued"); q[wrong] == nil {
		t.Errorf("the discontinued one is not in the discontinued list: %v", q)
	}
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", wrong), map[string]any{"quantity": 1}), 409)
	expect(t, c.doc.do("POST", correct, fixed), 409) // already discontinued

	after := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(e)), nil), 200)
	addenda := after["addenda"].([]any)
	if after["status"] != "closed" || after["notes"] != enc["notes"] || len(addenda) != 1 ||
		!strings.Contains(addenda[0].(map[string]any)["text"].(string), "Wrong medicine: meant ibuprofen") ||
		!strings.Contains(addenda[0].(map[string]any)["text"].(string), "Ibuprofen 400 mg") {
		t.Errorf("encounter after the correction: %v", after)
	}
	for _, a := range []struct {
		table, action string
		id            int64
	}{{"core_prescription", "update", wrong}, {"core_prescription", "create", idOf(nu)}} {
		if n := c.a.count(`SELECT count(*) FROM core_auditlog WHERE model_name = $1 AND object_id = $2 AND action = $3`, a.table, a.id, a.action); n != 1 {
			t.Errorf("%s %d %s audited %d times", a.table, a.id, a.action, n)
		}
	}
	if n := c.a.count(`SELECT count(*) FROM core_auditlog WHERE model_name = 'core_encounteraddendum' AND action = 'create'`); n != 1 {
		t.Errorf("addendum audited %d times", n)
	}
}
