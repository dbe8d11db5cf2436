package telemed

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// fixture books an appointment (a patient with a doctor) and returns the service and its id.
func fixture(t *testing.T) (*Service, *db.DB, int64) {
	t.Helper()
	d := dbtest.New(t)
	doctor := dbtest.User(t, d, "doctor", "dr.tele", "Asha", "Were")
	patient := dbtest.Patient(t, d, "P-T001", "Juma", "Ali", "1980-01-01", "male")
	appt := dbtest.ID(t, d, `INSERT INTO core_appointment (patient_id, doctor_id, date, time) VALUES ($1, $2, '2031-06-02', '10:00') RETURNING id`, patient, doctor)
	return NewService(d), d, appt
}

func TestSessionStateMachine(t *testing.T) {
	t.Parallel()
	cases := []struct {
		from, to string
		ok       bool
	}{
		{StatusScheduled, StatusActive, true}, {StatusScheduled, StatusCancelled, true},
		{StatusActive, StatusEnded, true}, {StatusScheduled, StatusEnded, false},
		{StatusActive, StatusCancelled, false}, {StatusEnded, StatusActive, false},
		{StatusCancelled, StatusActive, false}, {StatusEnded, StatusScheduled, false},
	}
	for _, c := range cases {
		if got := CanMove(c.from, c.to); got != c.ok {
			t.Errorf("CanMove(%s, %s) = %v, want %v", c.from, c.to, got, c.ok)
		}
	}

	ctx := context.Background()
	s, d, appt := fixture(t)
	sess, err := s.Create(ctx, db.Actor{}, appt)
	if err != nil || sess.Status != StatusScheduled || sess.RoomID == "" || sess.StartedAt != nil {
		t.Fatalf("create: %+v %v", sess, err)
	}
	if _, err := s.Create(ctx, db.Actor{}, appt); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("a second session for one appointment: %v, want conflict", err)
	}
	if _, err := s.End(ctx, db.Actor{}, sess.ID); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("ending a call nobody joined: %v, want conflict", err)
	}
	// The first join starts the call; a second join is recorded beside it.
	sess, err = s.Joined(ctx, db.Actor{}, sess.ID, VideoParticipant{Kind: "staff", UserID: 1, Name: "Asha Were", Role: "doctor"})
	if err != nil || sess.Status != StatusActive || sess.StartedAt == nil {
		t.Fatalf("first join: %+v %v", sess, err)
	}
	sess, err = s.Joined(ctx, db.Actor{}, sess.ID, VideoParticipant{Kind: "patient", LinkID: 7, Name: "Juma Ali"})
	if err != nil || len(sess.Participants) != 2 || sess.Participants[1].Kind != "patient" {
		t.Fatalf("second join: %+v %v", sess, err)
	}
	if _, err := s.Cancel(ctx, db.Actor{}, sess.ID); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("cancelling an active call: %v, want conflict", err)
	}
	sess, err = s.End(ctx, db.Actor{}, sess.ID)
	if err != nil || sess.Status != StatusEnded || sess.EndedAt == nil || sess.EndedAt.Before(*sess.StartedAt) {
		t.Fatalf("end: %+v %v", sess, err)
	}
	if _, err := s.Joined(ctx, db.Actor{}, sess.ID, VideoParticipant{Kind: "staff", UserID: 1}); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("joining an ended call: %v, want conflict", err)
	}
	// Every change is in the audit log: created, started, joined twice, ended.
	var n int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_telemedicinesession' AND object_id = $1`, sess.ID).Scan(&n); err != nil || n < 4 {
		t.Fatalf("audit rows of the session: %d %v, want at least 4", n, err)
	}
	// Cancelling the appointment cancels a scheduled session.
	appt2 := dbtest.ID(t, d, `INSERT INTO core_appointment (patient_id, doctor_id, date, time)
		SELECT patient_id, doctor_id, date, '11:00' FROM core_appointment WHERE id = $1 RETURNING id`, appt)
	s2, err := s.Create(ctx, db.Actor{}, appt2)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error { return CancelForAppointment(ctx, tx, appt2) }); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, s2.ID); got.Status != StatusCancelled {
		t.Fatalf("session of a cancelled appointment: %s", got.Status)
	}
}

// A link is for its session only, once, until it expires or is revoked.
func TestPatientLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, d, appt := fixture(t)
	sess, err := s.Create(ctx, db.Actor{}, appt)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	s.now = func() time.Time { return now }
	link, err := s.CreateLink(ctx, db.Actor{}, sess.ID, PatientLinkParams{ValidMinutes: 30})
	if err != nil || len(link.Code) != CodeLength {
		t.Fatalf("create link: %+v %v", link, err)
	}
	if list, _ := s.Links(ctx, sess.ID); len(list.Items) != 1 || list.Items[0].Code != "" {
		t.Fatalf("links list: %+v (the code is never listed)", list)
	}
	var stored int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_telemedicinelink' AND changes::text LIKE '%' || $1 || '%'`, link.Code).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the code in the audit log: %d %v", stored, err)
	}
	if _, err := s.Redeem(ctx, VideoJoinParams{Code: "WRONGCODE234"}); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("a wrong code: %v", err)
	}
	// Typed with spaces, dashes and in lower case, it is the same code.
	typed := link.Code[:4] + "-" + link.Code[4:8] + " " + link.Code[8:]
	pass, err := s.Redeem(ctx, VideoJoinParams{Code: " " + string(toLower(typed))})
	if err != nil || pass.SessionID != sess.ID || pass.Token == "" {
		t.Fatalf("redeem: %+v %v", pass, err)
	}
	if _, err := s.Redeem(ctx, VideoJoinParams{Code: link.Code}); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("a used code again: %v, want 401 (one-time)", err)
	}
	g, err := s.OpenGuest(ctx, pass.Token)
	if err != nil || g.SessionID != sess.ID || g.LinkID != link.ID {
		t.Fatalf("open guest: %+v %v", g, err)
	}
	// Expiry: half an hour later the guest token no longer opens the call.
	s.now = func() time.Time { return now.Add(31 * time.Minute) }
	if _, err := s.OpenGuest(ctx, pass.Token); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("an expired link: %v", err)
	}
	s.now = func() time.Time { return now }
	// An unused link past its time cannot be redeemed either.
	late, err := s.CreateLink(ctx, db.Actor{}, sess.ID, PatientLinkParams{ValidMinutes: 5})
	if err != nil {
		t.Fatal(err)
	}
	s.now = func() time.Time { return now.Add(6 * time.Minute) }
	if _, err := s.Redeem(ctx, VideoJoinParams{Code: late.Code}); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("redeeming an expired link: %v", err)
	}
	s.now = func() time.Time { return now }
	// Revocation: at once, and the patient in the call is put out.
	p, _, err := s.Hub.Join(sess.ID, Who{LinkID: link.ID}, PeerInfo{Role: "patient"})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeLink(ctx, db.Actor{}, link.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.OpenGuest(ctx, pass.Token); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("a revoked link: %v", err)
	}
	select {
	case <-p.Done:
	case <-time.After(time.Second):
		t.Fatal("the revoked link's patient is still in the call")
	}
	// A session that is over takes no link, and its links stop working.
	fresh, err := s.CreateLink(ctx, db.Actor{}, sess.ID, PatientLinkParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Cancel(ctx, db.Actor{}, sess.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Redeem(ctx, VideoJoinParams{Code: fresh.Code}); !errors.Is(err, apperr.ErrUnauthorized) {
		t.Fatalf("the link of a cancelled session: %v", err)
	}
	if _, err := s.CreateLink(ctx, db.Actor{}, sess.ID, PatientLinkParams{}); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("a link for a cancelled session: %v", err)
	}
}

func toLower(s string) []rune {
	out := []rune(s)
	for i, r := range out {
		if r >= 'A' && r <= 'Z' {
			out[i] = r + 32
		}
	}
	return out
}

// Only a call's peers receive its messages; a peer can send only as itself; a third is refused.
func TestHubAuthorisation(t *testing.T) {
	t.Parallel()
	h := NewHub()
	doc, _, err := h.Join(1, Who{UserID: 10}, PeerInfo{Name: "doctor", Staff: true})
	if err != nil {
		t.Fatal(err)
	}
	nurse, others, err := h.Join(1, Who{UserID: 11}, PeerInfo{Name: "nurse", Staff: true})
	if err != nil || len(others) != 1 || others[0].ID != doc.ID {
		t.Fatalf("second join: %v %v", others, err)
	}
	if e := <-doc.C; e.Type != "peer-joined" || e.Peer.ID != nurse.ID {
		t.Fatalf("doctor told: %+v", e)
	}
	other, _, err := h.Join(2, Who{UserID: 12}, PeerInfo{Name: "another call"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := h.Join(1, Who{UserID: 12}, PeerInfo{Name: "third"}); !errors.Is(err, apperr.ErrConflict) {
		t.Fatalf("a third person: %v, want conflict", err)
	}
	offer := json.RawMessage(`{"sdp":"v=0"}`)
	if err := h.Signal(1, Who{UserID: 11}, nurse.ID, doc.ID, "offer", offer); err != nil {
		t.Fatal(err)
	}
	if e := <-doc.C; e.Type != "signal" || e.From != nurse.ID || e.Kind != "offer" || string(e.Data) != string(offer) {
		t.Fatalf("doctor received %+v", e)
	}
	refused := []struct {
		name     string
		session  int64
		who      Who
		from, to string
	}{
		{"another user sending as the nurse", 1, Who{UserID: 12}, nurse.ID, doc.ID},
		{"a patient link sending as the nurse", 1, Who{LinkID: 11}, nurse.ID, doc.ID},
		{"from the other call to this one", 2, Who{UserID: 12}, other.ID, doc.ID},
		{"into the other call", 1, Who{UserID: 11}, nurse.ID, other.ID},
		{"the wrong session", 2, Who{UserID: 11}, nurse.ID, doc.ID},
		{"to oneself", 1, Who{UserID: 11}, nurse.ID, nurse.ID},
	}
	for _, r := range refused {
		if err := h.Signal(r.session, r.who, r.from, r.to, "candidate", nil); !errors.Is(err, apperr.ErrForbidden) {
			t.Errorf("%s: %v, want forbidden", r.name, err)
		}
	}
	for _, p := range []*Peer{doc, nurse, other} {
		select {
		case e := <-p.C:
			t.Errorf("%s received %+v after the refused messages", p.Name, e)
		default:
		}
	}
	h.Leave(nurse)
	if e := <-doc.C; e.Type != "peer-left" || e.From != nurse.ID {
		t.Fatalf("doctor told of the leave: %+v", e)
	}
	h.Close(1)
	if e := <-doc.C; e.Type != "ended" {
		t.Fatalf("doctor told of the end: %+v", e)
	}
	<-doc.Done
	if h.Peers(1) != 0 || h.Peers(2) != 1 {
		t.Fatalf("peers after the end: %d, %d", h.Peers(1), h.Peers(2))
	}
}
