package server

import (
	"fmt"
	"strings"
	"testing"
)

// rxClinic is newClinic with a catalog (Amoxicillin under Penicillins, in stock) and an
// encounter of the doctor's with notes.
func rxClinic(t *testing.T, allergies string) (c *clinic, amoxicillin int64, encounter map[string]any) {
	t.Helper()
	c = newClinic(t, allergies)
	cat := expect(t, c.pha.do("POST", "/api/v1/medication-categories", map[string]any{"name": "Penicillins"}), 201)
	m := expect(t, c.pha.do("POST", "/api/v1/medications", map[string]any{"name": "Amoxicillin", "category_id": cat["id"],
		"strength": "500 mg", "form": "capsule", "unit_price": "12.50"}), 201)
	amoxicillin = idOf(m)
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/medications/%d/batches", amoxicillin), map[string]any{"batch_number": "LOT-1",
		"expiry_date": inDays(365), "quantity": 200, "unit_cost": "4.20"}), 201)
	encounter = expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"appointment_id": c.visit["id"], "notes": "Sore throat"}), 201)
	return c, amoxicillin, encounter
}

// queueIDs lists the prescription ids of the dispensing queue (one of its statuses).
func queueIDs(t *testing.T, c *client, status string) map[int64]map[string]any {
	t.Helper()
	page := expect(t, c.do("GET", "/api/v1/pharmacy/queue?status="+status, nil), 200)
	out := map[int64]map[string]any{}
	for _, it := range page["items"].([]any) {
		e := it.(map[string]any)
		out[int64(e["prescription_id"].(float64))] = e
	}
	return out
}

// TestFreeTextPrescriptionAllergy: free text naming a catalog medication of the category the
// patient is allergic to is warned like the catalog's, accents and case aside.
func TestFreeTextPrescriptionAllergy(t *testing.T) {
	t.Parallel()
	c, _, e := rxClinic(t, "Pénicilline (rash)")
	path := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	for _, text := range []string{"Amoxicillin 500 mg", "AMOXICILLINE 500mg", "amoxicillin"} {
		rx := map[string]any{"medication_name": text, "dosage": "500 mg", "frequency": "tds", "quantity": 15}
		w := c.doc.do("POST", path, rx)
		if w.Code != 409 || problemType(t, w) != "allergy-warning" {
			t.Fatalf("%q: no allergy warning: %d %s", text, w.Code, w.Body)
		}
		if ws := expect(t, w, 409)["details"].(map[string]any)["warnings"].([]any); len(ws) != 1 || !strings.Contains(ws[0].(string), "Penicillins") {
			t.Errorf("%q: warnings %v", text, ws)
		}
	}
	rx := map[string]any{"medication_name": "Amoxicillin 500 mg", "dosage": "500 mg", "frequency": "tds", "quantity": 15,
		"confirm_allergy": true, "allergy_override_reason": "Tolerated it last year"}
	p := expect(t, c.doc.do("POST", path, rx), 201)
	if p["is_free_text"] != true || len(p["warnings"].([]any)) != 1 || p["status"] != "active" {
		t.Errorf("confirmed free text: %v", p)
	}
	expect(t, c.doc.do("POST", path, map[string]any{"medication_name": "Paracetamol 1 g", "dosage": "1 g", "frequency": "tds", "quantity": 12}), 201)
}

// TestPharmacistLinksFreeText: the pharmacist links a free-text prescription to the catalog;
// the allergy check runs again (409 unless confirmed with a reason); the queue then shows the
// catalog medication and the full warning, and it is dispensed as that medication.
func TestPharmacistLinksFreeText(t *testing.T) {
	t.Parallel()
	c, amox, e := rxClinic(t, "Penicillin")
	p := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e)),
		map[string]any{"medication_name": "Amoxyl suspension", "dosage": "5 ml", "frequency": "tds", "quantity": 15}), 201)
	link := fmt.Sprintf("/api/v1/prescriptions/%d/link", idOf(p))
	// Naming the medication on the dispense would skip the allergy check: link first.
	m := expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", idOf(p)), map[string]any{"medication_id": amox, "quantity": 1}), 422)
	if !strings.Contains(fmt.Sprint(m["errors"]), "link it to the catalog medication") {
		t.Errorf("free text dispensed without a link: %v", m)
	}
	expect(t, c.doc.do("POST", link, map[string]any{"medication_id": amox}), 403)
	expect(t, c.pha.do("POST", link, map[string]any{}), 422)
	expect(t, c.pha.do("POST", link, map[string]any{"medication_id": 999999}), 422)
	expect(t, c.pha.do("POST", "/api/v1/prescriptions/999999/link", map[string]any{"medication_id": amox}), 404)
	w := c.pha.do("POST", link, map[string]any{"medication_id": amox})
	if w.Code != 409 || problemType(t, w) != "allergy-warning" {
		t.Fatalf("link without the allergy check: %d %s", w.Code, w.Body)
	}
	expect(t, c.pha.do("POST", link, map[string]any{"medication_id": amox, "confirm_allergy": true}), 422)
	if q := queueIDs(t, c.pha, ""); q[idOf(p)]["medication_id"] != nil {
		t.Fatalf("a refused link was saved: %v", q[idOf(p)])
	}
	linked := expect(t, c.pha.do("POST", link, map[string]any{"medication_id": amox, "confirm_allergy": true,
		"allergy_override_reason": "Doctor phoned: tolerated before"}), 200)
	if linked["is_free_text"] != false || linked["linked_at"] == nil || len(linked["warnings"].([]any)) != 1 ||
		linked["medication_name"] != "Amoxyl suspension" {
		t.Errorf("linked: %v", linked)
	}
	expect(t, c.pha.do("POST", link, map[string]any{"medication_id": amox}), 409) // already linked
	q := queueIDs(t, c.pha, "")[idOf(p)]
	if q["catalog_name"] != "Amoxicillin" || !strings.Contains(fmt.Sprint(q["allergy_warning"]), "Penicillins") ||
		q["allergy_override_reason"] != "Doctor phoned: tolerated before" {
		t.Errorf("queue entry: %v", q)
	}
	d := expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", idOf(p)), map[string]any{"quantity": 15}), 201)
	if d["medication_id"].(float64) != float64(amox) {
		t.Errorf("dispensed: %v", d)
	}
}

// TestDiscontinueAndReturn: a doctor discontinues a prescription with a reason, also after the
// encounter is closed (audited); the pharmacist sends one back (the doctor is notified); both
// leave the queue for their own lists and are never dispensed; a stale one too; 99 asked of 15
// is refused with the numbers, never cut to 15.
func TestDiscontinueAndReturn(t *testing.T) {
	t.Parallel()
	c, amox, e := rxClinic(t, "")
	path := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	rx := func() int64 {
		return idOf(expect(t, c.doc.do("POST", path, map[string]any{"medication_id": amox, "dosage": "500 mg", "frequency": "tds", "quantity": 15}), 201))
	}
	stopped, sentBack, stale, waiting := rx(), rx(), rx(), rx()
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", stopped), map[string]any{"quantity": 5}), 201)
	enc := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(e)), nil), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/close", idOf(e)), map[string]any{"version": enc["version"]}), 200)

	disc := fmt.Sprintf("/api/v1/prescriptions/%d/discontinue", stopped)
	expect(t, c.pha.do("POST", disc, map[string]any{"reason": "rash"}), 403)
	expect(t, c.doc.do("POST", disc, map[string]any{"reason": "  "}), 422)
	expect(t, c.doc.do("POST", disc, map[string]any{"reason": strings.Repeat("x", 1001)}), 422)
	expect(t, c.doc.do("POST", "/api/v1/prescriptions/999999/discontinue", map[string]any{"reason": "rash"}), 404)
	d := expect(t, c.doc.do("POST", disc, map[string]any{"reason": "Rash on day 2; switching to azithromycin"}), 200)
	if d["status"] != "discontinued" || d["discontinued_at"] == nil || d["discontinue_reason"] != "Rash on day 2; switching to azithromycin" {
		t.Errorf("discontinued: %v", d)
	}
	expect(t, c.doc.do("POST", disc, map[string]any{"reason": "again"}), 409)
	if audited := c.a.count(`SELECT count(*) FROM core_auditlog WHERE model_name = 'core_prescription' AND object_id = $1
		AND action = 'update' AND changes::text LIKE '%discontinue_reason%'`, stopped); audited != 1 {
		t.Errorf("discontinuing audited %d times", audited)
	}

	ret := fmt.Sprintf("/api/v1/prescriptions/%d/return-to-prescriber", sentBack)
	expect(t, c.doc.do("POST", ret, map[string]any{"reason": "x"}), 403)
	expect(t, c.pha.do("POST", ret, map[string]any{}), 422)
	r := expect(t, c.pha.do("POST", ret, map[string]any{"reason": "Dose unclear for a child"}), 200)
	if r["status"] != "returned" || r["return_reason"] != "Dose unclear for a child" {
		t.Errorf("returned: %v", r)
	}
	expect(t, c.pha.do("POST", ret, map[string]any{"reason": "again"}), 409)
	var notes []any // the sent-back prescription's (the doctor was also told of the check-in)
	for _, n := range expect(t, c.doc.do("GET", "/api/v1/notifications", nil), 200)["items"].([]any) {
		if n.(map[string]any)["notification_type"] == "prescription_returned" {
			notes = append(notes, n)
		}
	}
	if len(notes) != 1 || !strings.Contains(notes[0].(map[string]any)["message"].(string), "Dose unclear for a child") {
		t.Errorf("the doctor's notifications: %v", notes)
	}
	// A returned prescription can still be discontinued by the doctor, who prescribes anew.
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/discontinue", sentBack), map[string]any{"reason": "Replaced"}), 200)

	c.a.exec(`UPDATE core_prescription SET created_at = now() - interval '31 days' WHERE id = $1`, stale)
	for _, tc := range []struct {
		status string
		in     []int64
		out    []int64
	}{
		{"", []int64{waiting}, []int64{stopped, sentBack, stale}},
		{"discontinued", []int64{stopped, sentBack}, []int64{waiting, stale}},
		{"stale", []int64{stale}, []int64{waiting, stopped, sentBack}},
	} {
		q := queueIDs(t, c.pha, tc.status)
		for _, id := range tc.in {
			if q[id] == nil {
				t.Errorf("queue %q lacks %d: %v", tc.status, id, q)
			}
		}
		for _, id := range tc.out {
			if q[id] != nil {
				t.Errorf("queue %q holds %d", tc.status, id)
			}
		}
	}
	expect(t, c.pha.do("GET", "/api/v1/pharmacy/queue?status=forever", nil), 422)
	for id, code := range map[int64]string{stopped: "prescription-discontinued", sentBack: "prescription-discontinued", stale: "prescription-expired"} {
		w := c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", id), map[string]any{"quantity": 1})
		if w.Code != 409 || problemType(t, w) != code {
			t.Errorf("dispense %d: %d %s, want %s", id, w.Code, w.Body, code)
		}
	}

	m := expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", waiting), map[string]any{"quantity": 99}), 422)
	if !strings.Contains(fmt.Sprint(m["errors"]), "At most 15 remain to dispense on this prescription (15 prescribed, 0 dispensed).") {
		t.Errorf("99 of 15: %v", m)
	}
	if q := queueIDs(t, c.pha, "")[waiting]; q["dispensed_quantity"].(float64) != 0 {
		t.Errorf("99 of 15 dispensed something: %v", q)
	}
}
