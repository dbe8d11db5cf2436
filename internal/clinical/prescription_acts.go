package clinical

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
	"chelal/internal/validate"
)

// loadCatalog reads every catalog medication with its category, for the allergy check of free
// text (a small clinic's catalog: hundreds of rows, read only when the patient has allergies).
func loadCatalog(ctx context.Context, tx pgx.Tx) ([]CatalogMedication, error) {
	out, err := db.QueryAll(ctx, tx, pgx.RowToStructByPos[CatalogMedication], `SELECT m.id, m.name, c.name, coalesce(m.generic_name, '') FROM core_medicationitem m
		JOIN core_medicationcategory c ON c.id = m.category_id ORDER BY m.id`)
	if err != nil {

		return nil, fmt.Errorf("catalog: %w", err)
	}
	return out, nil
}

// rxForUpdate locks a prescription and reads it with its encounter's patient allergies and
// doctor. An unknown prescription is apperr.ErrNotFound.
func rxForUpdate(ctx context.Context, tx pgx.Tx, id int64) (Prescription, string, int64, error) {
	var allergies string
	var doctor int64
	if err := tx.QueryRow(ctx, `
		SELECT coalesce(pt.known_allergies, ''), e.doctor_id
		  FROM core_prescription pr JOIN core_encounter e ON e.id = pr.encounter_id JOIN core_patient pt ON pt.id = e.patient_id
		 WHERE pr.id = $1 FOR UPDATE OF pr`, id).Scan(&allergies, &doctor); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			return Prescription{}, "", 0, apperr.ErrNotFound
		}
		return Prescription{}, "", 0, fmt.Errorf("lock prescription: %w", err)
	}
	p, err := scanPrescription(tx.QueryRow(ctx, selectPrescription+` WHERE pr.id = $1`, id))
	if err != nil {
		return p, "", 0, fmt.Errorf("prescription: %w", err)
	}
	return p, allergies, doctor, nil
}

// lockedRx is a prescription an act holds locked, with its patient's allergies and its
// encounter's doctor (rxForUpdate).
type lockedRx struct {
	p         Prescription
	allergies string
	doctor    int64
}

// act runs do on prescription id, locked (rxForUpdate), then reads the prescription back and
// hands it to after (when given), all in one transaction; it returns the prescription as
// changed.
func (s *Service) act(ctx context.Context, actor db.Actor, id int64, do func(context.Context, pgx.Tx, lockedRx) error,
	after func(context.Context, pgx.Tx, Prescription, lockedRx) error) (Prescription, error) {
	var out Prescription
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var cur lockedRx
		var err error
		if cur.p, cur.allergies, cur.doctor, err = rxForUpdate(ctx, tx, id); err != nil {
			return err
		}
		if err := do(ctx, tx, cur); err != nil {
			return err
		}
		if out, err = scanPrescription(tx.QueryRow(ctx, selectPrescription+` WHERE pr.id = $1`, id)); err != nil || after == nil {
			return err
		}
		return after(ctx, tx, out, cur)
	})
	return out, err
}

// markDiscontinued discontinues prescription id, by user, for reason.
func markDiscontinued(ctx context.Context, tx pgx.Tx, id, user int64, reason string) error {
	if _, err := tx.Exec(ctx, `UPDATE core_prescription SET discontinued_at = now(), discontinued_by = nullif($2, 0),
		discontinue_reason = $3 WHERE id = $1`, id, user, reason); err != nil {
		return fmt.Errorf("discontinue: %w", err)
	}
	return nil
}

// notActive refuses an act on a prescription that was discontinued or sent back.
func notActive(p Prescription) error {
	switch p.Status {
	case RxDiscontinued:
		return apperr.New(apperr.ErrConflict, "This prescription was discontinued: "+p.DiscontinueReason).WithCode("prescription-discontinued")
	case RxReturned:
		return apperr.New(apperr.ErrConflict, "This prescription was sent back to the prescriber: "+p.ReturnReason).WithCode("prescription-returned")
	}
	return nil
}

// ReasonParams is an act on a prescription that needs a reason (discontinue, send back).
type ReasonParams struct {
	Reason string `json:"reason" validate:"max=1000"`
}

// Validate trims the reason and requires it.
func (p *ReasonParams) Validate() error {
	p.Reason = strings.TrimSpace(p.Reason)
	f := validate.Struct(p)
	if p.Reason == "" {
		f.Add("reason", apperr.CodeRequired, "Give the reason.")
	}
	return f.Err()
}

// Discontinue stops a prescription, with a reason: it leaves the dispensing queue and what is
// not yet dispensed never will be. It is an act of its own, allowed after the encounter is
// closed (like an addendum), by any prescriber (stopping a treatment is never less safe), and
// audited by the prescription's trigger. A corrected prescription is a new one.
func (s *Service) Discontinue(ctx context.Context, actor db.Actor, id int64, in ReasonParams) (Prescription, error) {
	if err := in.Validate(); err != nil {
		return Prescription{}, err
	}
	return s.act(ctx, actor, id, func(ctx context.Context, tx pgx.Tx, cur lockedRx) error {
		if cur.p.Status == RxDiscontinued {
			return apperr.New(apperr.ErrConflict, "This prescription is already discontinued.").WithCode("prescription-discontinued")
		}
		return markDiscontinued(ctx, tx, id, actor.UserID, in.Reason)
	}, nil)
}

// ReturnToPrescriber is the pharmacist sending a prescription back (unclear, not stocked,
// wrong): with a reason, it leaves the dispensing queue and the encounter's doctor is notified
// to discontinue it and prescribe a corrected one.
func (s *Service) ReturnToPrescriber(ctx context.Context, actor db.Actor, id int64, in ReasonParams) (Prescription, error) {
	if err := in.Validate(); err != nil {
		return Prescription{}, err
	}
	return s.act(ctx, actor, id, func(ctx context.Context, tx pgx.Tx, cur lockedRx) error {
		if err := notActive(cur.p); err != nil {
			return err
		}
		if cur.p.Status == RxDispensed {
			return apperr.New(apperr.ErrConflict, "This prescription has been dispensed in full.").WithCode("already-dispensed")
		}
		if _, err := tx.Exec(ctx, `UPDATE core_prescription SET returned_at = now(), returned_by = nullif($2, 0),
			return_reason = $3 WHERE id = $1`, id, actor.UserID, in.Reason); err != nil {
			return fmt.Errorf("return prescription: %w", err)
		}
		return nil
	}, func(ctx context.Context, tx pgx.Tx, out Prescription, cur lockedRx) error {
		var patient string
		if err := tx.QueryRow(ctx, `SELECT first_name || ' ' || last_name FROM core_patient WHERE id = $1`, out.PatientID).Scan(&patient); err != nil {
			return fmt.Errorf("patient: %w", err)
		}
		return notify.UserMsg(ctx, tx, cur.doctor, "prescription_returned", i18n.M("notify.rx_returned.title"),
			i18n.M("notify.rx_returned.text", "medication", out.MedicationName, "patient", patient, "encounter", out.EncounterID, "reason", in.Reason))
	})
}

// LinkParams links a free-text prescription to the catalog medication the pharmacist will
// hand out. When that medication matches the patient's allergies the pharmacist confirms with
// a reason, kept with the prescription beside the doctor's.
type LinkParams struct {
	MedicationID          int64  `json:"medication_id"`
	ConfirmAllergy        bool   `json:"confirm_allergy,omitempty"`
	AllergyOverrideReason string `json:"allergy_override_reason,omitempty"`
}

// LimitsFrom says a link's override reason has the limits of a prescription's (see
// validate.Borrower).
func (LinkParams) LimitsFrom() any { return PrescribeParams{} }

// Validate checks the fields all at once.
func (p *LinkParams) Validate() error {
	p.AllergyOverrideReason = strings.TrimSpace(p.AllergyOverrideReason)
	f := validate.Struct(p)
	if p.MedicationID <= 0 {
		f.Add("medication_id", apperr.CodeRequired, "Choose the catalog medication.")
	}
	if p.ConfirmAllergy && p.AllergyOverrideReason == "" {
		f.Add("allergy_override_reason", apperr.CodeRequired, "Say why you dispense it despite the allergy.")
	}
	return f.Err()
}

// Link ties a free-text prescription to a catalog medication, running the allergy check again
// on it: a match is refused (409 allergy-warning, the warnings as details) unless confirmed
// with a reason. The doctor's text stays as written; the prescription is then dispensed as the
// catalog medication.
func (s *Service) Link(ctx context.Context, actor db.Actor, id int64, in LinkParams) (Prescription, error) {
	if err := in.Validate(); err != nil {
		return Prescription{}, err
	}
	return s.act(ctx, actor, id, func(ctx context.Context, tx pgx.Tx, cur lockedRx) error {
		p, allergies := cur.p, cur.allergies
		if err := notActive(p); err != nil {
			return err
		}
		if p.MedicationID != nil {
			return apperr.New(apperr.ErrConflict, "This prescription already names a catalog medication.").WithCode("already-linked")
		}
		if p.Status == RxDispensed {
			return apperr.New(apperr.ErrConflict, "This prescription has been dispensed in full.").WithCode("already-dispensed")
		}
		var name, category, generic string
		var active bool
		err := tx.QueryRow(ctx, `SELECT m.name, c.name, m.is_active, coalesce(m.generic_name, '') FROM core_medicationitem m
			JOIN core_medicationcategory c ON c.id = m.category_id WHERE m.id = $1`, in.MedicationID).Scan(&name, &category, &active, &generic)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && !active) {
			return apperr.Invalid(apperr.FieldError{Field: "medication_id", Code: apperr.CodeInvalid, Message: "There is no such medication in the catalog."})
		}
		if err != nil {
			return fmt.Errorf("medication: %w", err)
		}
		warnings := CatalogAllergyWarningsIn(i18n.LangOf(ctx), allergies, CatalogMedication{Name: name, Category: category, GenericName: generic})
		if len(warnings) > 0 && !in.ConfirmAllergy {
			return apperr.New(apperr.ErrConflict, "This medication matches the patient's known allergies: "+warnings[0]+
				" Confirm with a reason to link it anyway.").WithCode("allergy-warning").WithKey("err.allergy.link", "warning", warnings[0]).WithDetails(AllergyDetails{Warnings: warnings})
		}
		warning, reason := p.Warnings, p.AllergyOverrideReason
		for _, w := range warnings {
			if !slices.Contains(warning, w) {
				warning = append(warning, w)
			}
		}
		if len(warnings) > 0 {
			reason = strings.TrimSpace(reason + "\n" + in.AllergyOverrideReason)
		}
		var warningText, reasonText *string
		if len(warning) > 0 {
			w := strings.Join(warning, "\n")
			warningText, reasonText = &w, &reason
		}
		if _, err := tx.Exec(ctx, `UPDATE core_prescription SET medication_id = $2, linked_at = now(), linked_by = nullif($3, 0),
			allergy_warning = $4, allergy_override_reason = $5 WHERE id = $1`,
			id, in.MedicationID, actor.UserID, warningText, reasonText); err != nil {
			return fmt.Errorf("link prescription: %w", err)
		}
		return nil
	}, nil)
}
