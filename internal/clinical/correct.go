package clinical

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/validate"
)

// CorrectParams discontinues a prescription with a reason and prescribes the corrected one
// (the prescription's fields, as for Prescribe).
type CorrectParams struct {
	Reason string `json:"reason" validate:"max=1000" doc:"Why the prescription is discontinued and corrected."`
	PrescribeParams
}

// Validate reports every bad field at once: the reason (required) and the corrected
// prescription's fields.
func (p *CorrectParams) Validate() error {
	p.Reason = strings.TrimSpace(p.Reason)
	p.PrescribeParams.normalize()
	f := p.PrescribeParams.fields()
	validate.Text(&f, "reason", p.Reason, true, 1000)
	return f.Err()
}

// Correction is a discontinued prescription and the corrected one that replaces it.
type Correction struct {
	Discontinued Prescription `json:"discontinued"`
	Corrected    Prescription `json:"corrected"`
}

// Correct discontinues a prescription and prescribes the corrected one in one act, on an
// open encounter or on a closed one: a closed encounter's notes never change, but a wrong
// prescription found after the consultation (the pharmacist sent it back, the patient
// returned with a rash) must not need a new encounter. It is the encounter's doctor's act, like
// its addenda; the corrected prescription goes through the allergy check (409 allergy-warning
// unless confirmed with a reason, and then nothing is changed) and joins the dispensing queue;
// the discontinued one leaves it. On a closed encounter an addendum signed by the doctor
// records the correction in the encounter's record; the prescription rows and the addendum
// are audited by their triggers.
func (s *Service) Correct(ctx context.Context, actor db.Actor, id int64, in CorrectParams) (Correction, error) {
	if err := in.Validate(); err != nil {
		return Correction{}, err
	}
	var out Correction
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		old, _, _, err := rxForUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if old.Status == RxDiscontinued {
			return apperr.New(apperr.ErrConflict, "This prescription is already discontinued: prescribe the corrected one on its own.").WithCode("prescription-discontinued")
		}
		enc, err := getForUpdate(ctx, tx, old.EncounterID)
		if err != nil {
			return err
		}
		if enc.DoctorID != actor.UserID {
			return apperr.New(apperr.ErrForbidden, "Only the encounter's doctor can correct its prescriptions.").WithCode("not-your-encounter")
		}
		if err := markDiscontinued(ctx, tx, id, actor.UserID, in.Reason); err != nil {
			return err
		}
		if out.Corrected, err = insertPrescription(ctx, tx, enc, in.PrescribeParams); err != nil {
			return err
		}
		if enc.Status == StatusClosed {
			c := out.Corrected
			text := i18n.LangOf(ctx).T("addendum.rx_corrected", "old", old.MedicationName, "id", old.ID, "reason", in.Reason,
				"medication", c.MedicationName, "dosage", c.Dosage, "frequency", c.Frequency, "quantity", c.Quantity, "new", c.ID)
			if _, err := tx.Exec(ctx, `INSERT INTO core_encounteraddendum (encounter_id, author_id, text) VALUES ($1, $2, $3)`,
				enc.ID, actor.UserID, text); err != nil {
				return fmt.Errorf("addendum: %w", err)
			}
		}
		out.Discontinued, err = scanPrescription(tx.QueryRow(ctx, selectPrescription+` WHERE pr.id = $1`, id))
		return err
	})
	return out, err
}
