package server

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWaitingRoomDisplay: an administrator creates a display; with its token (no login) it
// shows the day's tickets in arrival order; a doctor calls one to a room and the display's
// stream says so at once; names show as first name and initial when chosen; revoking the
// display ends its board and its stream.
func TestWaitingRoomDisplay(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "") // Amina Otieno checked in with drwere: ticket 1
	srv := httptest.NewServer(c.a.h)
	t.Cleanup(srv.Close)
	base := srv.URL
	p2 := expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Baraka", "last_name": "Mushi",
		"date_of_birth": "1985-01-01", "gender": "male", "confirm_duplicate": true}), http.StatusCreated)
	second := expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": p2["id"], "doctor_id": c.docID, "walk_in": true}), http.StatusCreated)

	// The ticket printed at check-in carries the day's number.
	w := c.desk.do("GET", fmt.Sprintf("/api/v1/appointments/%d/ticket.pdf", idOf(second)), nil)
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF") {
		t.Fatalf("ticket: %d %s", w.Code, w.Header().Get("Content-Type"))
	}
	if d, cc := w.Header().Get("Content-Disposition"), w.Header().Get("Cache-Control"); !strings.HasPrefix(d, `inline; filename="ticket-`) || cc != "private, no-store" {
		t.Errorf("ticket: Content-Disposition %q, Cache-Control %q", d, cc)
	}
	var tickets []int
	rows, err := c.a.db.Pool.Query(context.Background(), `SELECT ticket_number FROM core_appointment ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var n int
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tickets = append(tickets, n)
	}
	if fmt.Sprint(tickets) != "[1 2]" {
		t.Fatalf("tickets %v, want [1 2] in arrival order", tickets)
	}

	tv := expect(t, c.admin.do("POST", "/api/v1/displays", map[string]any{"name": "Waiting room TV"}), http.StatusCreated)
	token := tv["token"].(string)
	if token == "" {
		t.Fatal("no token")
	}
	list := expect(t, c.admin.do("GET", "/api/v1/displays", nil), http.StatusOK)["items"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["token"] != nil {
		t.Fatalf("displays list: %v (a token must never be listed)", list)
	}
	board := func(tok string, want int) map[string]any {
		t.Helper()
		return expect(t, c.a.anonymous("10.1.0.1").do("GET", "/api/v1/display/board", nil, DisplayTokenHeader, tok), want)
	}
	board("", http.StatusUnprocessableEntity)
	board("not-a-token", http.StatusUnauthorized)
	b := board(token, http.StatusOK)
	labels := func(items any) string {
		var out []string
		for _, x := range items.([]any) {
			m := x.(map[string]any)
			out = append(out, fmt.Sprint(m["label"], "@", m["room"]))
		}
		return fmt.Sprint(out)
	}
	if got := labels(b["waiting"]); got != "[1@<nil> 2@<nil>]" || labels(b["called"]) != "[]" {
		t.Fatalf("board before a call: waiting %s, called %s", got, labels(b["called"]))
	}

	s := openDisplayStream(t, base, token)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/appointments/%d/call", idOf(second)), map[string]any{"room": "Room 2"}), http.StatusOK)
	if m := s.next(time.Second); m.event != "board" {
		t.Fatalf("display stream after a call: %+v, want event board", m)
	}
	b = board(token, http.StatusOK)
	if labels(b["called"]) != "[2@Room 2]" || labels(b["waiting"]) != "[1@<nil>]" {
		t.Fatalf("board after the call: called %s, waiting %s", labels(b["called"]), labels(b["waiting"]))
	}
	// "Call next": the first checked in and not called yet (ticket 1), to the doctor's name by
	// default; then nobody is left; another doctor has nobody waiting.
	next := expect(t, c.doc.do("POST", "/api/v1/display/call-next", map[string]any{}), http.StatusOK)
	if next["ticket"] != float64(1) || next["room"] != "Test doctor" {
		t.Fatalf("call next: %v", next)
	}
	expect(t, c.doc.do("POST", "/api/v1/display/call-next", map[string]any{}), http.StatusConflict)
	expect(t, c.doc2.do("POST", "/api/v1/display/call-next", map[string]any{}), http.StatusConflict)
	if labels(board(token, http.StatusOK)["called"]) != "[1@Test doctor 2@Room 2]" {
		t.Fatalf("board after call next: %v", board(token, http.StatusOK))
	}

	named := expect(t, c.admin.do("POST", "/api/v1/displays", map[string]any{"name": "Corridor", "show_names": true, "language": "sw"}), http.StatusCreated)
	b = board(named["token"].(string), http.StatusOK)
	if labels(b["called"]) != "[Amina O.@Test doctor Baraka M.@Room 2]" || labels(b["waiting"]) != "[]" || b["language"] != "sw" {
		t.Fatalf("named board: %v", b)
	}

	expect(t, c.admin.do("DELETE", fmt.Sprintf("/api/v1/displays/%d", idOf(tv)), nil), http.StatusNoContent)
	for {
		m := s.next(time.Second)
		if m.event == "end" {
			break
		}
	}
	board(token, http.StatusUnauthorized)
	board(named["token"].(string), http.StatusOK)
}
