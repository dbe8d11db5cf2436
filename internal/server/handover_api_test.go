package server

import (
	"fmt"
	"net/http"
	"testing"
)

// handovers returns the hand-over notification types c has, in order.
func handovers(t *testing.T, c *client) []string {
	t.Helper()
	page := expect(t, c.do("GET", "/api/v1/notifications?limit=50", nil), http.StatusOK)
	var out []string
	items := page["items"].([]any)
	for i := len(items) - 1; i >= 0; i-- {
		n := items[i].(map[string]any)
		if typ := n["notification_type"].(string); len(typ) > 9 && typ[:9] == "handover_" {
			out = append(out, typ)
		}
	}
	return out
}

func equalStrings(a, b []string) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}

// TestHandoverNotifications follows a patient through the clinic: the doctor is told of the
// check-in and the vitals, the pharmacist of the prescriptions of the closed consultation, the
// cashier of the bill; a user who turned a kind off is not told of it; nobody else is told.
func TestHandoverNotifications(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "") // the walk-in is checked in with drwere
	if got := handovers(t, c.doc); !equalStrings(got, []string{"handover_checkin"}) {
		t.Fatalf("doctor after check-in: %v", got)
	}
	// drmosi turns check-ins off, then a patient checks in with him: he is not told.
	me := expect(t, c.doc2.do("GET", "/api/v1/auth/me", nil), http.StatusOK)["user"].(map[string]any)
	expect(t, c.doc2.do("PATCH", "/api/v1/auth/me", map[string]any{"version": me["version"],
		"preferences": map[string]any{"handover": map[string]any{"checkin": false}}}), http.StatusOK)
	p2 := expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Baraka", "last_name": "Mushi",
		"date_of_birth": "1985-01-01", "gender": "male", "confirm_duplicate": true}), http.StatusCreated)
	expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": p2["id"], "doctor_id": c.doc2.userID, "walk_in": true}), http.StatusCreated)
	if got := handovers(t, c.doc2); len(got) != 0 {
		t.Fatalf("a doctor who turned check-ins off was told: %v", got)
	}

	enc := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)), nil), http.StatusOK)
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(enc))
	expect(t, c.nurse.do("POST", encPath+"/vitals", vitals(nil)), http.StatusCreated)
	if got := handovers(t, c.doc); !equalStrings(got, []string{"handover_checkin", "handover_vitals"}) {
		t.Fatalf("doctor after vitals: %v", got)
	}
	enc = expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)), nil), http.StatusOK)
	e := expect(t, c.doc.do("PATCH", encPath, map[string]any{"notes": "Fever.", "version": enc["version"]}), http.StatusOK)
	if got := handovers(t, c.pha); len(got) != 0 {
		t.Fatalf("pharmacist before the close: %v", got)
	}
	expect(t, c.doc.do("POST", encPath+"/prescriptions", map[string]any{"medication_name": "Paracetamol 500 mg",
		"dosage": "2 tablets", "frequency": "tds", "duration": "3 days", "quantity": 18}), http.StatusCreated)
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": e["version"]}), http.StatusOK)
	if got := handovers(t, c.pha); !equalStrings(got, []string{"handover_prescriptions"}) {
		t.Fatalf("pharmacist after the close: %v", got)
	}
	// A bill opened at the desk: the cashier is told.
	svc := queryValue[int64](c.a, `INSERT INTO core_servicecatalog (name, code, price, category)
		VALUES ('Dressing', 'DRS', 2000, 'other') RETURNING id`)
	expect(t, c.desk.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
		"items": []map[string]any{{"service_id": svc, "quantity": 1}}}), http.StatusCreated)
	if got := handovers(t, c.cashier); len(got) == 0 || got[len(got)-1] != "handover_bill" {
		t.Fatalf("cashier after a bill: %v", got)
	}
	// Nobody else was told anything.
	for name, cl := range map[string]*client{"receptionist": c.desk, "nurse": c.nurse, "admin": c.admin} {
		if got := handovers(t, cl); len(got) != 0 {
			t.Errorf("%s was told: %v", name, got)
		}
	}
}
