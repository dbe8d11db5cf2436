package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// videoVisit books a video walk-in for Amina with drwere and returns its session id.
func videoVisit(t *testing.T, c *clinic) int64 {
	t.Helper()
	p := expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Juma", "last_name": "Ali",
		"date_of_birth": "1980-01-01", "gender": "male", "confirm_duplicate": true}), http.StatusCreated)
	appt := expect(t, c.desk.do("POST", "/api/v1/appointments", map[string]any{"patient_id": p["id"], "doctor_id": c.docID, "walk_in": true, "video": true}), http.StatusCreated)
	id, ok := appt["video_session_id"].(float64)
	if !ok {
		t.Fatalf("a video appointment without its session: %v", appt)
	}
	return int64(id)
}

// patientToken gives the patient a link for session and uses it.
func patientToken(t *testing.T, c *clinic, session int64) (token string, linkID int64) {
	t.Helper()
	link := expect(t, c.desk.do("POST", fmt.Sprintf("/api/v1/telemedicine/sessions/%d/links", session), map[string]any{}), http.StatusCreated)
	pass := expect(t, c.a.anonymous("10.2.0.1").do("POST", "/api/v1/telemedicine/join", map[string]any{"code": link["code"]}), http.StatusOK)
	return pass["token"].(string), idOf(link)
}

// TestTelemedPatientLinkReachesNothingElse: a patient's link (its code, and the guest token
// it gives) is no session: every route that is not public answers 401 or 403 with it, however
// it is sent.
func TestTelemedPatientLinkReachesNothingElse(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	session := videoVisit(t, c)
	link := expect(t, c.desk.do("POST", fmt.Sprintf("/api/v1/telemedicine/sessions/%d/links", session), map[string]any{}), http.StatusCreated)
	code := link["code"].(string)
	pass := expect(t, c.a.anonymous("10.2.0.1").do("POST", "/api/v1/telemedicine/join", map[string]any{"code": code}), http.StatusOK)
	token := pass["token"].(string)
	tried := 0
	for _, rt := range newServer(Deps{Auth: c.a.auth}, nil).table {
		if rt.perm == PermPublic {
			continue
		}
		path := strings.ReplaceAll(rt.path, "{id}", strconv.FormatInt(session, 10))
		var body any
		if rt.method != "GET" {
			body = "{}"
		}
		for _, secret := range []string{token, code} {
			ways := [][]string{
				{TelemedTokenHeader, secret}, {"Authorization", "Bearer " + secret}, {DisplayTokenHeader, secret},
				{"Cookie", SessionCookie + "=" + secret}, {CSRFHeader, secret},
			}
			for _, h := range ways {
				target := path + "?token=" + secret
				w := c.a.anonymous("10.2.0.1").do(rt.method, target, body, h...)
				tried++
				if w.Code != http.StatusUnauthorized && w.Code != http.StatusForbidden {
					t.Errorf("%s %s with the patient's link (%s): %d, want 401/403: %s", rt.method, rt.path, h[0], w.Code, w.Body)
				}
			}
		}
	}
	if tried < 100 {
		t.Fatalf("only %d requests tried", tried)
	}
	// The token is the patient's own call's only: valid, but not in the call, it sends nothing.
	w := c.a.anonymous("10.2.0.1").do("POST", "/api/v1/telemedicine/guest/signal",
		map[string]any{"peer": "x", "to": "y", "kind": "offer"}, TelemedTokenHeader, token)
	expect(t, w, http.StatusForbidden) // a valid token, but not in the call
	expect(t, c.a.anonymous("10.2.0.1").do("POST", "/api/v1/telemedicine/guest/signal",
		map[string]any{"peer": "x", "to": "y", "kind": "offer"}, TelemedTokenHeader, "nope"), http.StatusUnauthorized)
}

// TestTelemedSignalling: the doctor and the nurse join one call; the newcomer's offer reaches
// the doctor only; a receptionist may not join, a third person is refused, someone outside the
// call cannot send as its peers; the patient's link joins another call; hanging up ends it for
// both, and the session records who joined.
func TestTelemedSignalling(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	srv := httptest.NewServer(c.a.h)
	t.Cleanup(srv.Close)
	session := videoVisit(t, c)
	signalPath := fmt.Sprintf("/api/v1/telemedicine/sessions/%d/signal", session)
	join := func(cl *client) (*stream, videoWelcome) {
		t.Helper()
		s := openSSE(t, srv.URL+signalPath, func(req *http.Request) {
			req.AddCookie(&http.Cookie{Name: SessionCookie, Value: cl.cookie})
		}, false)
		m := s.next(5 * time.Second)
		var w videoWelcome
		if m.event != "welcome" || json.Unmarshal([]byte(m.data), &w) != nil {
			t.Fatalf("first event: %+v", m)
		}
		return s, w
	}
	doc, dw := join(c.doc)
	if len(dw.Peers) != 0 || dw.Session.Status != "active" {
		t.Fatalf("doctor's welcome: %+v", dw)
	}
	nurse, nw := join(c.nurse)
	if len(nw.Peers) != 1 || nw.Peers[0].ID != dw.Peer || nw.Peers[0].Role != "doctor" {
		t.Fatalf("nurse's welcome: %+v", nw)
	}
	if m := doc.next(5 * time.Second); m.event != "peer-joined" {
		t.Fatalf("doctor: %+v, want peer-joined", m)
	}
	// The receptionist may not join; another doctor finds the call full.
	expect(t, c.desk.do("GET", signalPath, nil), http.StatusForbidden)
	expect(t, c.doc2.do("GET", signalPath, nil), http.StatusConflict)
	// The nurse's offer reaches the doctor.
	offer := map[string]any{"peer": nw.Peer, "to": dw.Peer, "kind": "offer", "data": map[string]any{"type": "offer", "sdp": "v=0"}}
	expect(t, c.nurse.do("POST", signalPath, offer), http.StatusNoContent)
	if m := doc.next(5 * time.Second); m.event != "signal" || !strings.Contains(m.data, `"sdp":"v=0"`) || !strings.Contains(m.data, nw.Peer) {
		t.Fatalf("doctor: %+v, want the nurse's offer", m)
	}
	// Someone outside the call cannot send as the nurse, nor reach the doctor.
	expect(t, c.doc2.do("POST", signalPath, offer), http.StatusForbidden)
	expect(t, c.admin.do("POST", signalPath, offer), http.StatusForbidden)
	// The patient's link: another session's call is full for them too, and their own is theirs.
	token, _ := patientToken(t, c, session)
	expect(t, c.a.anonymous("10.2.0.1").do("GET", "/api/v1/telemedicine/guest/signal", nil, TelemedTokenHeader, token), http.StatusConflict)
	// Nothing leaked to the other side: the nurse received nothing but the doctor's presence.
	select {
	case m := <-nurse.msgs:
		t.Fatalf("nurse received %+v", m)
	case <-time.After(200 * time.Millisecond):
	}
	// Hang up: both are told, the session is over.
	ended := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/telemedicine/sessions/%d/end", session), nil), http.StatusOK)
	for _, s := range []*stream{doc, nurse} {
		if m := s.next(5 * time.Second); m.event != "ended" {
			t.Fatalf("after hang-up: %+v, want ended", m)
		}
	}
	parts := ended["participants"].([]any)
	if ended["status"] != "ended" || ended["ended_at"] == nil || len(parts) != 2 ||
		parts[0].(map[string]any)["role"] != "doctor" || parts[1].(map[string]any)["role"] != "nurse" {
		t.Fatalf("session after hang-up: %v", ended)
	}
	expect(t, c.doc.do("GET", signalPath, nil), http.StatusConflict)
}
