// Package telemed is the video consultation: a video appointment's session (scheduled ->
// active -> ended, or cancelled; who joined and when), the one-time links that let a patient
// without an account join one session and nothing else, and the signalling hub (hub.go) that
// passes the browsers' WebRTC offers, answers and ICE candidates between the two people of a
// call. Media goes peer to peer between the browsers (or through the configured TURN server);
// nothing of it passes through or is kept by Chelal.
package telemed

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// Statuses of a session.
const (
	StatusScheduled = "scheduled"
	StatusActive    = "active"
	StatusEnded     = "ended"
	StatusCancelled = "cancelled"
)

// transitions are the legal moves of a session; ended and cancelled are final.
var transitions = map[string][]string{
	StatusScheduled: {StatusActive, StatusCancelled},
	StatusActive:    {StatusEnded},
}

// CanMove says whether a session may go from one status to another.
func CanMove(from, to string) bool { return slices.Contains(transitions[from], to) }

// VideoParticipant is one join of a call: a member of staff or the patient's link.
type VideoParticipant struct {
	Kind   string    `json:"kind" enum:"staff,patient"`
	UserID int64     `json:"user_id,omitempty"`
	LinkID int64     `json:"link_id,omitempty"`
	Name   string    `json:"name"`
	Role   string    `json:"role,omitempty"`
	At     time.Time `json:"at"`
}

// VideoSession is a video appointment's session.
type VideoSession struct {
	ID            int64              `json:"id"`
	AppointmentID int64              `json:"appointment_id"`
	PatientID     int64              `json:"patient_id"`
	PatientName   string             `json:"patient_name"`
	DoctorID      int64              `json:"doctor_id"`
	DoctorName    string             `json:"doctor_name"`
	Date          string             `json:"date"`
	Time          string             `json:"time"`
	RoomID        string             `json:"room_id"`
	Status        string             `json:"status" enum:"scheduled,active,ended,cancelled"`
	StartedAt     *time.Time         `json:"started_at"`
	EndedAt       *time.Time         `json:"ended_at"`
	Notes         string             `json:"notes"`
	Participants  []VideoParticipant `json:"participants"`
	Version       int64              `json:"version"`
}

const selectSession = `
	SELECT t.id, t.appointment_id, a.patient_id, p.first_name || ' ' || p.last_name, a.doctor_id,
	       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), a.date::text,
	       to_char(a.time, 'HH24:MI'), t.room_id::text, t.status, t.started_at, t.ended_at,
	       coalesce(t.notes, ''), t.participants, t.version
	  FROM core_telemedicinesession t
	  JOIN core_appointment a ON a.id = t.appointment_id
	  JOIN core_patient p ON p.id = a.patient_id
	  JOIN auth_user u ON u.id = a.doctor_id`

func scanSession(r pgx.Row) (VideoSession, error) {
	var s VideoSession
	var parts []byte
	err := r.Scan(&s.ID, &s.AppointmentID, &s.PatientID, &s.PatientName, &s.DoctorID, &s.DoctorName, &s.Date, &s.Time,
		&s.RoomID, &s.Status, &s.StartedAt, &s.EndedAt, &s.Notes, &parts, &s.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return VideoSession{}, apperr.ErrNotFound
	}
	if err != nil {
		return VideoSession{}, err
	}
	s.Participants = []VideoParticipant{}
	if err := json.Unmarshal(parts, &s.Participants); err != nil {
		return VideoSession{}, fmt.Errorf("session participants: %w", err)
	}
	return s, nil
}

// Service keeps the sessions and links, and the signalling hub.
type Service struct {
	db  *db.DB
	Hub *Hub
	now func() time.Time
	// ICE is the ICE servers the browsers are given (the configured TURN server; none: host
	// candidates only, the LAN).
	ICE []ICEServer
}

// ICEServer is an RTCIceServer as the browser takes it.
type ICEServer struct {
	URLs       []string `json:"urls"`
	Username   string   `json:"username,omitempty"`
	Credential string   `json:"credential,omitempty"`
}

// NewService returns the telemedicine service on d.
func NewService(d *db.DB) *Service {
	return &Service{db: d, Hub: NewHub(), now: time.Now}
}

// Get returns session id.
func (s *Service) Get(ctx context.Context, id int64) (VideoSession, error) {
	return scanSession(s.db.Pool.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id))
}

// Create gives appointment appointmentID its video session (a video appointment): 409 when it
// has one, 404 when there is no such appointment. CreateTx is the same inside a transaction
// (booking a video appointment does both in one).
func (s *Service) Create(ctx context.Context, actor db.Actor, appointmentID int64) (VideoSession, error) {
	var out VideoSession
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		id, err := CreateTx(ctx, tx, appointmentID)
		if err != nil {
			return err
		}
		out, err = scanSession(tx.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id))
		return err
	})
	return out, err
}

// CreateTx inserts the session of an appointment in tx and returns its id.
func CreateTx(ctx context.Context, tx pgx.Tx, appointmentID int64) (int64, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM core_appointment WHERE id = $1 FOR UPDATE`, appointmentID).Scan(&status)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, apperr.ErrNotFound
	}
	if err != nil {
		return 0, err
	}
	if status == "cancelled" || status == "completed" || status == "no_show" {
		return 0, apperr.New(apperr.ErrConflict, "This appointment is over; a video session cannot be added to it.").WithCode("appointment-over")
	}
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO core_telemedicinesession (appointment_id) VALUES ($1)
		ON CONFLICT (appointment_id) DO NOTHING RETURNING id`, appointmentID).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, apperr.New(apperr.ErrConflict, "This appointment already has its video session.").WithCode("session-exists")
	}
	return id, err
}

// move changes a session's status in tx (with its times), refusing an illegal move with 409.
func move(ctx context.Context, tx pgx.Tx, id int64, to string) (VideoSession, error) {
	var from string
	err := tx.QueryRow(ctx, `SELECT status FROM core_telemedicinesession WHERE id = $1 FOR UPDATE`, id).Scan(&from)
	if errors.Is(err, pgx.ErrNoRows) {
		return VideoSession{}, apperr.ErrNotFound
	}
	if err != nil {
		return VideoSession{}, err
	}
	if !CanMove(from, to) {
		return VideoSession{}, apperr.Errorf(apperr.ErrConflict, "A %s video session cannot become %s.", from, to).WithCode("session-" + from)
	}
	if _, err := tx.Exec(ctx, `UPDATE core_telemedicinesession
		   SET status = $2::text,
		       started_at = CASE WHEN $2::text = 'active' THEN now() ELSE started_at END,
		       ended_at = CASE WHEN $2::text = 'ended' THEN now() ELSE ended_at END,
		       version = version + 1
		 WHERE id = $1`, id, to); err != nil {
		return VideoSession{}, err
	}
	return scanSession(tx.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id))
}

// End ends an active call (a hang-up): both sides are told and their streams close.
func (s *Service) End(ctx context.Context, actor db.Actor, id int64) (VideoSession, error) {
	return s.finish(ctx, actor, id, StatusEnded)
}

// Cancel cancels a session that has not started (the links stop working with it).
func (s *Service) Cancel(ctx context.Context, actor db.Actor, id int64) (VideoSession, error) {
	return s.finish(ctx, actor, id, StatusCancelled)
}

// finish moves a session to status, ended or cancelled, then closes its call's streams.
func (s *Service) finish(ctx context.Context, actor db.Actor, id int64, status string) (VideoSession, error) {
	var out VideoSession
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = move(ctx, tx, id, status)
		return err
	})
	if err == nil {
		s.Hub.Close(id)
	}
	return out, err
}

// CancelForAppointment cancels the scheduled session of an appointment being cancelled, in
// the appointment's transaction.
func CancelForAppointment(ctx context.Context, tx pgx.Tx, appointmentID int64) error {
	_, err := tx.Exec(ctx, `UPDATE core_telemedicinesession SET status = 'cancelled', version = version + 1
		 WHERE appointment_id = $1 AND status = 'scheduled'`, appointmentID)
	return err
}

// VideoNotesParams updates a session's notes (optimistic: the version read).
type VideoNotesParams struct {
	Notes   string `json:"notes" validate:"max=5000"`
	Version int64  `json:"version"`
}

// Validate checks p.
func (p VideoNotesParams) Validate() error {
	f := validate.Struct(p)
	if p.Version <= 0 {
		f.Add("version", apperr.CodeRequired, "Send the version you read.")
	}
	return f.Err()
}

// SetNotes writes a session's notes; a stale version is 409.
func (s *Service) SetNotes(ctx context.Context, actor db.Actor, id int64, p VideoNotesParams) (VideoSession, error) {
	if err := p.Validate(); err != nil {
		return VideoSession{}, err
	}
	var out VideoSession
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE core_telemedicinesession SET notes = nullif($2, ''), version = version + 1
			 WHERE id = $1 AND version = $3`, id, strings.TrimSpace(p.Notes), p.Version)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if _, err := scanSession(tx.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id)); err != nil {
				return err
			}
			return apperr.Stale("video session")
		}
		out, err = scanSession(tx.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id))
		return err
	})
	return out, err
}

// Joined records a join of session id (the first one starts the call: scheduled -> active)
// and returns the session; a session that is over refuses it (409).
func (s *Service) Joined(ctx context.Context, actor db.Actor, id int64, p VideoParticipant) (VideoSession, error) {
	var out VideoSession
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM core_telemedicinesession WHERE id = $1 FOR UPDATE`, id).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		switch status {
		case StatusScheduled:
			if _, err := move(ctx, tx, id, StatusActive); err != nil {
				return err
			}
		case StatusActive:
		default:
			return apperr.Errorf(apperr.ErrConflict, "This video session is %s.", status).WithCode("session-" + status)
		}
		p.At = s.now().UTC()
		entry, err := json.Marshal([]VideoParticipant{p})
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE core_telemedicinesession SET participants = participants || $2::jsonb WHERE id = $1`, id, entry); err != nil {
			return err
		}
		out, err = scanSession(tx.QueryRow(ctx, selectSession+` WHERE t.id = $1`, id))
		return err
	})
	return out, err
}

// PatientLink is a patient's one-time link as reception sees it (the code only once, at creation).
type PatientLink struct {
	ID        int64      `json:"id"`
	SessionID int64      `json:"session_id"`
	ExpiresAt time.Time  `json:"expires_at"`
	UsedAt    *time.Time `json:"used_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	CreatedAt time.Time  `json:"created_at"`
	// Code is the short code (also the link's secret), given once when the link is created.
	Code string `json:"code,omitempty"`
}

// PatientLinkList is a session's links, newest first.
type PatientLinkList struct {
	Items []PatientLink `json:"items"`
}

// PatientLinkParams creates a link.
type PatientLinkParams struct {
	ValidMinutes int `json:"valid_minutes,omitempty" validate:"max=1440" doc:"how long the link may be used to join (default 240)"`
}

// Validate checks p.
func (p PatientLinkParams) Validate() error {
	f := validate.Struct(p)
	if p.ValidMinutes != 0 && p.ValidMinutes < 5 {
		f.Add("valid_minutes", apperr.CodeOutOfRange, "A link lasts at least 5 minutes.")
	}
	return f.Err()
}

// DefaultLinkMinutes is how long a link can be used unless reception says otherwise.
const DefaultLinkMinutes = 240

// codeAlphabet has no letters that read like others (no 0/O, 1/I/L, U).
const codeAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"

// CodeLength is the short code's length: 12 letters of 30, about 59 bits.
const CodeLength = 12

func newCode() (string, error) {
	b := make([]byte, CodeLength)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = codeAlphabet[int(b[i])%len(codeAlphabet)]
	}
	return string(b), nil
}

// NormalizeCode reads a typed code: case, spaces and dashes do not matter.
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(code)))
}

func hash(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

const selectLink = `SELECT id, session_id, expires_at, used_at, revoked_at, created_at FROM core_telemedicinelink`

func scanLink(r pgx.Row) (PatientLink, error) {
	var l PatientLink
	err := r.Scan(&l.ID, &l.SessionID, &l.ExpiresAt, &l.UsedAt, &l.RevokedAt, &l.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return PatientLink{}, apperr.ErrNotFound
	}
	return l, err
}

// CreateLink makes a patient's link for session id (scheduled or active).
func (s *Service) CreateLink(ctx context.Context, actor db.Actor, id int64, p PatientLinkParams) (PatientLink, error) {
	if err := p.Validate(); err != nil {
		return PatientLink{}, err
	}
	minutes := p.ValidMinutes
	if minutes == 0 {
		minutes = DefaultLinkMinutes
	}
	code, err := newCode()
	if err != nil {
		return PatientLink{}, err
	}
	var out PatientLink
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var status string
		err := tx.QueryRow(ctx, `SELECT status FROM core_telemedicinesession WHERE id = $1`, id).Scan(&status)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		if status != StatusScheduled && status != StatusActive {
			return apperr.Errorf(apperr.ErrConflict, "This video session is %s.", status).WithCode("session-" + status)
		}
		out, err = scanLink(tx.QueryRow(ctx, `INSERT INTO core_telemedicinelink (session_id, code_hash, expires_at, created_by)
			VALUES ($1, $2, $3, nullif($4, 0))
			RETURNING id, session_id, expires_at, used_at, revoked_at, created_at`,
			id, hash(code), s.now().Add(time.Duration(minutes)*time.Minute), actor.UserID))
		return err
	})
	out.Code = code
	return out, err
}

// Links lists session id's links.
func (s *Service) Links(ctx context.Context, id int64) (PatientLinkList, error) {
	items, err := db.QueryAll(ctx, s.db.Pool, func(r pgx.CollectableRow) (PatientLink, error) { return scanLink(r) },
		selectLink+` WHERE session_id = $1 ORDER BY id DESC`, id)
	if err != nil {
		return PatientLinkList{}, err
	}
	return PatientLinkList{Items: items}, nil
}

// RevokeLink revokes link id: it can no longer be used, and a patient in the call with it is
// put out at once.
func (s *Service) RevokeLink(ctx context.Context, actor db.Actor, id int64) error {
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE core_telemedicinelink SET revoked_at = coalesce(revoked_at, now()), version = version + 1 WHERE id = $1`, id)
		if err == nil && tag.RowsAffected() == 0 {
			return apperr.ErrNotFound
		}
		return err
	})
	if err == nil {
		s.Hub.KickLink(id)
	}
	return err
}

// Guest is a patient holding a link that was exchanged for a guest token.
type Guest struct {
	LinkID    int64
	SessionID int64
}

// VideoJoinParams is the patient's code (from the link or typed).
type VideoJoinParams struct {
	Code string `json:"code" validate:"max=40"`
}

// Validate checks p.
func (p VideoJoinParams) Validate() error {
	f := validate.Struct(p)
	if strings.TrimSpace(p.Code) == "" {
		f.Add("code", apperr.CodeRequired, "Type the code reception gave you.")
	}
	return f.Err()
}

// GuestPass is what a patient's browser keeps after using its link: the token that opens this
// session's call, and nothing else.
type GuestPass struct {
	Token     string `json:"token"`
	SessionID int64  `json:"session_id"`
	Doctor    string `json:"doctor"`
}

var errLink = apperr.New(apperr.ErrUnauthorized, "This link is not valid (used, expired or revoked); ask reception for a new one.").WithCode("telemedicine-link")

// Redeem exchanges a link's code, once, for a guest token: an unknown, used, expired or revoked
// code is 401, as is a session that is over.
func (s *Service) Redeem(ctx context.Context, p VideoJoinParams) (GuestPass, error) {
	if err := p.Validate(); err != nil {
		return GuestPass{}, err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return GuestPass{}, err
	}
	token := base64.RawURLEncoding.EncodeToString(b)
	var out GuestPass
	err := s.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			UPDATE core_telemedicinelink l SET used_at = now(), guest_hash = $2, version = l.version + 1
			  FROM core_telemedicinesession t, core_appointment a, auth_user u
			 WHERE l.code_hash = $1 AND l.used_at IS NULL AND l.revoked_at IS NULL AND l.expires_at > $3
			   AND t.id = l.session_id AND t.status IN ('scheduled', 'active')
			   AND a.id = t.appointment_id AND u.id = a.doctor_id
			RETURNING t.id, trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, ''))`,
			hash(NormalizeCode(p.Code)), hash(token), s.now()).Scan(&out.SessionID, &out.Doctor)
		if errors.Is(err, pgx.ErrNoRows) {
			return errLink
		}
		return err
	})
	out.Token = token
	return out, err
}

// OpenGuest returns the guest of a token: 401 unless its link is live (not revoked, not
// expired) and its session is not over.
func (s *Service) OpenGuest(ctx context.Context, token string) (Guest, error) {
	if token == "" || len(token) > 128 {
		return Guest{}, errLink
	}
	var g Guest
	err := s.db.Pool.QueryRow(ctx, `
		SELECT l.id, l.session_id FROM core_telemedicinelink l JOIN core_telemedicinesession t ON t.id = l.session_id
		 WHERE l.guest_hash = $1 AND l.revoked_at IS NULL AND l.expires_at > $2 AND t.status IN ('scheduled', 'active')`,
		hash(token), s.now()).Scan(&g.LinkID, &g.SessionID)
	if errors.Is(err, pgx.ErrNoRows) {
		return Guest{}, errLink
	}
	return g, err
}
