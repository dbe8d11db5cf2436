package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// ReturnParams is medicine a patient brings back from a dispense, and why.
type ReturnParams struct {
	Quantity int64  `json:"quantity" validate:"required,min=1,max=10000000"`
	Reason   string `json:"reason" validate:"required,max=500,text"`
}

// Validate reports every bad field at once.
func (p ReturnParams) Validate() error {
	return validate.Check(p)
}

// Return puts medicine a patient brought back on the shelf: 'return' movements into the
// batches the dispense took from (the latest expiring first; never an expired one), never more
// than was dispensed and not yet returned; the prescription's dispensed quantity goes down by
// as much. The bill is not changed: a refund is a credit the cashier adds.
func (s *Service) Return(ctx context.Context, actor db.Actor, dispenseID int64, p ReturnParams) (StockChange, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return StockChange{}, err
	}
	var out StockChange
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var prescriptionID, medicationID, dispensed int64
		err := tx.QueryRow(ctx, `SELECT prescription_id, medication_id, quantity FROM core_dispense WHERE id = $1`, dispenseID).
			Scan(&prescriptionID, &medicationID, &dispensed)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("dispense: %w", err)
		}
		// The same order of locks as a dispense: the prescription, then the medication.
		if _, err := tx.Exec(ctx, `SELECT 1 FROM core_prescription WHERE id = $1 FOR UPDATE`, prescriptionID); err != nil {
			return fmt.Errorf("lock prescription: %w", err)
		}
		d, err := s.clinicDay(ctx, tx)
		if err != nil {
			return err
		}
		if _, err := lockMedication(ctx, tx, d, medicationID); err != nil {
			return err
		}
		var returned int64
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(quantity_change), 0) FROM core_stockmovement
			 WHERE dispense_id = $1 AND kind = 'return'`, dispenseID).Scan(&returned); err != nil {
			return err
		}
		if p.Quantity > dispensed-returned {
			return apperr.Invalid(apperr.FieldError{Field: "quantity", Code: apperr.CodeOutOfRange,
				Message: fmt.Sprintf("At most %d can come back from this dispense (%d dispensed, %d returned).", dispensed-returned, dispensed, returned)})
		}
		ids, need, err := spread(ctx, tx, actor, medicationID, dispenseID, KindReturn, p.Quantity, p.Reason, `
			SELECT b.id, -sum(m.quantity_change)::bigint
			  FROM core_stockmovement m JOIN core_stockbatch b ON b.id = m.batch_id
			 WHERE m.dispense_id = $1 AND m.kind = 'dispense' AND b.expiry_date >= $2::date
			 GROUP BY b.id, b.expiry_date ORDER BY b.expiry_date DESC, b.id DESC`, dispenseID, d.todayText())
		if err != nil {
			return err
		}
		if need != 0 {
			return apperr.New(apperr.ErrConflict, "The batches this medicine came from have expired: it cannot go back on the shelf. Dispose of it and record nothing here.").WithCode("batch-expired")
		}
		if _, err := tx.Exec(ctx, `UPDATE core_prescription SET dispensed_quantity = dispensed_quantity - $2 WHERE id = $1`,
			prescriptionID, p.Quantity); err != nil {
			return fmt.Errorf("update prescription: %w", err)
		}
		return s.finish(ctx, tx, d, medicationID, nil, ids, &out)
	})
	return out, err
}
