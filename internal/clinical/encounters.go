package clinical

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/appointments"
	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/handover"
	"chelal/internal/patients"
	"chelal/internal/validate"
)

// Encounter statuses: open while its doctor writes it, closed for good afterwards.
const (
	StatusOpen   = "open"
	StatusClosed = "closed"
)

// Encounter is a consultation, with the names a page shows and its addenda.
type Encounter struct {
	ID              int64      `json:"id"`
	PatientID       int64      `json:"patient_id"`
	PatientName     string     `json:"patient_name"`
	PatientUniqueID string     `json:"patient_unique_id"`
	KnownAllergies  string     `json:"known_allergies"`
	AppointmentID   *int64     `json:"appointment_id"`
	DoctorID        int64      `json:"doctor_id"`
	DoctorName      string     `json:"doctor_name"`
	Notes           string     `json:"notes"`
	Diagnosis       string     `json:"diagnosis"`
	Status          string     `json:"status" enum:"open,closed"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	ClosedAt        *time.Time `json:"closed_at"`
	Version         int64      `json:"version"`
	Addenda         []Addendum `json:"addenda"`
}

// Addendum is a dated, signed note added to a closed encounter.
type Addendum struct {
	ID         int64     `json:"id"`
	AuthorID   int64     `json:"author_id"`
	AuthorName string    `json:"author_name"`
	Text       string    `json:"text"`
	CreatedAt  time.Time `json:"created_at"`
}

const selectEncounter = `
	SELECT e.id, e.patient_id, p.first_name || ' ' || p.last_name, p.unique_id, coalesce(p.known_allergies, ''),
	       e.appointment_id, e.doctor_id, trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')),
	       e.notes, coalesce(e.diagnosis, ''), e.status, e.created_at, e.updated_at, e.closed_at, e.version
	  FROM core_encounter e
	  JOIN core_patient p ON p.id = e.patient_id
	  JOIN auth_user u ON u.id = e.doctor_id`

func scanEncounter(r pgx.Row) (Encounter, error) {
	var e Encounter
	err := r.Scan(&e.ID, &e.PatientID, &e.PatientName, &e.PatientUniqueID, &e.KnownAllergies, &e.AppointmentID,
		&e.DoctorID, &e.DoctorName, &e.Notes, &e.Diagnosis, &e.Status, &e.CreatedAt, &e.UpdatedAt, &e.ClosedAt, &e.Version)
	e.CreatedAt, e.UpdatedAt = e.CreatedAt.UTC(), e.UpdatedAt.UTC()
	if e.ClosedAt != nil {
		t := e.ClosedAt.UTC()
		e.ClosedAt = &t
	}
	e.Addenda = []Addendum{}
	return e, err
}

// Service keeps encounters, vitals and prescriptions.
type Service struct {
	db  *db.DB
	now func() time.Time
	// OnClose runs inside the transaction that closes an encounter, with the closed encounter
	// (the billing domain adds the consultation fee there), so the fee and the closing commit
	// together or not at all.
	OnClose db.Hooks[Encounter]
}

// NewService returns the clinical service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// getForUpdate locks and returns an encounter, or apperr.ErrNotFound.
func getForUpdate(ctx context.Context, tx pgx.Tx, id int64) (Encounter, error) {
	e, err := scanEncounter(tx.QueryRow(ctx, selectEncounter+` WHERE e.id = $1 FOR UPDATE OF e`, id))
	return e, db.OrNotFound(err)
}

// closedError is the answer to a change of a closed encounter.
func closedError() error {
	return apperr.New(apperr.ErrConflict, "This encounter is closed: its notes can no longer change; add an addendum instead.").WithCode("encounter-closed")
}

// StartEncounter starts an encounter: from a checked-in appointment, or for a walk-in patient.
// The validate tags are the texts' limits (the database checks them too), for Validate, the
// OpenAPI document and the forms.
type StartEncounter struct {
	AppointmentID *int64  `json:"appointment_id,omitempty"`
	PatientID     *int64  `json:"patient_id,omitempty"`
	Notes         *string `json:"notes" validate:"max=20000"`
	Diagnosis     *string `json:"diagnosis,omitempty" validate:"max=2000"`
}

// Validate reports every bad field at once: notes written, the texts' limits, and either an
// appointment or a walk-in's patient.
func (p StartEncounter) Validate() error {
	f := validate.Struct(p)
	if p.Notes == nil || *p.Notes == "" {
		f.Add("notes", apperr.CodeRequired, "Write the consultation notes.")
	}
	switch {
	case p.AppointmentID == nil && p.PatientID == nil:
		f.Add("appointment_id", apperr.CodeRequired, "Give the appointment, or the patient of a walk-in.")
	case p.AppointmentID != nil && p.PatientID != nil:
		f.Add("patient_id", apperr.CodeInvalid, "Give the appointment or the patient, not both.")
	case p.AppointmentID != nil && *p.AppointmentID <= 0:
		f.Add("appointment_id", apperr.CodeInvalid, "There is no such appointment.")
	case p.PatientID != nil && *p.PatientID <= 0:
		f.Add("patient_id", apperr.CodeInvalid, "There is no such patient.")
	}
	return f.Err()
}

// Start opens an encounter written by the actor (a doctor): notes are required. From an
// appointment, the appointment moves to in_progress; if the nurse's triage already opened the
// visit's encounter and no doctor has written it yet, the actor takes it over.
func (s *Service) Start(ctx context.Context, actor db.Actor, p StartEncounter) (Encounter, error) {
	validate.Trim(p.Notes, p.Diagnosis)
	if err := p.Validate(); err != nil {
		return Encounter{}, err
	}
	diagnosis := ""
	if p.Diagnosis != nil {
		diagnosis = *p.Diagnosis
	}
	var out Encounter
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var id int64
		if p.AppointmentID != nil {
			enc, created, err := visitEncounter(ctx, tx, *p.AppointmentID, actor.UserID)
			if err != nil {
				return err
			}
			if !created && (enc.Notes != "" || enc.Status != StatusOpen) {
				return apperr.New(apperr.ErrConflict, "This visit's encounter is already started; open it instead.").
					WithCode("encounter-exists").WithDetails(map[string]int64{"encounter_id": enc.ID})
			}
			if _, err := tx.Exec(ctx, `UPDATE core_encounter SET doctor_id = $2, notes = $3, diagnosis = nullif($4, '') WHERE id = $1`,
				enc.ID, actor.UserID, *p.Notes, diagnosis); err != nil {
				return fmt.Errorf("start encounter: %w", err)
			}
			id = enc.ID
		} else {
			ok, err := patients.Exists(ctx, tx, *p.PatientID)
			if err != nil {
				return err
			}
			if !ok {
				return apperr.Invalid(apperr.FieldError{Field: "patient_id", Code: apperr.CodeInvalid, Message: "There is no such patient."})
			}
			err = tx.QueryRow(ctx, `INSERT INTO core_encounter (patient_id, doctor_id, notes, diagnosis)
				VALUES ($1, $2, $3, nullif($4, '')) RETURNING id`, *p.PatientID, actor.UserID, *p.Notes, diagnosis).Scan(&id)
			if err != nil {
				return fmt.Errorf("start encounter: %w", err)
			}
		}
		var err error
		out, err = s.load(ctx, tx, id)
		return err
	})
	return out, err
}

// visitEncounter returns the encounter of a checked-in (or in-progress) appointment, creating
// it (empty notes, the appointment's doctor) when there is none yet, and moves a checked-in
// appointment to in_progress when byDoctor is not zero. The appointment row is locked first,
// so a nurse and a doctor opening the same visit meet in one encounter.
func visitEncounter(ctx context.Context, tx pgx.Tx, appointmentID, byDoctor int64) (Encounter, bool, error) {
	var patientID, doctorID int64
	var status string
	err := tx.QueryRow(ctx, `SELECT patient_id, doctor_id, status FROM core_appointment WHERE id = $1 FOR UPDATE`, appointmentID).
		Scan(&patientID, &doctorID, &status)
	if errors.Is(err, pgx.ErrNoRows) {
		return Encounter{}, false, apperr.ErrNotFound
	}
	if err != nil {
		return Encounter{}, false, fmt.Errorf("visit: %w", err)
	}
	enc, err := scanEncounter(tx.QueryRow(ctx, selectEncounter+` WHERE e.appointment_id = $1 FOR UPDATE OF e`, appointmentID))
	created := false
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		if status != appointments.StatusCheckedIn && status != appointments.StatusInProgress {
			return Encounter{}, false, apperr.Errorf(apperr.ErrConflict,
				"The appointment is %s; check the patient in first.", strings.ReplaceAll(status, "_", " ")).WithCode("not-checked-in")
		}
		var id int64
		if err := tx.QueryRow(ctx, `INSERT INTO core_encounter (patient_id, appointment_id, doctor_id, notes)
			VALUES ($1, $2, $3, '') RETURNING id`, patientID, appointmentID, doctorID).Scan(&id); err != nil {
			return Encounter{}, false, fmt.Errorf("open encounter: %w", err)
		}
		if enc, err = scanEncounter(tx.QueryRow(ctx, selectEncounter+` WHERE e.id = $1`, id)); err != nil {
			return Encounter{}, false, err
		}
		created = true
	case err != nil:
		return Encounter{}, false, fmt.Errorf("visit: %w", err)
	}
	if byDoctor != 0 && status == appointments.StatusCheckedIn && enc.Status == StatusOpen {
		if _, err := tx.Exec(ctx, `UPDATE core_appointment SET status = 'in_progress' WHERE id = $1`, appointmentID); err != nil {
			return Encounter{}, false, fmt.Errorf("appointment in progress: %w", err)
		}
	}
	return enc, created, nil
}

// OpenVisit returns the encounter of a checked-in appointment, opening it if needed: a nurse
// does it to record vitals before the doctor (the appointment stays checked in), a doctor when
// taking the patient from the queue (the appointment moves to in_progress). created says
// whether it is new.
func (s *Service) OpenVisit(ctx context.Context, actor db.Actor, appointmentID int64, asDoctor bool) (out Encounter, created bool, err error) {
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		by := int64(0)
		if asDoctor {
			by = actor.UserID
		}
		enc, c, err := visitEncounter(ctx, tx, appointmentID, by)
		if err != nil {
			return err
		}
		created = c
		out, err = s.load(ctx, tx, enc.ID)
		return err
	})
	return out, created, err
}

// EncounterEdit edits an open encounter's notes or diagnosis, made on Version.
type EncounterEdit struct {
	Version   int64   `json:"version"`
	Notes     *string `json:"notes,omitempty"`
	Diagnosis *string `json:"diagnosis,omitempty"`
}

// LimitsFrom says an edit's texts have the limits of StartEncounter's (see validate.Borrower).
func (EncounterEdit) LimitsFrom() any { return StartEncounter{} }

// Validate reports every bad field at once: the version, the texts' limits, and notes that
// are not emptied.
func (p EncounterEdit) Validate() error {
	f := validate.Struct(p)
	apperr.CheckVersion(&f, p.Version)
	if p.Notes != nil && *p.Notes == "" {
		f.Add("notes", apperr.CodeRequired, "The notes cannot be emptied.")
	}
	return f.Err()
}

// Update edits an open encounter. Only its doctor may (a doctor may take over a visit nobody
// has written yet); a closed encounter is a conflict; so is a stale version.
func (s *Service) Update(ctx context.Context, actor db.Actor, id int64, p EncounterEdit) (Encounter, error) {
	validate.Trim(p.Notes, p.Diagnosis)
	if err := p.Validate(); err != nil {
		return Encounter{}, err
	}
	return s.write(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, cur Encounter) error {
		notes, diagnosis := cur.Notes, cur.Diagnosis
		if p.Notes != nil {
			notes = *p.Notes
		}
		if p.Diagnosis != nil {
			diagnosis = *p.Diagnosis
		}
		if _, err := tx.Exec(ctx, `UPDATE core_encounter SET doctor_id = $2, notes = $3, diagnosis = nullif($4, '') WHERE id = $1`,
			id, actor.UserID, notes, diagnosis); err != nil {
			return fmt.Errorf("edit encounter: %w", err)
		}
		if cur.AppointmentID != nil {
			if _, err := tx.Exec(ctx, `UPDATE core_appointment SET status = 'in_progress' WHERE id = $1 AND status = 'checked_in'`, *cur.AppointmentID); err != nil {
				return fmt.Errorf("appointment in progress: %w", err)
			}
		}
		return nil
	}, nil)
}

// write runs change on open encounter id, locked for the actor's change made on version
// (openForWrite), reads the encounter back and hands it to after (when given), all in one
// transaction (db.Edit); it returns the encounter as changed.
func (s *Service) write(ctx context.Context, actor db.Actor, id, version int64, change func(context.Context, pgx.Tx, Encounter) error,
	after func(context.Context, pgx.Tx, Encounter) error) (Encounter, error) {
	return db.Edit(ctx, s.db, actor,
		func(ctx context.Context, tx pgx.Tx) (Encounter, error) {
			return openForWrite(ctx, tx, id, version, actor.UserID)
		},
		change,
		func(ctx context.Context, tx pgx.Tx) (Encounter, error) {
			out, err := s.load(ctx, tx, id)
			if err != nil || after == nil {
				return out, err
			}
			return out, after(ctx, tx, out)
		})
}

// openForWrite locks encounter id for a change made by user on version: it must be open, at
// that version, and the user's to write (see mayWrite).
func openForWrite(ctx context.Context, tx pgx.Tx, id, version, user int64) (Encounter, error) {
	cur, err := getForUpdate(ctx, tx, id)
	switch {
	case err != nil:
		return cur, err
	case cur.Status == StatusClosed:
		return cur, closedError()
	case cur.Version != version:
		return cur, apperr.Stale("encounter")
	}
	return cur, mayWrite(cur, user)
}

// mayWrite says whether user may write encounter e: its doctor, or anyone with the permission
// while nobody has written it (the triage opened it under the booked doctor's name).
func mayWrite(e Encounter, user int64) error {
	if e.DoctorID == user || e.Notes == "" {
		return nil
	}
	return apperr.New(apperr.ErrForbidden, "Only the encounter's doctor can change it.").WithCode("not-your-encounter")
}

// CloseEncounter closes an encounter made on Version.
type CloseEncounter struct {
	Version int64 `json:"version"`
}

// Validate reports a missing version; the notes are checked on the record (Close).
func (p CloseEncounter) Validate() error {
	return validate.CheckEdit(p, p.Version)
}

// Close seals an encounter: it needs notes; its appointment becomes completed; the OnClose
// hooks (the consultation fee) run in the same transaction.
func (s *Service) Close(ctx context.Context, actor db.Actor, id int64, p CloseEncounter) (Encounter, error) {
	if err := p.Validate(); err != nil {
		return Encounter{}, err
	}
	return s.write(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, cur Encounter) error {
		if strings.TrimSpace(cur.Notes) == "" {
			return apperr.Invalid(apperr.FieldError{Field: "notes", Code: apperr.CodeRequired, Message: "Write the consultation notes before closing."})
		}
		if _, err := tx.Exec(ctx, `UPDATE core_encounter SET status = 'closed', closed_at = now(), doctor_id = $2 WHERE id = $1`, id, actor.UserID); err != nil {
			return fmt.Errorf("close encounter: %w", err)
		}
		if cur.AppointmentID != nil {
			// checked_in -> in_progress -> completed: the legal path, in one step.
			if _, err := tx.Exec(ctx, `UPDATE core_appointment SET status = 'completed'
				WHERE id = $1 AND status IN ('checked_in', 'in_progress')`, *cur.AppointmentID); err != nil {
				return fmt.Errorf("complete appointment: %w", err)
			}
		}
		return nil
	}, func(ctx context.Context, tx pgx.Tx, out Encounter) error {
		if err := s.OnClose.Run(ctx, tx, out); err != nil {
			return err
		}
		return handover.EncounterClosed(ctx, tx, id)
	})
}

// AddendumParams is a note added to a closed encounter.
type AddendumParams struct {
	Text string `json:"text" validate:"max=20000"`
}

// Validate reports an empty or too long addendum.
func (p AddendumParams) Validate() error {
	f := validate.Struct(p)
	if p.Text == "" {
		f.Add("text", apperr.CodeRequired, "Write the addendum.")
	}
	return f.Err()
}

// AddAddendum adds a dated note signed by the actor to a closed encounter (an open one is
// edited instead). The original notes never change.
func (s *Service) AddAddendum(ctx context.Context, actor db.Actor, id int64, p AddendumParams) (Encounter, error) {
	p.Text = strings.TrimSpace(p.Text)
	text := p.Text
	if err := p.Validate(); err != nil {
		return Encounter{}, err
	}
	var out Encounter
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := getForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Status != StatusClosed {
			return apperr.New(apperr.ErrConflict, "The encounter is still open: edit its notes instead of adding an addendum.").WithCode("encounter-open")
		}
		if _, err := tx.Exec(ctx, `INSERT INTO core_encounteraddendum (encounter_id, author_id, text) VALUES ($1, $2, $3)`,
			id, actor.UserID, text); err != nil {
			return fmt.Errorf("addendum: %w", err)
		}
		out, err = s.load(ctx, tx, id)
		return err
	})
	return out, err
}

// load reads an encounter with its addenda.
func (s *Service) load(ctx context.Context, q db.Querier, id int64) (Encounter, error) {
	e, err := scanEncounter(q.QueryRow(ctx, selectEncounter+` WHERE e.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return e, apperr.ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("encounter: %w", err)
	}
	e.Addenda, err = db.QueryAll(ctx, q, func(r pgx.CollectableRow) (Addendum, error) {
		var a Addendum
		err := r.Scan(&a.ID, &a.AuthorID, &a.AuthorName, &a.Text, &a.CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	}, `
		SELECT a.id, a.author_id, trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), a.text, a.created_at
		  FROM core_encounteraddendum a JOIN auth_user u ON u.id = a.author_id
		 WHERE a.encounter_id = $1 ORDER BY a.created_at, a.id`, id)
	if err != nil {
		return e, fmt.Errorf("addenda: %w", err)
	}
	return e, nil
}

// Get returns an encounter; reading it is recorded in the audit log (it is the patient's chart).
func (s *Service) Get(ctx context.Context, actor db.Actor, id int64) (Encounter, error) {
	var out Encounter
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if out, err = s.load(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_encounter", ObjectID: id})
	})
	return out, err
}

// EncounterFilter selects encounters.
type EncounterFilter struct {
	PatientID     int64
	DoctorID      int64
	AppointmentID int64
	Status        string
	Limit         int
	Cursor        string
}

// EncounterPage is a page of encounters, newest first.
type EncounterPage = db.Page[Encounter]

// List returns encounters newest first, a page at a time. It needs a patient, a doctor or an
// appointment: nobody lists every encounter of the clinic at once.
func (s *Service) List(ctx context.Context, f EncounterFilter) (EncounterPage, error) {
	limit, err := db.PageLimit(f.Limit)
	if err != nil {
		return EncounterPage{}, err
	}
	var fe apperr.Fields
	after := db.CheckCursor(&fe, f.Cursor)
	if f.PatientID == 0 && f.DoctorID == 0 && f.AppointmentID == 0 {
		fe.Add("patient_id", apperr.CodeRequired, "Give a patient_id, doctor_id or appointment_id.")
	}
	if f.Status != "" && f.Status != StatusOpen && f.Status != StatusClosed {
		fe.Add("status", apperr.CodeInvalid, "Status is open or closed.")
	}
	if err := fe.Err(); err != nil {
		return EncounterPage{}, err
	}
	var w db.Where
	w.Filter("e.patient_id = $?", f.PatientID)
	w.Filter("e.doctor_id = $?", f.DoctorID)
	w.Filter("e.appointment_id = $?", f.AppointmentID)
	w.Filter("e.status = $?", f.Status)
	w.Filter("e.id < $?", after)
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (Encounter, error) { return scanEncounter(r) },
		func(e Encounter) string { return db.EncodeCursor(e.ID) },
		selectEncounter+w.SQL()+" ORDER BY e.id DESC LIMIT "+w.Arg(limit+1), w.Args()...)
	if err != nil {
		return page, fmt.Errorf("list encounters: %w", err)
	}
	return page, nil
}
