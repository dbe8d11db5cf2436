package server

import (
	"fmt"
	"testing"
)

// TestConsultationAndDispenseAreBilled: closing an encounter puts the consultation fee on the
// patient's open bill, dispensing adds the medication (quantity x unit price), each once; the
// clinic's settings switch either off.
func TestConsultationAndDispenseAreBilled(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "CONSULT", "category": "consultation", "price": "500.00"}), 201)
	cat := expect(t, c.pha.do("POST", "/api/v1/medication-categories", map[string]any{"name": "Antimalarials"}), 201)
	med := expect(t, c.pha.do("POST", "/api/v1/medications", map[string]any{"name": "Coartem", "category_id": cat["id"],
		"strength": "20/120 mg", "form": "tablet", "unit_price": "12.50"}), 201)
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/medications/%d/batches", idOf(med)), map[string]any{"batch_number": "LOT-1",
		"expiry_date": inDays(400), "quantity": 100, "unit_cost": "8.00"}), 201)

	e := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"appointment_id": c.visit["id"], "notes": "Fever; RDT positive.", "diagnosis": "Malaria"}), 201)
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(e))
	rx := expect(t, c.doc.do("POST", encPath+"/prescriptions", map[string]any{"medication_id": idOf(med), "dosage": "4 tablets",
		"frequency": "twice a day", "duration": "3 days", "quantity": 24}), 201)
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": e["version"]}), 200)
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": e["version"]}), 409) // a retried close bills nothing more

	dispense := fmt.Sprintf("/api/v1/prescriptions/%d/dispense", idOf(rx))
	expect(t, c.pha.do("POST", dispense, map[string]any{"quantity": 12}, "Idempotency-Key", "disp-1"), 201)
	expect(t, c.pha.do("POST", dispense, map[string]any{"quantity": 12}, "Idempotency-Key", "disp-1"), 201) // the retry
	expect(t, c.pha.do("POST", dispense, map[string]any{"quantity": 12}, "Idempotency-Key", "disp-2"), 201) // the rest

	bills := expect(t, c.cashier.do("GET", fmt.Sprintf("/api/v1/bills?patient_id=%d", idOf(c.patient)), nil), 200)["items"].([]any)
	if len(bills) != 1 {
		t.Fatalf("bills: %v", bills)
	}
	bill := expect(t, c.cashier.do("GET", fmt.Sprintf("/api/v1/bills/%d", idOf(bills[0].(map[string]any))), nil), 200)
	items := bill["items"].([]any)
	kinds := map[string]int{}
	for _, it := range items {
		m := it.(map[string]any)
		kinds[m["kind"].(string)]++
		if m["kind"] == "medication" && m["total_price"] != "150.00" {
			t.Errorf("medication line %v, want 12 x 12.50 = 150.00", m)
		}
	}
	if kinds["consultation"] != 1 || kinds["medication"] != 2 || bill["total_amount"] != "800.00" {
		t.Fatalf("bill after the visit: %v", bill)
	}

	// Switched off: the next dispense bills nothing.
	c.a.exec(`INSERT INTO core_setting (key, value) VALUES ('billing_auto_dispense', 'false')`)
	e2 := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": c.patient["id"], "notes": "Review"}), 201)
	rx2 := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e2)), map[string]any{"medication_id": idOf(med),
		"dosage": "4 tablets", "frequency": "bd", "quantity": 6}), 201)
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", idOf(rx2)), map[string]any{"quantity": 6}), 201)
	if lines := c.a.count(`SELECT count(*) FROM core_billitem WHERE source = 'dispense'`); lines != 2 {
		t.Errorf("dispense lines after switching off: %d, want 2", lines)
	}
}
