package server

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// visitRow returns the appointment of id in the list at path (as user), or nil.
func visitRow(t *testing.T, who *client, path string, id int64) map[string]any {
	t.Helper()
	l := expect(t, who.do("GET", path, nil), 200)
	for _, it := range l["items"].([]any) {
		if m := it.(map[string]any); idOf(m) == id {
			return m
		}
	}
	return nil
}

// TestVisitStatesAcrossQueues: one visit goes checked in -> vitals taken -> with the doctor ->
// to the pharmacy -> to the cashier -> done, and the reception's, the nurse's and the doctor's
// lists (GET /appointments?visits=active) all say the same state, with when it began
// (waiting_since, never earlier than the state before it). A done visit leaves the active lists
// and stays in visits=all.
func TestVisitStatesAcrossQueues(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	id := idOf(c.visit)
	lists := []struct {
		name string
		who  *client
		path string
	}{
		{"reception", c.desk, "/api/v1/appointments?visits=active"},
		{"nurse", c.nurse, "/api/v1/appointments?visits=active"},
		{"doctor", c.doc, fmt.Sprintf("/api/v1/appointments?visits=active&doctor_id=%d", c.docID)},
	}
	var since time.Time
	check := func(step, want string) {
		t.Helper()
		var seen string
		for _, l := range lists {
			row := visitRow(t, l.who, l.path, id)
			if want == "done" {
				if row != nil {
					t.Fatalf("%s: the done visit is still in the %s list: %v", step, l.name, row)
				}
				row = visitRow(t, l.who, "/api/v1/appointments?visits=all", id)
			}
			if row == nil {
				t.Fatalf("%s: the visit is not in the %s list", step, l.name)
			}
			if row["visit_state"] != want {
				t.Fatalf("%s: %s list says %v, want %s", step, l.name, row["visit_state"], want)
			}
			ws, _ := row["waiting_since"].(string)
			if seen == "" {
				seen = ws
			} else if ws != seen {
				t.Fatalf("%s: %s list waiting since %s, another list %s", step, l.name, ws, seen)
			}
		}
		at, err := time.Parse(time.RFC3339Nano, seen)
		if err != nil {
			t.Fatalf("%s: waiting_since %q: %v", step, seen, err)
		}
		if at.Before(since) || time.Since(at) > time.Minute {
			t.Fatalf("%s: waiting since %s, the state before began %s", step, at, since)
		}
		since = at
	}
	check("checked in", "checked_in")
	if c.visit["visit_state"] != "checked_in" || c.visit["waiting_since"] == nil {
		t.Fatalf("the check-in answer: %v", c.visit)
	}

	enc := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", id), nil), 200)
	check("triage opened, no vitals yet", "checked_in")
	encPath := fmt.Sprintf("/api/v1/encounters/%d", idOf(enc))
	expect(t, c.nurse.do("POST", encPath+"/vitals", vitals(nil)), 201)
	check("vitals", "vitals_taken")

	e := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", id), nil), 200)
	check("doctor took the patient", "with_doctor")
	e = expect(t, c.doc.do("PATCH", encPath, map[string]any{"version": e["version"], "notes": "Fever three days."}), 200)
	rx := expect(t, c.doc.do("POST", encPath+"/prescriptions", map[string]any{"medication_name": "Paracetamol 500 mg",
		"dosage": "2 tablets", "frequency": "three times a day", "quantity": 18}), 201)
	check("prescribed, still in consultation", "with_doctor")
	expect(t, c.doc.do("POST", encPath+"/close", map[string]any{"version": e["version"]}), 200)
	check("closed with a prescription to dispense", "to_pharmacy")

	// Nothing is left to dispense once the prescription is discontinued; an open bill sends the
	// patient to the cashier.
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/discontinue", idOf(rx)), map[string]any{"reason": "Bought at home"}), 200)
	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "VISIT-C",
		"category": "consultation", "price": "800.00"}), 201)
	var bill map[string]any
	if b := expect(t, c.cashier.do("GET", fmt.Sprintf("/api/v1/bills?patient_id=%d", idOf(c.patient)), nil), 200); len(b["items"].([]any)) > 0 {
		bill = b["items"].([]any)[0].(map[string]any)
	} else {
		bill = expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
			"items": []any{map[string]any{"service_id": idOf(svc)}}}), 201)
	}
	check("a bill with a balance", "to_cashier")
	expect(t, c.cashier.do("POST", fmt.Sprintf("/api/v1/bills/%d/payments", idOf(bill)), map[string]any{"amount": bill["balance"], "payment_method": "cash"}), 201)
	check("paid", "done")

	// A scheduled appointment is no visit: no state.
	if a := c.appointment(t); a["visit_state"] != "done" {
		t.Fatalf("GET appointment: visit_state %v, want done", a["visit_state"])
	}
	expect(t, c.desk.do("GET", "/api/v1/appointments?visits=soon", nil), 422)
}

// TestDoubleCheckIn: two desks check the same patient in with the same doctor at the same
// moment: one 201, one 409 already-checked-in naming the existing visit. With another doctor,
// or once the visit is over, a new check-in is accepted.
func TestDoubleCheckIn(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	other := expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Baraka", "last_name": "Mwangi",
		"date_of_birth": "1984-02-11", "gender": "male", "confirm_duplicate": true}), 201)
	desk2 := c.a.login("desk", "10.0.0.9")
	walkIn := map[string]any{"patient_id": other["id"], "doctor_id": c.docID, "walk_in": true}
	var wg sync.WaitGroup
	answers := make([]*httptest.ResponseRecorder, 2)
	for i, who := range []*client{c.desk, desk2} {
		wg.Go(func() { answers[i] = who.do("POST", "/api/v1/appointments", walkIn) })
	}
	wg.Wait()
	if answers[0].Code == 409 {
		answers[0], answers[1] = answers[1], answers[0]
	}
	first := expect(t, answers[0], 201)
	conflict := expect(t, answers[1], 409)
	if problemType(t, answers[1]) != "already-checked-in" {
		t.Fatalf("second check-in: %s", answers[1].Body)
	}
	details, _ := conflict["details"].(map[string]any)
	if details == nil || int64(details["appointment_id"].(float64)) != idOf(first) ||
		idOf(details["appointment"].(map[string]any)) != idOf(first) {
		t.Fatalf("409 details %v, want the existing visit %v", conflict["details"], first["id"])
	}

	// The same patient with the other doctor is another visit.
	doc2 := expect(t, c.desk.do("GET", "/api/v1/doctors", nil), 200)
	var doc2ID float64
	for _, d := range doc2["items"].([]any) {
		if int64(d.(map[string]any)["id"].(float64)) != c.docID {
			doc2ID = d.(map[string]any)["id"].(float64)
		}
	}
	expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": other["id"], "doctor_id": doc2ID, "walk_in": true}), 201)

	// The first patient (checked in by newClinic) arrives again as a walk-in: refused too.
	expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "walk_in": true}), 409)

	// Once the visit is over (completed), the patient may be checked in again the same day.
	enc := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(first)), nil), 200)
	e := expect(t, c.doc.do("PATCH", fmt.Sprintf("/api/v1/encounters/%d", idOf(enc)), map[string]any{"version": enc["version"], "notes": "Seen."}), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/close", idOf(enc)), map[string]any{"version": e["version"]}), 200)
	expect(t, c.desk.do("POST", "/api/v1/appointments", walkIn), 201)
}
