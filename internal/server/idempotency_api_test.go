package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/auth"
	"chelal/internal/db"
)

// TestRetriesNeverDuplicate: on every create route that takes an Idempotency-Key, twenty
// copies of one request sent at once with one key make one record and get one answer (the
// first's, replayed); a later retry gets it again, marked Idempotent-Replayed; the key on a
// different request is refused and changes nothing; the same key from another user is that
// user's own.
func TestRetriesNeverDuplicate(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	ctx := context.Background()
	a := c.a
	a.newUser("desk2", auth.RoleReceptionist)
	a.newUser("till2", auth.RoleCashier)
	drTwo := a.newUser("drtwo", auth.RoleDoctor)
	desk2, till2, doc2 := a.login("desk2", "10.0.1.1"), a.login("till2", "10.0.1.2"), a.login("drtwo", "10.0.1.3")

	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "CONSULT2",
		"category": "consultation", "price": "1500.00"}), 201)
	newPatient := func(last string) int64 {
		return idOf(expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Juma", "last_name": last,
			"date_of_birth": "1980-01-01", "gender": "male", "confirm_duplicate": true}), 201))
	}
	walkInPatient, billPatient, encPatient := newPatient("Walkin"), newPatient("Billed"), newPatient("Seen")
	bill := expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
		"items": []any{map[string]any{"service_id": idOf(svc), "quantity": 10}}}), 201)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)

	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := a.db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
		return n
	}
	tests := []struct {
		name         string
		who, other   *client // other: a second user allowed to send the same request
		path         string
		body, other2 map[string]any // other2: a different request
		records      func() int
	}{
		{"register a patient", c.desk, desk2, "/api/v1/patients",
			map[string]any{"first_name": "Baraka", "last_name": "Mwangi", "date_of_birth": "1985-01-01", "gender": "male", "confirm_duplicate": true},
			map[string]any{"first_name": "Baraka", "last_name": "Mwangi", "date_of_birth": "1985-01-02", "gender": "male", "confirm_duplicate": true},
			func() int { return count(`SELECT count(*) FROM core_patient WHERE last_name = 'Mwangi'`) }},
		{"book an appointment", c.desk, nil, "/api/v1/appointments",
			map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "date": tomorrow, "time": "10:00"},
			map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "date": tomorrow, "time": "10:15"},
			func() int { return count(`SELECT count(*) FROM core_appointment WHERE date = $1`, tomorrow) }},
		{"check a walk-in in", c.desk, desk2, "/api/v1/appointments",
			map[string]any{"patient_id": walkInPatient, "doctor_id": c.docID, "walk_in": true},
			// with another doctor: one patient is checked in once per doctor and day (0023)
			map[string]any{"patient_id": walkInPatient, "doctor_id": drTwo, "walk_in": true, "reason": "fever"},
			func() int { return count(`SELECT count(*) FROM core_appointment WHERE patient_id = $1`, walkInPatient) }},
		{"open a bill", c.cashier, till2, "/api/v1/bills",
			map[string]any{"patient_id": billPatient, "items": []any{map[string]any{"service_id": idOf(svc)}}},
			map[string]any{"patient_id": billPatient, "items": []any{map[string]any{"service_id": idOf(svc), "quantity": 2}}},
			func() int { return count(`SELECT count(*) FROM core_bill WHERE patient_id = $1`, billPatient) }},
		{"start an encounter", c.doc, doc2, "/api/v1/encounters",
			map[string]any{"patient_id": encPatient, "notes": "cough for 3 days"},
			map[string]any{"patient_id": encPatient, "notes": "cough for 4 days"},
			func() int { return count(`SELECT count(*) FROM core_encounter WHERE patient_id = $1`, encPatient) }},
		{"open a visit's encounter", c.nurse, nil, fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)),
			nil, nil,
			func() int {
				return count(`SELECT count(*) FROM core_encounter WHERE appointment_id = $1`, idOf(c.visit))
			}},
		{"take a payment", c.cashier, till2, fmt.Sprintf("/api/v1/bills/%d/payments", idOf(bill)),
			map[string]any{"amount": "100.00", "payment_method": "cash"},
			map[string]any{"amount": "100.00", "payment_method": "mobile_money"},
			func() int { return count(`SELECT count(*) FROM core_payment WHERE bill_id = $1`, idOf(bill)) }},
	}
	for i, tc := range tests {
		key := fmt.Sprintf("retry-%d-7f3c", i)
		before := tc.records()
		const n = 20
		answers := make([]*httptest.ResponseRecorder, n)
		var wg sync.WaitGroup
		for j := range n {
			wg.Go(func() { answers[j] = tc.who.do("POST", tc.path, bodyOrNil(tc.body), "Idempotency-Key", key) })
		}
		wg.Wait()
		first := answers[0]
		if first.Code/100 != 2 {
			t.Fatalf("%s: %d %s", tc.name, first.Code, first.Body)
		}
		replayed := 0
		for j, w := range answers {
			if w.Code != first.Code || w.Body.String() != first.Body.String() {
				t.Errorf("%s: answer %d is %d %s, the first %d %s", tc.name, j, w.Code, w.Body, first.Code, first.Body)
			}
			if w.Header().Get("Idempotent-Replayed") == "true" {
				replayed++
			}
		}
		if replayed != n-1 {
			t.Errorf("%s: %d answers marked replayed, want %d", tc.name, replayed, n-1)
		}
		if got := tc.records(); got != before+1 {
			t.Errorf("%s: %d records after 20 copies with one key, want %d", tc.name, got, before+1)
		}
		// A retry later: the same answer, nothing new.
		w := tc.who.do("POST", tc.path, bodyOrNil(tc.body), "Idempotency-Key", key)
		if w.Code != first.Code || w.Body.String() != first.Body.String() || w.Header().Get("Idempotent-Replayed") != "true" ||
			w.Header().Get("Content-Type") != "application/json" {
			t.Errorf("%s: retry %d %v %s", tc.name, w.Code, w.Header(), w.Body)
		}
		if tc.other2 != nil {
			// The key on another request: refused, nothing written.
			if pt := problemType(t, tc.who.do("POST", tc.path, tc.other2, "Idempotency-Key", key)); pt != "idempotency-key-reused" {
				t.Errorf("%s: key reused on another request: %q", tc.name, pt)
			}
		}
		if got := tc.records(); got != before+1 {
			t.Errorf("%s: %d records after the retries, want %d", tc.name, got, before+1)
		}
		if tc.other != nil {
			// Keys are per user: another user's request with the same key is a request of its own.
			w := tc.other.do("POST", tc.path, tc.other2, "Idempotency-Key", key)
			if w.Code/100 != 2 || w.Header().Get("Idempotent-Replayed") != "" {
				t.Errorf("%s: another user's same key: %d %s", tc.name, w.Code, w.Body)
			}
		}
	}

	// A failed request keeps nothing: its retry, corrected, runs.
	bad := map[string]any{"patient_id": c.patient["id"], "doctor_id": c.docID, "date": tomorrow, "time": "10:00"} // taken above
	expect(t, c.desk.do("POST", "/api/v1/appointments", bad, "Idempotency-Key", "taken-slot"), http.StatusConflict)
	expect(t, c.desk.do("POST", "/api/v1/appointments", bad, "Idempotency-Key", "taken-slot"), http.StatusConflict)
	bad["time"] = "11:00"
	expect(t, c.desk.do("POST", "/api/v1/appointments", bad, "Idempotency-Key", "taken-slot"), http.StatusCreated)
	// A malformed key is refused before anything runs.
	if f := fieldOf(t, expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "X"}, "Idempotency-Key", "has spaces"), 422)); f != "Idempotency-Key" {
		t.Errorf("malformed key reported on %q", f)
	}
}

// TestIdempotencyKeysExpire: a key older than IdempotencyKeyTTL is forgotten, so a request
// with it runs again.
func TestIdempotencyKeysExpire(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	body := map[string]any{"first_name": "Neema", "last_name": "Expired", "date_of_birth": "1999-09-09", "gender": "female", "confirm_duplicate": true}
	first := expect(t, c.desk.do("POST", "/api/v1/patients", body, "Idempotency-Key", "old-key"), 201)
	c.a.exec(`UPDATE core_idempotency_key SET created_at = now() - interval '25 hours'`)
	second := expect(t, c.desk.do("POST", "/api/v1/patients", body, "Idempotency-Key", "old-key"), 201)
	if first["id"] == second["id"] {
		t.Fatal("an expired key was replayed")
	}
}

// TestWalkInsAtOnceDoNotCollide: twenty walk-ins for one doctor sent at once (most in the same
// second) are twenty visits in the queue.
func TestWalkInsAtOnceDoNotCollide(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	const n = 20
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = idOf(expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Walk", "last_name": fmt.Sprintf("In%c", 'A'+i),
			"date_of_birth": "2000-01-01", "gender": "female", "confirm_duplicate": true}), 201))
	}
	codes := make([]int, n)
	bodies := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			w := c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": ids[i], "doctor_id": c.docID, "walk_in": true})
			codes[i], bodies[i] = w.Code, w.Body.String()
		})
	}
	wg.Wait()
	for i, code := range codes {
		if code != http.StatusCreated {
			t.Errorf("walk-in %d: %d %s", i, code, bodies[i])
		}
	}
	q := expect(t, c.desk.do("GET", fmt.Sprintf("/api/v1/appointments?status=checked_in&doctor_id=%d&date=%s", c.docID, time.Now().Format(time.DateOnly)), nil), 200)
	if got := len(q["items"].([]any)); got != n+1 { // and the clinic's own visit
		t.Errorf("%d checked in, want %d", got, n+1)
	}
}

// bodyOrNil passes a nil map as no body.
func bodyOrNil(m map[string]any) any {
	if m == nil {
		return nil
	}
	return m
}

// TestRetryAfterALostAnswerDoesNotRunTwice: a request commits its work, then the database
// stops before it can answer (the test's route commits through db.InTx, then answers 503
// database-unavailable as a lost COMMIT reply would). Its retry with the same key must not do
// the work a second time: it is told 409 idempotency-answer-lost, at once. A request that
// failed before committing anything still lets go of its key: its retry runs.
func TestRetryAfterALostAnswerDoesNotRunTwice(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("desk", auth.RoleReceptionist)
	a.exec(`CREATE TABLE test_work (key text)`)
	var commitFirst bool // whether the route's work commits before it fails
	deps, _ := Wire(a.db, a.auth, Deps{Log: errorLog(t)})
	a.h = newServer(deps, func(s *server) []route {
		return []route{{method: "POST", path: "/api/v1/test/lost-answer", perm: auth.PermPatientsWrite, op: "testLostAnswer", tag: "test",
			summary: "commits, then loses its answer", idempotent: true, errs: []int{503},
			handler: func(w http.ResponseWriter, r *http.Request) {
				err := s.db.InTx(r.Context(), db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, `INSERT INTO test_work VALUES ($1)`, r.Header.Get("Idempotency-Key")); err != nil {
						return err
					}
					if !commitFirst {
						return db.Unavailable(pgconn.ErrConnClosed) // failed before its commit
					}
					return nil
				})
				if err == nil {
					err = db.Unavailable(pgconn.ErrConnClosed) // committed, then the answer was lost
				}
				s.writeError(w, r, err)
			}}}
	}).handler
	desk := a.login("desk", "10.0.2.1")
	works := func(key string) int {
		return queryValue[int](a, `SELECT count(*)::int FROM test_work WHERE key = $1`, key)
	}

	// Failed before committing: nothing kept, the key let go, the retry runs (and fails again).
	expect(t, desk.do("POST", "/api/v1/test/lost-answer", map[string]any{}, "Idempotency-Key", "k-1"), 503)
	expect(t, desk.do("POST", "/api/v1/test/lost-answer", map[string]any{}, "Idempotency-Key", "k-1"), 503)
	if n := works("k-1"); n != 0 {
		t.Fatalf("a failed request kept %d rows", n)
	}

	// Committed, then the answer lost: the retry does not run the work again.
	commitFirst = true
	expect(t, desk.do("POST", "/api/v1/test/lost-answer", map[string]any{}, "Idempotency-Key", "k-2"), 503)
	start := time.Now()
	w := desk.do("POST", "/api/v1/test/lost-answer", map[string]any{}, "Idempotency-Key", "k-2")
	if w.Code != http.StatusConflict || problemType(t, w) != "idempotency-answer-lost" {
		t.Fatalf("the retry of a request whose answer was lost: %d %s", w.Code, w.Body)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the retry waited %v for a request that had ended", took)
	}
	if n := works("k-2"); n != 1 {
		t.Fatalf("the work was done %d times, want 1", n)
	}
}
