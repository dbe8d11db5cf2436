package server

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/patients"
)

// sse is one message of an event stream.
type sse struct {
	id, event, data string
}

// stream is an open GET /api/v1/events on a real HTTP server.
type stream struct {
	t      *testing.T
	resp   *http.Response
	msgs   chan sse
	cancel context.CancelFunc
}

// openStream opens c's event stream on the server at base (lastID: the Last-Event-ID header).
func openStream(t *testing.T, base string, c *client, lastID string) *stream {
	t.Helper()
	return openSSE(t, base+"/api/v1/events", func(req *http.Request) {
		req.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
	}, true)
}

// openDisplayStream opens a waiting-room display's stream.
func openDisplayStream(t *testing.T, base, token string) *stream {
	t.Helper()
	return openSSE(t, base+"/api/v1/display/events?token="+token, func(*http.Request) {}, false)
}

// openSSE opens an event stream at url; withID: its first message carries the starting id.
func openSSE(t *testing.T, url string, prepare func(*http.Request), withID bool) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", url, nil)
	if err != nil {
		t.Fatal(err)
	}
	prepare(req)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		t.Fatalf("events: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{t: t, resp: resp, msgs: make(chan sse, 1000), cancel: cancel}
	go func() {
		defer close(s.msgs)
		sc := bufio.NewScanner(resp.Body)
		var m sse
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if m != (sse{}) {
					s.msgs <- m
				}
				m = sse{}
			case strings.HasPrefix(line, "id: "):
				m.id = line[4:]
			case strings.HasPrefix(line, "event: "):
				m.event = line[7:]
			case strings.HasPrefix(line, "data: "):
				m.data = line[6:]
			case strings.HasPrefix(line, "retry: "):
				m.event = "retry"
			}
		}
	}()
	t.Cleanup(s.close)
	// The first message is the stream's starting point.
	first := s.next(5 * time.Second)
	if first.event != "retry" || (withID && first.id == "") {
		t.Fatalf("first message: %+v, want retry (and the starting id)", first)
	}
	return s
}

func (s *stream) close() {
	s.cancel()
	s.resp.Body.Close()
}

// next returns the next message, failing the test after wait.
func (s *stream) next(wait time.Duration) sse {
	s.t.Helper()
	select {
	case m, ok := <-s.msgs:
		if !ok {
			s.t.Fatal("the stream ended")
		}
		return m
	case <-time.After(wait):
		s.t.Fatalf("no message within %v", wait)
	}
	return sse{}
}

// changes collects the events (kind/id) received within wait.
func (s *stream) changes(wait time.Duration) []map[string]any {
	var out []map[string]any
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				return out
			}
			if m.event == "" && m.data != "" {
				var ev map[string]any
				if err := json.Unmarshal([]byte(m.data), &ev); err != nil {
					s.t.Fatalf("event data %q: %v", m.data, err)
				}
				ev["_id"] = m.id
				out = append(out, ev)
			}
		case <-deadline:
			return out
		}
	}
}

// ids returns the entity ids of the events of kind received within wait, in order.
func (s *stream) ids(kind string, wait time.Duration) []int64 {
	var out []int64
	for _, ev := range s.changes(wait) {
		if ev["kind"] == kind {
			out = append(out, int64(ev["id"].(float64)))
		}
	}
	return out
}

// waitFor returns the first event of kind with entity id within wait.
func (s *stream) waitFor(kind string, id int64, wait time.Duration) (map[string]any, time.Duration) {
	s.t.Helper()
	start := time.Now()
	deadline := time.After(wait)
	for {
		select {
		case m, ok := <-s.msgs:
			if !ok {
				s.t.Fatalf("the stream ended before a %s %d event", kind, id)
			}
			var ev map[string]any
			if m.data != "" && json.Unmarshal([]byte(m.data), &ev) == nil && ev["kind"] == kind && ev["id"] == float64(id) {
				ev["_id"] = m.id
				return ev, time.Since(start)
			}
		case <-deadline:
			s.t.Fatalf("no %s %d event within %v", kind, id, wait)
		}
	}
}

// liveAPI is newAPI behind a real HTTP server (streams need a network connection).
func liveAPI(t *testing.T) (*api, string) {
	a := newAPI(t, auth.Config{})
	srv := httptest.NewServer(a.h)
	t.Cleanup(srv.Close)
	return a, srv.URL
}

// registerPatient creates a patient through c and returns its id.
func registerPatient(t *testing.T, c *client, first string) int64 {
	t.Helper()
	m := expect(t, c.do("POST", "/api/v1/patients", map[string]any{
		"first_name": first, "last_name": "Live", "date_of_birth": "1990-01-01", "gender": "female",

		"confirm_duplicate": true}), http.StatusCreated)
	return int64(m["id"].(float64))
}

func TestEventsPublishedOnlyWithTheirChange(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	ctx := context.Background()
	count := func() int {
		n := queryValue[int](a, `SELECT count(*) FROM core_event WHERE kind = 'patient'`)
		return n
	}
	// A change that fails after its rows were written: neither the rows nor their event remain.
	boom := errors.New("boom")
	err := a.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO core_patient (first_name, last_name, date_of_birth, gender, contact_info, address, unique_id)
			VALUES ('Rolled', 'Back', '1980-02-03', 'male', '+255711000111', 'Arusha', 'TMP-ROLLBACK')`); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM core_event WHERE kind = 'patient'`).Scan(&n); err != nil || n != 1 {
			t.Errorf("inside the transaction: %d events (%v), want 1", n, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx: %v", err)
	}
	if n := count(); n != 0 {
		t.Fatalf("%d patient events after a rolled-back change, want 0", n)
	}
	a.newUser("rollback-rec", "receptionist")
	id := registerPatient(t, a.login("rollback-rec", "10.0.0.2"), "Committed")
	var kind string
	var entity, version int64
	if err := a.db.Pool.QueryRow(ctx, `SELECT kind, entity_id, version FROM core_event ORDER BY id DESC LIMIT 1`).Scan(&kind, &entity, &version); err != nil {
		t.Fatal(err)
	}
	if kind != "patient" || entity != id || version != 1 {
		t.Fatalf("event %s %d v%d, want patient %d v1", kind, entity, version, id)
	}
}

// TestEventKindsPerRole opens a stream for each role, publishes a change of every kind, and
// checks who received what against DESIGN.md's role table (written here independently of
// routes.go, which the server maps each kind through).
func TestEventKindsPerRole(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	everyone := allRoles
	want := map[string][]string{
		"patient":      everyone,
		"appointment":  {"admin", "doctor", "nurse", "receptionist"},
		"encounter":    {"admin", "doctor", "nurse"},
		"diagnosis":    {"admin", "doctor", "nurse"},
		"vitals":       {"admin", "doctor", "nurse"},
		"prescription": {"admin", "doctor", "nurse", "pharmacist"},
		"dispense":     {"admin", "doctor", "pharmacist"},
		"stock":        {"admin", "doctor", "pharmacist"},
		"bill":         {"admin", "doctor", "receptionist", "cashier"},
		"service":      {"admin", "doctor", "receptionist", "cashier"},
		"settings":     everyone,
		"user":         {"admin"},
		"role":         {"admin"},
		"display":      {"admin"},
		"lab":          {"admin", "doctor", "nurse", "lab"},
		"lab_test":     {"admin", "doctor", "nurse", "lab"},
	}
	if len(want)+1 != len(eventReadOps) { // +1: notifications, checked below
		t.Fatalf("the test knows %d kinds, the server %d", len(want)+1, len(eventReadOps))
	}
	models := map[string]string{
		"patient": "core_patient", "appointment": "core_appointment", "encounter": "core_encounter",
		"diagnosis": "core_encounterdiagnosis", "vitals": "core_vitals", "prescription": "core_prescription", "dispense": "core_dispense",
		"stock": "core_medicationitem", "bill": "core_bill", "service": "core_servicecatalog",
		"settings": "core_setting", "user": "auth_user", "role": "core_role", "display": "core_displaytoken",
		"lab": "core_labresult", "lab_test": "core_labtest",
	}
	streams := map[string]*stream{}
	ids := map[string]int64{}
	for _, role := range allRoles {
		ids[role] = a.newUser("kinds-"+role, role)
		streams[role] = openStream(t, base, a.login("kinds-"+role, "10.0.0.3"), "")
	}
	// Audit rows as the triggers write them (a change of each kind), and a notification for
	// the nurse alone.
	for kind, model := range models {
		a.exec(`INSERT INTO core_auditlog (action, model_name, object_id, changes) VALUES ('update', $1, 999999, '{}')`, model)
		_ = kind
	}
	a.exec(`INSERT INTO core_notification (user_id, title, message, notification_type) VALUES ($1, 't', 'm', 'info')`, ids["nurse"])
	time.Sleep(1500 * time.Millisecond) // every event has reached every stream by then
	for _, role := range allRoles {
		got := map[string]bool{}
		for _, ev := range streams[role].changes(100 * time.Millisecond) {
			if ev["kind"] == "user" && ev["id"] == float64(ids[role]) {
				continue // one's own account (a login stamps it): every user is told
			}
			got[ev["kind"].(string)] = true
		}
		for kind, roles := range want {
			if may := slices.Contains(roles, role); got[kind] != may {
				t.Errorf("%s received %s: %v, want %v", role, kind, got[kind], may)
			}
		}
		if got["notification"] != (role == "nurse") {
			t.Errorf("%s received the nurse's notification: %v", role, got["notification"])
		}
		for kind := range got {
			if _, known := want[kind]; !known && kind != "notification" {
				t.Errorf("%s received unknown kind %s", role, kind)
			}
		}
	}
}

func TestEventsResumeAfterLastEventID(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	c := a.signedIn("resume-rec", "receptionist", "10.0.0.4")
	s := openStream(t, base, c, "")
	first := registerPatient(t, c, "Amina")
	ev, _ := s.waitFor("patient", first, 2*time.Second)
	s.close()
	// Changes while the stream is away...
	missed := []int64{registerPatient(t, c, "Baraka"), registerPatient(t, c, "Chausiku")}
	// ...arrive when it resumes after the last event it saw, and the first is not sent again.
	s2 := openStream(t, base, c, ev["_id"].(string))
	if got := s2.ids("patient", 1*time.Second); !slices.Equal(got, missed) {
		t.Fatalf("resumed stream sent patients %v, want %v", got, missed)
	}
	// A resume point beyond any id given (a browser that kept its Last-Event-ID across a restore
	// of an older backup, whose ids are lower): what it missed cannot be told, so it refetches
	// everything.
	sFuture := openStream(t, base, c, "2147483648")
	if m := sFuture.next(2 * time.Second); m.event != "reset" {
		t.Fatalf("resume after an id never given: %+v, want event reset", m)
	}
	sFuture.close()
	// A resume point older than the retention window: the stream says to refetch everything.
	a.exec(`DELETE FROM core_event`)
	s3 := openStream(t, base, c, ev["_id"].(string))
	if m := s3.next(2 * time.Second); m.event != "reset" {
		t.Fatalf("resume after pruned events: %+v, want event reset", m)
	}
}

func TestEventStreamEndsWithTheSession(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	a.newUser("end-doc", "doctor")
	adminID := a.newUser("end-admin", "admin")
	_ = adminID
	cases := []struct {
		name string
		end  func(c *client, userID int64)
	}{
		{"logout", func(c *client, _ int64) { expect(t, c.do("POST", "/api/v1/auth/logout", nil), http.StatusNoContent) }},
		{"deactivation", func(_ *client, id int64) {
			admin := a.login("end-admin", "10.0.0.6")
			u := expect(t, admin.do("GET", "/api/v1/users/"+strconv.FormatInt(id, 10), nil), http.StatusOK)
			v := int64(u["user"].(map[string]any)["version"].(float64))
			expect(t, admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(id, 10), map[string]any{"is_active": false},
				"If-Match", strconv.FormatInt(v, 10)), http.StatusOK)
		}},
		{"role change", func(_ *client, id int64) {
			admin := a.login("end-admin", "10.0.0.6")
			u := expect(t, admin.do("GET", "/api/v1/users/"+strconv.FormatInt(id, 10), nil), http.StatusOK)
			v := int64(u["user"].(map[string]any)["version"].(float64))
			expect(t, admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(id, 10), map[string]any{"role_id": a.roles["nurse"]},
				"If-Match", strconv.FormatInt(v, 10)), http.StatusOK)
		}},
	}
	for i, tc := range cases {
		name := "end-" + strconv.Itoa(i)
		id := a.newUser(name, "doctor")
		c := a.login(name, "10.0.0.5")
		s := openStream(t, base, c, "")
		start := time.Now()
		tc.end(c, id)
		for {
			m := s.next(2 * time.Second)
			if m.event == "end" {
				break
			}
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%s: the stream ended %v after the session, want at once", tc.name, took)
		}
		select {
		case _, ok := <-s.msgs:
			if ok {
				t.Errorf("%s: the stream sent more after end", tc.name)
			}
		case <-time.After(2 * time.Second):
			t.Errorf("%s: the stream stayed open after end", tc.name)
		}
	}
}

func TestEventStreamDoesNotKeepTheSessionAlive(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	c := a.signedIn("idle-nurse", "nurse", "10.0.0.7")
	a.exec(`UPDATE core_session SET last_seen_at = now() - interval '5 minutes'`)
	s := openStream(t, base, c, "")
	s.close()
	s = openStream(t, base, c, "")
	_ = s
	idle := queryValue[float64](a, `SELECT extract(epoch FROM now() - last_seen_at) FROM core_session`)
	if idle < 290 {
		t.Fatalf("the stream restarted the idle time (idle %.0f s, want about 300)", idle)
	}
}

// TestEventsAcrossInstances: a change made through instance A reaches a stream held on
// instance B (both on one database) within a second.
func TestEventsAcrossInstances(t *testing.T) {
	t.Parallel()
	a, baseA := liveAPI(t)
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	hB := New(Deps{Log: log, DB: a.db, Auth: a.auth, Patients: patients.NewService(a.db), Appointments: appointments.NewService(a.db)})
	srvB := httptest.NewServer(hB)
	t.Cleanup(srvB.Close)
	_ = baseA
	a.newUser("two-rec", "receptionist")
	a.newUser("two-doc", "doctor")
	rec := a.login("two-rec", "10.0.0.8") // its requests go to instance A (a.h)
	s := openStream(t, srvB.URL, a.login("two-doc", "10.0.0.9"), "")
	start := time.Now()
	id := registerPatient(t, rec, "Zawadi")
	_, _ = s.waitFor("patient", id, time.Second)
	t.Logf("instance A -> instance B in %v", time.Since(start))
}

// TestEventsArePruned: events older than the retention window are deleted by the instances
// (here when a stream starts), recent ones are kept for resuming streams.
func TestEventsArePruned(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	ctx := context.Background()
	a.exec(`INSERT INTO core_event (kind, entity_id, action, created_at) VALUES
		('patient', 1, 'update', now() - interval '11 minutes'), ('patient', 2, 'update', now() - interval '9 minutes')`)
	a.newUser("prune-rec", "receptionist")
	openStream(t, base, a.login("prune-rec", "10.0.0.11"), "")
	// The stream's listener or its catch-up prunes, whichever comes first: the listener's
	// delete may still be running when the stream's first frame arrives.
	var kept []int64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		rows, err := a.db.Pool.Query(ctx, `SELECT entity_id FROM core_event WHERE kind = 'patient' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		if kept, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
			t.Fatal(err)
		}
		if slices.Equal(kept, []int64{2}) || time.Now().After(deadline) {
			break
		}
	}
	if !slices.Equal(kept, []int64{2}) {
		t.Fatalf("events kept: %v, want only the recent one", kept)
	}
}

// TestEventsSurviveALostConnection: the instance's listening connection is cut (as when the
// embedded PostgreSQL restarts); it reconnects, and a change made meanwhile reaches the stream.
func TestEventsSurviveALostConnection(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	c := a.signedIn("lost-rec", "receptionist", "10.0.0.12")
	s := openStream(t, base, c, "")
	ctx := context.Background()
	var cut int
	if err := a.db.Pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'chelal-events' AND datname = current_database()`).Scan(&cut); err != nil || cut != 1 {
		t.Fatalf("cut %d listening connections (%v), want 1", cut, err)
	}
	id := registerPatient(t, c, "Imani") // made while the instance may not be listening
	s.waitFor("patient", id, 5*time.Second)
	id2 := registerPatient(t, c, "Jabari") // and after it listens again
	s.waitFor("patient", id2, 5*time.Second)
}
