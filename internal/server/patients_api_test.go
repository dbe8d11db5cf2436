package server

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"chelal/internal/auth"
)

// register registers a patient through the API and returns its JSON.
func register(t *testing.T, c *client, first, last, dob, contact string) map[string]any {
	t.Helper()
	return expect(t, c.do("POST", "/api/v1/patients", map[string]any{"first_name": first, "last_name": last,
		"date_of_birth": dob, "gender": "female", "contact_info": contact, "confirm_duplicate": true}), 201)
}

func TestPatientRegistrationAndDuplicates(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("desk", auth.RoleReceptionist, "10.0.0.1")

	p := expect(t, c.do("POST", "/api/v1/patients", map[string]any{"first_name": "  Wanjirũ ", "last_name": "Kamau",
		"date_of_birth": "1984-02-29", "gender": "Female", "contact_info": "+254 712 345 678", "known_allergies": "Penicillin"}), 201)
	mrn := p["unique_id"].(string)
	if !strings.HasPrefix(mrn, "CHL-") || len(mrn) != 12 || p["first_name"] != "Wanjirũ" || p["gender"] != "female" {
		t.Fatalf("registered: %v", p)
	}

	// A similar name with the same birth date is a likely duplicate: refused until confirmed.
	again := map[string]any{"first_name": "Wanjiru", "last_name": "Kamau", "date_of_birth": "1984-02-29", "gender": "female"}
	w := c.do("POST", "/api/v1/patients", again)
	expect(t, w, 409)
	if problemType(t, w) != "possible-duplicate" {
		t.Fatalf("type %s", problemType(t, w))
	}
	d := expect(t, c.do("GET", "/api/v1/patients/duplicates?first_name=Wanjiru&last_name=Kamau&date_of_birth=1984-02-29", nil), 200)
	if items := d["items"].([]any); len(items) != 1 || items[0].(map[string]any)["unique_id"] != mrn {
		t.Fatalf("duplicates: %v", d)
	}
	// The same phone, however typed, is a likely duplicate too.
	d = expect(t, c.do("GET", "/api/v1/patients/duplicates?last_name=Otieno&contact_info="+url.QueryEscape("0712-345-678 / +254712345678"), nil), 200)
	_ = d // a different phone string: compared as digits, not equal here
	d = expect(t, c.do("GET", "/api/v1/patients/duplicates?last_name=Otieno&contact_info="+url.QueryEscape("254 712 345 678"), nil), 200)
	if len(d["items"].([]any)) != 1 {
		t.Fatalf("same phone, other spacing: %v", d)
	}
	again["confirm_duplicate"] = true
	second := expect(t, c.do("POST", "/api/v1/patients", again), 201)
	if second["unique_id"] == mrn {
		t.Fatal("two patients share a record number")
	}

	today := time.Now().Format(time.DateOnly)
	tomorrow := time.Now().AddDate(0, 0, 1).Format(time.DateOnly)
	for name, body := range map[string]map[string]any{
		"missing everything": {},
		"future birth":       {"first_name": "A", "last_name": "B", "date_of_birth": tomorrow, "gender": "male"},
		"too old":            {"first_name": "A", "last_name": "B", "date_of_birth": "1880-01-01", "gender": "male"},
		"not a date":         {"first_name": "A", "last_name": "B", "date_of_birth": "29/02/1984", "gender": "male"},
		"long name":          {"first_name": strings.Repeat("n", 101), "last_name": "B", "date_of_birth": today, "gender": "male"},
		"huge allergies":     {"first_name": "A", "last_name": "B", "date_of_birth": today, "gender": "male", "known_allergies": strings.Repeat("x", 4001)},
		"unknown gender":     {"first_name": "A", "last_name": "B", "date_of_birth": today, "gender": "m"},
		"control chars":      {"first_name": "A\x00", "last_name": "B", "date_of_birth": today, "gender": "male"},
	} {
		w := c.do("POST", "/api/v1/patients", body)
		if w.Code != 422 {
			t.Errorf("%s: %d, want 422: %s", name, w.Code, w.Body)
		}
	}
	expect(t, c.do("POST", "/api/v1/patients", `{"first_name": 12}`), 422)
	if n := a.count(`SELECT count(*) FROM core_patient`); n != 2 {
		t.Fatalf("%d patients after refused registrations, want 2", n)
	}
	// A cashier reads but does not register.
	a.newUser("till", auth.RoleCashier)
	expect(t, a.login("till", "10.0.0.2").do("POST", "/api/v1/patients", again), 403)
}

func TestPatientSearch(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("desk", auth.RoleReceptionist, "10.0.0.1")
	target := register(t, c, "Amélie", "Nyambura", "1990-05-01", "0722 111 222")
	register(t, c, "Amos", "Njoroge", "1975-01-01", "0733 999 888")
	register(t, c, "Grace", "Achieng", "2001-09-09", "0711 000 000")
	register(t, c, "Nyambura", "Wairimu", "1960-03-03", "")
	mrn := target["unique_id"].(string)

	search := func(q string) []any {
		t.Helper()
		m := expect(t, c.do("GET", "/api/v1/patients?q="+url.QueryEscape(q), nil), 200)
		return m["items"].([]any)
	}
	for _, q := range []string{
		"Amelie Nyambura",                       // accents ignored
		"nyambura amelie",                       // reversed
		"Amelie Nyanbura",                       // a typo
		"amél",                                  // partial
		mrn,                                     // exact record number
		strings.ReplaceAll(mrn, "-", ""),        // without dashes
		mrn[4:10],                               // partial record number (digits)
		"0722111222", "0722 111 222", "111 222", // phone, any spacing
	} {
		items := search(q)
		if len(items) == 0 || items[0].(map[string]any)["unique_id"] != mrn {
			t.Errorf("search %q: first hit %v, want %s", q, first(items), mrn)
		}
	}
	// A wrong check digit is said, not silently ignored.
	wrong := mrn[:len(mrn)-1] + strconv.Itoa((int(mrn[len(mrn)-1]-'0')+1)%10)
	m := expect(t, c.do("GET", "/api/v1/patients?q="+wrong, nil), 200)
	if !strings.Contains(fmt.Sprint(m["warning"]), "check digit") {
		t.Errorf("wrong check digit: warning %v", m["warning"])
	}
	if len(search("Zzyzx Qwerty")) != 0 {
		t.Error("an unrelated query matched")
	}
	expect(t, c.do("GET", "/api/v1/patients?q=x&limit=500", nil), 422)
	expect(t, c.do("GET", "/api/v1/patients?q="+strings.Repeat("a", 101), nil), 422)
	if items := search(`%_\'; DROP TABLE core_patient; --`); len(items) != 0 {
		t.Errorf("SQL metacharacters matched: %v", items)
	}
}

func first(items []any) any {
	if len(items) == 0 {
		return nil
	}
	return items[0].(map[string]any)["unique_id"]
}

func TestPatientEditIsOptimistic(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("nurse", auth.RoleNurse, "10.0.0.1")
	p := register(t, c, "Baraka", "Mwangi", "1990-04-02", "")
	path := fmt.Sprintf("/api/v1/patients/%v", p["id"])
	v := p["version"]
	expect(t, c.do("PATCH", path, map[string]any{"known_allergies": "Sulfa drugs", "version": v}), 200)
	w := c.do("PATCH", path, map[string]any{"address": "Nakuru", "version": v})
	expect(t, w, 409)
	chart := expect(t, c.do("GET", path, nil), 200)
	if chart["known_allergies"] != "Sulfa drugs" || chart["address"] != "" {
		t.Fatalf("after a stale edit: %v", chart)
	}
	expect(t, c.do("PATCH", path, map[string]any{"date_of_birth": "2999-01-01", "version": chart["version"]}), 422)
	expect(t, c.do("PATCH", "/api/v1/patients/424242", map[string]any{"address": "x", "version": 1}), 404)
	tl := expect(t, c.do("GET", path+"/timeline", nil), 200)
	if _, ok := tl["items"].([]any); !ok {
		t.Fatalf("timeline: %v", tl)
	}
	expect(t, c.do("GET", "/api/v1/patients/424242/timeline", nil), 404)
}

// booking helpers
func futureSlot(days int, hhmm string) (string, string) {
	return time.Now().AddDate(0, 0, days).Format(time.DateOnly), hhmm
}

func TestBookingRules(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	docID := a.newUser("drkimani", auth.RoleDoctor)
	nurseID := a.newUser("nurse", auth.RoleNurse)
	c := a.signedIn("desk", auth.RoleReceptionist, "10.0.0.1")
	a.newUser("pharm", auth.RolePharmacist)
	p := register(t, c, "Halima", "Omondi", "1995-07-07", "")
	pid := int64(p["id"].(float64))
	date, tm := futureSlot(2, "09:30")

	ok := map[string]any{"patient_id": pid, "doctor_id": docID, "date": date, "time": tm, "reason": "cough"}
	appt := expect(t, c.do("POST", "/api/v1/appointments", ok), 201)
	if appt["status"] != "scheduled" || appt["doctor_name"] == "" || appt["time"] != "09:30" {
		t.Fatalf("booked: %v", appt)
	}
	w := c.do("POST", "/api/v1/appointments", ok)
	expect(t, w, 409)
	if problemType(t, w) != "slot-taken" {
		t.Fatalf("double booking type %s", problemType(t, w))
	}
	yesterday, _ := futureSlot(-1, "")
	for name, body := range map[string]map[string]any{
		"in the past":     {"patient_id": pid, "doctor_id": docID, "date": yesterday, "time": "10:00"},
		"off the slots":   {"patient_id": pid, "doctor_id": docID, "date": date, "time": "09:37"},
		"unknown doctor":  {"patient_id": pid, "doctor_id": 999999, "date": date, "time": "10:00"},
		"not a doctor":    {"patient_id": pid, "doctor_id": nurseID, "date": date, "time": "10:00"},
		"unknown patient": {"patient_id": 999999, "doctor_id": docID, "date": date, "time": "10:00"},
		"no patient":      {"doctor_id": docID, "date": date, "time": "10:00"},
		"bad time":        {"patient_id": pid, "doctor_id": docID, "date": date, "time": "25:00"},
		"long reason":     {"patient_id": pid, "doctor_id": docID, "date": date, "time": "10:00", "reason": strings.Repeat("r", 1001)},
		"walk-in w/ time": {"patient_id": pid, "doctor_id": docID, "date": date, "time": "10:00", "walk_in": true},
	} {
		if w := c.do("POST", "/api/v1/appointments", body); w.Code != 422 {
			t.Errorf("%s: %d, want 422: %s", name, w.Code, w.Body)
		}
	}
	expect(t, a.login("pharm", "10.0.0.3").do("POST", "/api/v1/appointments", ok), 403)

	// Moves: only the legal ones; cancelling needs a reason; a cancelled slot is free again.
	path := fmt.Sprintf("/api/v1/appointments/%v", appt["id"])
	v := appt["version"]
	expect(t, c.do("PATCH", path, map[string]any{"status": "completed", "version": v}), 422)
	expect(t, c.do("PATCH", path, map[string]any{"status": "in_progress", "version": v}), 422)
	expect(t, c.do("PATCH", path, map[string]any{"status": "cancelled", "version": v}), 422)
	newDate, _ := futureSlot(3, "")
	moved := expect(t, c.do("PATCH", path, map[string]any{"date": newDate, "time": "11:00", "version": v}), 200)
	expect(t, c.do("PATCH", path, map[string]any{"time": "11:15", "version": v}), 409) // stale
	cancelled := expect(t, c.do("PATCH", path, map[string]any{"status": "cancelled", "cancel_reason": "travelling", "version": moved["version"]}), 200)
	expect(t, c.do("PATCH", path, map[string]any{"status": "scheduled", "version": cancelled["version"]}), 422)
	ok["date"], ok["time"] = newDate, "11:00"
	expect(t, c.do("POST", "/api/v1/appointments", ok), 201)
	expect(t, c.do("PATCH", "/api/v1/appointments/999999", map[string]any{"status": "cancelled", "version": 1}), 404)
}

func TestQueueAndWalkIns(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	docID := a.newUser("drwere", auth.RoleDoctor)
	c := a.signedIn("desk", auth.RoleReceptionist, "10.0.0.1")
	p1 := register(t, c, "Juma", "Hassan", "1980-01-01", "")
	p2 := register(t, c, "Neema", "Mushi", "1999-01-01", "")
	date, _ := futureSlot(1, "")
	booked := expect(t, c.do("POST", "/api/v1/appointments", map[string]any{"patient_id": p1["id"], "doctor_id": docID, "date": date, "time": "08:00"}), 201)
	walkIn := expect(t, c.do("POST", "/api/v1/appointments", map[string]any{"patient_id": p2["id"], "doctor_id": docID, "walk_in": true}), 201)
	if walkIn["status"] != "checked_in" || walkIn["checked_in_at"] == nil {
		t.Fatalf("walk-in: %v", walkIn)
	}
	today := walkIn["date"].(string) // the clinic's today, read once: a second clock reading may be past midnight
	q := expect(t, c.do("GET", "/api/v1/appointments?date="+today+"&status=checked_in", nil), 200)["items"].([]any)
	if len(q) != 1 || q[0].(map[string]any)["patient_id"] != p2["id"] {
		t.Fatalf("queue: %v", q)
	}
	// Tomorrow's booking checked in today is not in today's queue; its own day's queue has it.
	expect(t, c.do("PATCH", fmt.Sprintf("/api/v1/appointments/%v", booked["id"]), map[string]any{"status": "checked_in", "version": booked["version"]}), 200)
	week := expect(t, c.do("GET", fmt.Sprintf("/api/v1/appointments?from=%s&to=%s&doctor_id=%d", today, date, docID), nil), 200)["items"].([]any)
	if len(week) != 2 {
		t.Fatalf("week view: %v", week)
	}
	for _, bad := range []string{"", "?date=today", "?from=" + today, "?date=" + today + "&status=lost", "?from=2026-01-01&to=2026-12-31", "?date=" + today + "&doctor_id=x"} {
		expect(t, c.do("GET", "/api/v1/appointments"+bad, nil), 422)
	}
	docs := expect(t, c.do("GET", "/api/v1/doctors", nil), 200)["items"].([]any)
	if len(docs) != 1 || int64(docs[0].(map[string]any)["id"].(float64)) != docID {
		t.Fatalf("doctors: %v", docs)
	}
}

// TestOneSlotOneBooking: 20 desks book the same doctor and slot at once; the database lets
// exactly one through.
func TestOneSlotOneBooking(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	docID := a.newUser("drsingle", auth.RoleDoctor)
	c := a.signedIn("desk", auth.RoleReceptionist, "10.0.0.1")
	var pids []any
	for i := 0; i < 20; i++ {
		p := register(t, c, "Patient", fmt.Sprintf("Number%d", i), "1990-01-01", "")
		pids = append(pids, p["id"])
	}
	date, tm := futureSlot(5, "14:00")
	codes := make([]int, 20)
	var wg sync.WaitGroup
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.do("POST", "/api/v1/appointments", map[string]any{"patient_id": pids[i], "doctor_id": docID, "date": date, "time": tm}).Code
		}()
	}
	wg.Wait()
	created, conflicts := 0, 0
	for _, code := range codes {
		switch code {
		case 201:
			created++
		case 409:
			conflicts++
		}
	}
	if created != 1 || conflicts != 19 {
		t.Fatalf("20 simultaneous bookings: %d created, %d conflicts (%v); want 1 and 19", created, conflicts, codes)
	}
}
