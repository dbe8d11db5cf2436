// Package appointments owns the clinic's schedule: booking a patient with a doctor, the legal
// moves of an appointment (check-in, consultation, completion, cancellation, no-show), and the
// reception queue. One doctor cannot have two live appointments at the same date and time: the
// database refuses it (a partial unique index), so no race between two desks can double-book.
package appointments

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/handover"
	"chelal/internal/patients"
	"chelal/internal/settings"
	"chelal/internal/telemed"
	"chelal/internal/validate"
)

// Statuses of an appointment.
const (
	StatusScheduled  = "scheduled"
	StatusCheckedIn  = "checked_in"
	StatusInProgress = "in_progress"
	StatusCompleted  = "completed"
	StatusCancelled  = "cancelled"
	StatusNoShow     = "no_show"
)

// Statuses are every status, in the order of an appointment's life.
var Statuses = []string{StatusScheduled, StatusCheckedIn, StatusInProgress, StatusCompleted, StatusCancelled, StatusNoShow}

// transitions lists the legal moves from each status; the others end an appointment.
var transitions = map[string][]string{
	StatusScheduled:  {StatusCheckedIn, StatusCancelled, StatusNoShow},
	StatusCheckedIn:  {StatusInProgress, StatusCancelled, StatusNoShow},
	StatusInProgress: {StatusCompleted},
}

// CanMove says whether an appointment may go from one status to another.
func CanMove(from, to string) bool { return slices.Contains(transitions[from], to) }

// Appointment is a booking, with the names a schedule shows.
type Appointment struct {
	ID              int64      `json:"id"`
	PatientID       int64      `json:"patient_id"`
	PatientName     string     `json:"patient_name"`
	PatientUniqueID string     `json:"patient_unique_id"`
	DoctorID        int64      `json:"doctor_id"`
	DoctorName      string     `json:"doctor_name"`
	Date            string     `json:"date"` // YYYY-MM-DD, the clinic's local date
	Time            string     `json:"time"` // HH:MM, the clinic's local time
	Status          string     `json:"status"`
	Reason          string     `json:"reason"`
	CancelReason    string     `json:"cancel_reason"`
	CheckedInAt     *time.Time `json:"checked_in_at"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Version         int64      `json:"version"`
	// VisitState is where the patient is in the clinic's day (see visit.go); empty for an
	// appointment that is not a visit (scheduled, cancelled, no-show).
	VisitState string `json:"visit_state,omitempty" enum:"checked_in,vitals_taken,with_doctor,to_pharmacy,to_cashier,done"`
	// WaitingSince is when the visit's current state began (server time, UTC).
	WaitingSince *time.Time `json:"waiting_since,omitempty"`
	// VideoSessionID is the video session of a video appointment (null: in person).
	VideoSessionID *int64 `json:"video_session_id,omitempty"`
}

const selectAppointment = `
	SELECT a.id, a.patient_id, p.first_name || ' ' || p.last_name, p.unique_id, a.doctor_id,
	       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), a.date::text,
	       to_char(a.time, 'HH24:MI'), a.status, coalesce(a.reason, ''), coalesce(a.cancel_reason, ''),
	       a.checked_in_at, ` + visitStateColumns + `, a.created_at, a.updated_at, a.version,
	       (SELECT t.id FROM core_telemedicinesession t WHERE t.appointment_id = a.id)
	  FROM core_appointment a
	  JOIN core_patient p ON p.id = a.patient_id
	  JOIN auth_user u ON u.id = a.doctor_id` + visitJoins

func scanAppointment(r pgx.Row) (Appointment, error) {
	var a Appointment
	var state *string
	err := r.Scan(&a.ID, &a.PatientID, &a.PatientName, &a.PatientUniqueID, &a.DoctorID, &a.DoctorName, &a.Date,
		&a.Time, &a.Status, &a.Reason, &a.CancelReason, &a.CheckedInAt, &state, &a.WaitingSince, &a.CreatedAt, &a.UpdatedAt, &a.Version, &a.VideoSessionID)
	a.CreatedAt, a.UpdatedAt = a.CreatedAt.UTC(), a.UpdatedAt.UTC()
	if state != nil {
		a.VisitState = *state
	}
	if a.WaitingSince != nil {
		t := a.WaitingSince.UTC()
		a.WaitingSince = &t
	}
	if a.CheckedInAt != nil {
		t := a.CheckedInAt.UTC()
		a.CheckedInAt = &t
	}
	return a, err
}

// Service books and moves appointments.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the appointments service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// BookParams is a booking. A walk-in is checked in at once, now; its date and time are not
// given.
type BookParams struct {
	PatientID int64  `json:"patient_id"`
	DoctorID  int64  `json:"doctor_id"`
	Date      string `json:"date,omitempty"`
	Time      string `json:"time,omitempty"`
	Reason    string `json:"reason,omitempty" validate:"max=1000"`
	WalkIn    bool   `json:"walk_in,omitempty"`
	Video     bool   `json:"video,omitempty" doc:"a video consultation (its session is created with it); default in person"`
}

// Validate reports every bad field that needs no clock at once: the people and the tags'
// limits. The slot is checked against the clinic's clock (Create).
func (p BookParams) Validate() error {
	f := validate.Struct(p)
	if p.PatientID <= 0 {
		f.Add("patient_id", apperr.CodeRequired, "Choose the patient.")
	}
	if p.DoctorID <= 0 {
		f.Add("doctor_id", apperr.CodeRequired, "Choose the doctor.")
	}
	if p.WalkIn && (p.Date != "" || p.Time != "") {
		f.Add("walk_in", apperr.CodeInvalid, "A walk-in is checked in now; leave date and time out.")
	}
	return f.Err()
}

// clock is the clinic's "now" and its slot length.
type clock struct {
	now  time.Time // in the clinic's zone
	slot int       // minutes
}

func (s *Service) clock(ctx context.Context, q db.Querier) (clock, error) {
	loc, err := settings.Location(ctx, q)
	if err != nil {
		return clock{}, err
	}
	slot, err := settings.Get(ctx, q, settings.SlotMinutes, settings.DefaultSlotMinutes)
	if err != nil {
		return clock{}, err
	}
	if slot < 1 || slot > 240 {
		slot = 15
	}
	return clock{now: s.now().In(loc), slot: slot}, nil
}

// checkSlot validates a date and time for a booking: well-formed, on a slot boundary, not in
// the past. It adds field errors to f.
func (c clock) checkSlot(f *apperr.Fields, date, tm string) {
	d, derr := time.Parse(time.DateOnly, date)
	t, terr := time.Parse("15:04", tm)
	if date == "" {
		f.Add("date", apperr.CodeRequired, "Choose a date.")
	} else if derr != nil {
		f.Add("date", apperr.CodeInvalid, "The date must be YYYY-MM-DD.")
	}
	if tm == "" {
		f.Add("time", apperr.CodeRequired, "Choose a time.")
	} else if terr != nil {
		f.Add("time", apperr.CodeInvalid, "The time must be HH:MM.")
	} else if (t.Hour()*60+t.Minute())%c.slot != 0 {
		f.Add("time", apperr.CodeInvalid, fmt.Sprintf("Appointments start on %d-minute slots.", c.slot))
	}
	if derr != nil || terr != nil {
		return
	}
	at := time.Date(d.Year(), d.Month(), d.Day(), t.Hour(), t.Minute(), 0, 0, c.now.Location())
	if at.Before(c.now) {
		f.Add("date", apperr.CodeOutOfRange, "That time has passed; book a time to come (a patient who is here now is a walk-in).")
	} else if at.After(c.now.AddDate(2, 0, 0)) {
		f.Add("date", apperr.CodeOutOfRange, "Book at most two years ahead.")
	}
}

// Create books an appointment (or checks a walk-in in). Double booking a doctor's slot is an
// apperr.ErrConflict, decided by the database. A walk-in takes no slot (walk_in rows are outside
// the slot index), so walk-ins for one doctor in the same second never collide.
func (s *Service) Create(ctx context.Context, actor db.Actor, p BookParams) (Appointment, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	c, err := s.clock(ctx, s.db.Pool)
	if err != nil {
		return Appointment{}, err
	}
	f := apperr.Fields(apperr.FieldsOf(p.Validate()))
	status, date, tm := StatusScheduled, p.Date, p.Time
	if p.WalkIn {
		status, date, tm = StatusCheckedIn, c.now.Format(time.DateOnly), c.now.Format("15:04:05")
	} else {
		c.checkSlot(&f, p.Date, p.Time)
	}
	if err := f.Err(); err != nil {
		return Appointment{}, err
	}
	var out Appointment
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if err := checkPeople(ctx, tx, p.PatientID, p.DoctorID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, reason, checked_in_at, walk_in)
			VALUES ($1, $2, $3, $4, $5::text, nullif($6, ''), CASE WHEN $5::text = 'checked_in' THEN now() END, $7)
			RETURNING id`, p.PatientID, p.DoctorID, date, tm, status, p.Reason, p.WalkIn).Scan(&id)
		if err != nil {
			return mapWriteError(err)
		}
		if status == StatusCheckedIn {
			if err := handover.CheckedIn(ctx, tx, id); err != nil {
				return err
			}
		}
		if p.Video {
			if _, err := telemed.CreateTx(ctx, tx, id); err != nil {
				return err
			}
		}
		out, err = scanAppointment(tx.QueryRow(ctx, selectAppointment+` WHERE a.id = $1`, id))
		return err
	})
	if err != nil {
		return Appointment{}, s.withExistingVisit(ctx, err, p.PatientID, p.DoctorID, date)
	}
	return out, nil
}

// checkPeople makes sure the patient exists and the doctor is an active user with the doctor role.
func checkPeople(ctx context.Context, tx pgx.Tx, patientID, doctorID int64) error {
	var f apperr.Fields
	ok, err := patients.Exists(ctx, tx, patientID)
	if err != nil {
		return err
	}
	if !ok {
		f.Add("patient_id", apperr.CodeInvalid, "There is no such patient.")
	}
	var role *string
	var active bool
	err = tx.QueryRow(ctx, `SELECT r.name, u.is_active FROM auth_user u LEFT JOIN core_role r ON r.id = u.role_id WHERE u.id = $1`, doctorID).Scan(&role, &active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		f.Add("doctor_id", apperr.CodeInvalid, "There is no such doctor.")
	case err != nil:
		return err
	case role == nil || *role != "doctor":
		f.Add("doctor_id", apperr.CodeInvalid, "This user is not a doctor.")
	case !active:
		f.Add("doctor_id", apperr.CodeInvalid, "This doctor's account is deactivated.")
	}
	return f.Err()
}

func mapWriteError(err error) error {
	if db.IsUnique(err, "core_appointment_doctor_slot_key") {
		return apperr.New(apperr.ErrConflict, "The doctor already has an appointment at that date and time; choose another slot.").WithCode("slot-taken")
	}
	if db.IsUnique(err, visitDayKey) {
		return apperr.Wrap(apperr.ErrConflict, err, "The patient is already checked in with this doctor today.").WithCode(CodeAlreadyCheckedIn)
	}
	return fmt.Errorf("save appointment: %w", err)
}

// MoveParams moves an appointment: a new status (with a reason when cancelling), or a new
// date and time (rescheduling a scheduled appointment), or a new reason.
type MoveParams struct {
	Version      int64   `json:"version"`
	Status       *string `json:"status,omitempty"`
	Date         *string `json:"date,omitempty"`
	Time         *string `json:"time,omitempty"`
	Reason       *string `json:"reason,omitempty"`
	CancelReason *string `json:"cancel_reason,omitempty" validate:"max=1000"`
}

// LimitsFrom says a move's reason has the limits of BookParams' (see validate.Borrower).
func (MoveParams) LimitsFrom() any { return BookParams{} }

// Validate reports every bad field that needs no record at once: the version and the
// reasons' lengths. The move itself is checked against the appointment (Update).
func (u MoveParams) Validate() error {
	return validate.CheckEdit(u, u.Version)
}

// Update applies a move made on version. A stale version is a conflict; an illegal move is
// apperr.ErrInvalid (422).
func (s *Service) Update(ctx context.Context, actor db.Actor, id int64, u MoveParams) (Appointment, error) {
	if err := u.Validate(); err != nil {
		return Appointment{}, err
	}
	c, err := s.clock(ctx, s.db.Pool)
	if err != nil {
		return Appointment{}, err
	}
	var out Appointment
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := scanAppointment(tx.QueryRow(ctx, selectAppointment+` WHERE a.id = $1 FOR UPDATE OF a`, id))
		if err = db.AtVersion(err, cur.Version, u.Version, "appointment"); err != nil {
			return err
		}
		status, date, tm, reason, cancel := cur.Status, cur.Date, cur.Time, cur.Reason, cur.CancelReason
		var f apperr.Fields
		if u.Status != nil && *u.Status != cur.Status {
			if !CanMove(cur.Status, *u.Status) {
				f.Add("status", apperr.CodeInvalid, fmt.Sprintf("An appointment that is %s cannot become %s.", cur.Status, *u.Status))
			}
			status = *u.Status
		}
		if u.Date != nil || u.Time != nil {
			if u.Date != nil {
				date = *u.Date
			}
			if u.Time != nil {
				tm = *u.Time
			}
			if date != cur.Date || tm != cur.Time {
				if cur.Status != StatusScheduled || status != StatusScheduled {
					f.Add("date", apperr.CodeInvalid, "Only a scheduled appointment can be moved to another time.")
				} else {
					c.checkSlot(&f, date, tm)
				}
			}
		}
		if u.Reason != nil {
			reason = strings.TrimSpace(*u.Reason)
		}
		if u.CancelReason != nil {
			cancel = strings.TrimSpace(*u.CancelReason)
		}
		if status == StatusCancelled && cur.Status != StatusCancelled && cancel == "" {
			f.Add("cancel_reason", apperr.CodeRequired, "Say why the appointment is cancelled.")
		}
		if err := f.Err(); err != nil {
			return err
		}
		// The time keeps its seconds (walk-ins) unless it was moved.
		_, err = tx.Exec(ctx, `
			UPDATE core_appointment SET status = $2::text, date = $3,
			       time = CASE WHEN $7 THEN $4::time ELSE time END, reason = nullif($5, ''),
			       cancel_reason = nullif($6, ''),
			       checked_in_at = CASE WHEN $2::text = 'checked_in' AND checked_in_at IS NULL THEN now() ELSE checked_in_at END
			 WHERE id = $1`, id, status, date, tm, reason, cancel, tm != cur.Time)
		if err != nil {
			return mapWriteError(err)
		}
		if status == StatusCancelled && cur.Status != StatusCancelled {
			if err := telemed.CancelForAppointment(ctx, tx, id); err != nil {
				return err
			}
		}
		if status == StatusCheckedIn && cur.Status != StatusCheckedIn {
			if err := handover.CheckedIn(ctx, tx, id); err != nil {
				return err
			}
		}
		out, err = scanAppointment(tx.QueryRow(ctx, selectAppointment+` WHERE a.id = $1`, id))
		return err
	})
	if err != nil {
		if cur, gerr := s.Get(ctx, id); gerr == nil {
			return Appointment{}, s.withExistingVisit(ctx, err, cur.PatientID, cur.DoctorID, cur.Date)
		}
		return Appointment{}, err
	}
	return out, nil
}

// Get returns one appointment, or apperr.ErrNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Appointment, error) {
	a, err := scanAppointment(s.db.Pool.QueryRow(ctx, selectAppointment+` WHERE a.id = $1`, id))
	return a, db.OrNotFound(err)
}

// Filter selects appointments: one date or a range of at most 31 days, a doctor, a patient,
// a status. The checked-in come in arrival order (the reception queue); the rest by time.
type Filter struct {
	Date, From, To string
	DoctorID       int64
	PatientID      int64
	Status         string
	Limit          int
	// Visits lists visits (checked-in appointments, in arrival order, with their state):
	// VisitsActive those not done, VisitsAll every one; of the clinic's today unless a date is
	// given.
	Visits string
}

// List is the appointments of a filter.
type List struct {
	Items []Appointment `json:"items"`
	// Now is the server's clock when the list was read: a client counts waiting minutes from
	// waiting_since on this clock, not on its own (a workstation's clock may be off).
	Now time.Time `json:"now"`
}

// MaxListLimit caps a list of appointments.
const MaxListLimit = 500

// List returns the appointments matching f.
func (s *Service) List(ctx context.Context, f Filter) (List, error) {
	var fe apperr.Fields
	parse := func(field, v string) (time.Time, bool) {
		if v == "" {
			return time.Time{}, false
		}
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fe.Add(field, apperr.CodeInvalid, "Use a date, YYYY-MM-DD.")
			return time.Time{}, false
		}
		return d, true
	}
	if f.Visits != "" && f.Visits != VisitsActive && f.Visits != VisitsAll {
		fe.Add("visits", apperr.CodeInvalid, "visits is active or all.")
	}
	if f.Visits != "" && f.Date == "" && f.From == "" && f.To == "" {
		c, err := s.clock(ctx, s.db.Pool)
		if err != nil {
			return List{}, err
		}
		f.Date = c.now.Format(time.DateOnly)
	}
	date, hasDate := parse("date", f.Date)
	from, hasFrom := parse("from", f.From)
	to, hasTo := parse("to", f.To)
	if hasDate {
		from, to, hasFrom, hasTo = date, date, true, true
	}
	if hasFrom != hasTo {
		fe.Add("to", apperr.CodeRequired, "Give both from and to.")
	} else if hasFrom && (to.Before(from) || to.Sub(from) > 31*24*time.Hour) {
		fe.Add("to", apperr.CodeOutOfRange, "to must be on or after from, at most 31 days later.")
	}
	if !hasFrom && f.PatientID == 0 {
		fe.Add("date", apperr.CodeRequired, "Give a date (or from and to), or a patient.")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		fe.Add("status", apperr.CodeInvalid, "Unknown status.")
	}
	switch {
	case f.Limit == 0:
		f.Limit = MaxListLimit
	case f.Limit < 0 || f.Limit > MaxListLimit:
		fe.Add("limit", apperr.CodeOutOfRange, fmt.Sprintf("limit must be between 1 and %d.", MaxListLimit))
	}
	if err := fe.Err(); err != nil {
		return List{}, err
	}
	var w db.Where
	if hasFrom {
		w.Add("a.date >= $?", from.Format(time.DateOnly))
		w.Add("a.date <= $?", to.Format(time.DateOnly))
	}
	w.Filter("a.doctor_id = $?", f.DoctorID)
	w.Filter("a.patient_id = $?", f.PatientID)
	w.Filter("a.status = $?", f.Status)
	if f.Visits != "" {
		w.Cond("a.status IN ('checked_in', 'in_progress', 'completed') AND a.checked_in_at IS NOT NULL")
	}
	order := " ORDER BY a.date, a.time, a.id"
	if f.Status == StatusCheckedIn || f.Visits != "" {
		order = " ORDER BY a.checked_in_at, a.id"
	}
	items, err := db.QueryAll(ctx, s.db.Pool, func(r pgx.CollectableRow) (Appointment, error) { return scanAppointment(r) },
		selectAppointment+w.SQL()+order+" LIMIT "+w.Arg(f.Limit), w.Args()...)
	if err != nil {
		return List{}, fmt.Errorf("list appointments: %w", err)
	}
	if f.Visits == VisitsActive {
		items = slices.DeleteFunc(items, func(a Appointment) bool { return a.VisitState == VisitDone })
	}
	return List{Items: items, Now: s.now().UTC()}, nil
}

// Doctor is a doctor who can be booked.
type Doctor struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Doctors lists the active doctors, by name.
func (s *Service) Doctors(ctx context.Context) ([]Doctor, error) {
	out, err := db.QueryAll(ctx, s.db.Pool, pgx.RowToStructByPos[Doctor], `
		SELECT u.id, trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, ''))
		  FROM auth_user u JOIN core_role r ON r.id = u.role_id
		 WHERE r.name = 'doctor' AND u.is_active
		 ORDER BY u.last_name, u.first_name, u.id`)
	if err != nil {
		return nil, fmt.Errorf("doctors: %w", err)
	}
	return out, nil
}
