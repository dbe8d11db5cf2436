package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// DispenseParams dispenses a prescription, fully or in part. MedicationID may be left out; when
// given it must be the prescription's. A free-text prescription is linked to the catalog first
// (clinical.Service.Link, which runs the allergy check again).
type DispenseParams struct {
	MedicationID int64 `json:"medication_id,omitempty"`
	Quantity     int64 `json:"quantity" validate:"required,min=1,max=10000000"`
}

// Validate reports every bad field at once.
func (p DispenseParams) Validate() error {
	f := validate.Struct(p)
	if p.MedicationID < 0 {
		f.Add("medication_id", apperr.CodeInvalid, "Choose a medication.")
	}
	return f.Err()
}

// DispensedBatch is what one dispense took from one batch.
type DispensedBatch struct {
	BatchID     int64  `json:"batch_id"`
	BatchNumber string `json:"batch_number"`
	ExpiryDate  string `json:"expiry_date"`
	Quantity    int64  `json:"quantity"`
	MovementID  int64  `json:"movement_id"`
}

// Dispense is one dispense of a prescription.
type Dispense struct {
	ID                 int64            `json:"id"`
	PrescriptionID     int64            `json:"prescription_id"`
	PatientID          int64            `json:"patient_id"`
	MedicationID       int64            `json:"medication_id"`
	MedicationName     string           `json:"medication_name"`
	Quantity           int64            `json:"quantity"`
	DispensedTotal     int64            `json:"dispensed_total" doc:"The prescription's dispensed quantity once this dispense was applied."`
	PrescribedQuantity int64            `json:"prescribed_quantity"`
	FullyDispensed     bool             `json:"fully_dispensed"`
	UnitPrice          string           `json:"unit_price" doc:"Money: the price per unit when dispensed."`
	DispensedBy        *int64           `json:"dispensed_by"`
	DispensedAt        time.Time        `json:"dispensed_at"`
	Batches            []DispensedBatch `json:"batches"`
}

// errReplay says another transaction committed a dispense with the same idempotency key.
var errReplay = errors.New("idempotency key already used")

// Dispense hands out quantity units of a prescription's medication: first expiring batch
// first, never an expired one. The batches, the ledger, the prescription's dispensed
// quantity and OnDispense's writes commit together. Not enough stock is a conflict
// (insufficient-stock, with the available quantity in the details); more than the
// prescription still allows is invalid. A request retried with the same idempotency key
// returns the first answer and changes nothing.
func (s *Service) Dispense(ctx context.Context, actor db.Actor, prescriptionID int64, key string, p DispenseParams) (Dispense, error) {
	if err := p.Validate(); err != nil {
		return Dispense{}, err
	}
	var out Dispense
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var (
			rxMedication         *int64
			prescribed, done     int64
			patientID            int64
			medicationNameOnForm string
			discontinued         *string
			returned             *string
			stale                bool
		)
		// The prescription is locked first: two dispenses of one prescription (or one retried
		// request) queue here.
		err := tx.QueryRow(ctx, `
			SELECT p.medication_id, p.quantity, p.dispensed_quantity, e.patient_id, p.medication_name,
			       CASE WHEN p.discontinued_at IS NOT NULL THEN coalesce(p.discontinue_reason, '') END,
			       CASE WHEN p.returned_at IS NOT NULL THEN coalesce(p.return_reason, '') END,
			       p.created_at < now() - make_interval(days => $2)
			  FROM core_prescription p JOIN core_encounter e ON e.id = p.encounter_id
			 WHERE p.id = $1 FOR UPDATE OF p`, prescriptionID, StaleAfterDays).Scan(&rxMedication, &prescribed, &done, &patientID,
			&medicationNameOnForm, &discontinued, &returned, &stale)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("lock prescription: %w", err)
		}
		if key != "" {
			prev, err := dispenseByKey(ctx, tx, key)
			if err == nil {
				out = prev
				return sameRequest(prev, prescriptionID, p)
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		switch {
		case discontinued != nil:
			return apperr.New(apperr.ErrConflict, "This prescription was discontinued by the prescriber ("+*discontinued+
				"); what was not dispensed must not be.").WithCode("prescription-discontinued")
		case returned != nil:
			return apperr.New(apperr.ErrConflict, "This prescription was sent back to the prescriber ("+*returned+
				"); wait for a corrected one.").WithCode("prescription-returned")
		case done < prescribed && stale:
			return apperr.New(apperr.ErrConflict, fmt.Sprintf("This prescription is more than %d days old and has expired; "+
				"ask the prescriber for a new one.", StaleAfterDays)).WithCode("prescription-expired")
		}
		medicationID := p.MedicationID
		switch {
		case rxMedication == nil:
			// Linking checks the catalog medication against the patient's allergies; a dispense
			// naming one here would skip that check.
			return apperr.Invalid(apperr.FieldError{Field: "medication_id", Code: apperr.CodeRequired,
				Message: fmt.Sprintf("This prescription names %q in free text: link it to the catalog medication to hand out first (the allergy check runs on the link).", medicationNameOnForm)})
		case rxMedication != nil && medicationID == 0:
			medicationID = *rxMedication
		case rxMedication != nil && medicationID != *rxMedication:
			return apperr.Invalid(apperr.FieldError{Field: "medication_id", Code: apperr.CodeInvalid,
				Message: "This prescription is for another medication; ask the prescriber to change it."})
		}
		remaining := prescribed - done
		if remaining == 0 {
			return apperr.New(apperr.ErrConflict, "This prescription has been dispensed in full.").WithCode("already-dispensed")
		}
		if p.Quantity > remaining {
			return apperr.Invalid(apperr.FieldError{Field: "quantity", Code: apperr.CodeOutOfRange,
				Message: fmt.Sprintf("At most %d remain to dispense on this prescription (%d prescribed, %d dispensed).", remaining, prescribed, done)})
		}
		d, err := s.clinicDay(ctx, tx)
		if err != nil {
			return err
		}
		m, err := lockMedication(ctx, tx, d, medicationID)
		if errors.Is(err, apperr.ErrNotFound) {
			return apperr.Invalid(apperr.FieldError{Field: "medication_id", Code: apperr.CodeInvalid, Message: "There is no such medication."})
		}
		if err != nil {
			return err
		}
		if m.available < p.Quantity {
			return insufficient(m.available, p.Quantity, whatInDate)
		}
		var dispenseID int64
		err = tx.QueryRow(ctx, `
			INSERT INTO core_dispense (prescription_id, medication_id, quantity, dispensed_total, unit_price, idempotency_key, dispensed_by)
			VALUES ($1, $2, $3, $4, $5::numeric, nullif($6, ''), $7) RETURNING id`,
			prescriptionID, medicationID, p.Quantity, done+p.Quantity, m.unitPrice, key, actorID(actor)).Scan(&dispenseID)
		if err != nil {
			if db.IsUnique(err) {
				return errReplay
			}
			return fmt.Errorf("insert dispense: %w", err)
		}
		// First expiring first, in date only.
		movements, need, err := spread(ctx, tx, actor, medicationID, dispenseID, KindDispense, -p.Quantity, "", `
			SELECT id, quantity_left FROM core_stockbatch
			 WHERE medication_id = $1 AND quantity_left > 0 AND expiry_date >= $2::date
			 ORDER BY expiry_date, id FOR UPDATE`, medicationID, d.todayText())
		if err != nil {
			return err
		}
		if need != 0 {
			return insufficient(p.Quantity-need, p.Quantity, whatInDate)
		}
		if _, err := tx.Exec(ctx, `UPDATE core_prescription SET dispensed_quantity = dispensed_quantity + $2 WHERE id = $1`,
			prescriptionID, p.Quantity); err != nil {
			return fmt.Errorf("update prescription: %w", err)
		}
		if err := notifyLow(ctx, tx, m, m.available-p.Quantity, true); err != nil {
			return err
		}
		if err := s.OnDispense.Run(ctx, tx, Dispensed{DispenseID: dispenseID, PatientID: patientID, PrescriptionID: prescriptionID,
			MovementIDs: movements, MedicationID: medicationID, MedicationName: m.name, Quantity: p.Quantity, UnitPrice: m.unitPrice}); err != nil {
			return err
		}
		out, err = dispenseByID(ctx, tx, dispenseID)
		return err
	})
	if errors.Is(err, errReplay) {
		// A concurrent request with the same key committed first: answer with its dispense.
		if err := s.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
			prev, err := dispenseByKey(ctx, tx, key)
			if err != nil {
				return err
			}
			out = prev
			return sameRequest(prev, prescriptionID, p)
		}); err != nil {
			return Dispense{}, err
		}
		return out, nil
	}
	return out, err
}

// sameRequest refuses an idempotency key reused for a different dispense.
func sameRequest(prev Dispense, prescriptionID int64, p DispenseParams) error {
	if prev.PrescriptionID != prescriptionID || prev.Quantity != p.Quantity || (p.MedicationID != 0 && p.MedicationID != prev.MedicationID) {
		return apperr.New(apperr.ErrConflict, "This Idempotency-Key was used for another dispense; send a new key for a new request.").WithCode("idempotency-key-reused")
	}
	return nil
}

const selectDispense = `
	SELECT d.id, d.prescription_id, e.patient_id, d.medication_id, m.name, d.quantity, d.dispensed_total, p.quantity,
	       d.unit_price::text, d.dispensed_by, d.dispensed_at
	  FROM core_dispense d
	  JOIN core_prescription p ON p.id = d.prescription_id
	  JOIN core_encounter e ON e.id = p.encounter_id
	  JOIN core_medicationitem m ON m.id = d.medication_id`

func readDispense(ctx context.Context, tx pgx.Tx, where string, arg any) (Dispense, error) {
	var d Dispense
	err := tx.QueryRow(ctx, selectDispense+where, arg).Scan(&d.ID, &d.PrescriptionID, &d.PatientID, &d.MedicationID, &d.MedicationName,
		&d.Quantity, &d.DispensedTotal, &d.PrescribedQuantity, &d.UnitPrice, &d.DispensedBy, &d.DispensedAt)
	if err != nil {
		return d, err
	}
	d.DispensedAt = d.DispensedAt.UTC()
	d.FullyDispensed = d.DispensedTotal == d.PrescribedQuantity
	if d.Batches, err = db.QueryAll(ctx, tx, pgx.RowToStructByPos[DispensedBatch], `
		SELECT v.batch_id, b.batch_number, b.expiry_date::text, -v.quantity_change, v.id
		  FROM core_stockmovement v JOIN core_stockbatch b ON b.id = v.batch_id
		 WHERE v.dispense_id = $1 ORDER BY v.id`, d.ID); err != nil {
		return d, fmt.Errorf("dispensed batches: %w", err)
	}
	return d, nil
}

func dispenseByID(ctx context.Context, tx pgx.Tx, id int64) (Dispense, error) {
	return readDispense(ctx, tx, ` WHERE d.id = $1`, id)
}

func dispenseByKey(ctx context.Context, tx pgx.Tx, key string) (Dispense, error) {
	return readDispense(ctx, tx, ` WHERE d.idempotency_key = $1`, key)
}
