package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
	"chelal/internal/validate"
)

// Batch is one delivery of a medication.
type Batch struct {
	ID               int64     `json:"id"`
	MedicationID     int64     `json:"medication_id"`
	BatchNumber      string    `json:"batch_number"`
	ExpiryDate       string    `json:"expiry_date"`
	QuantityReceived int64     `json:"quantity_received"`
	QuantityLeft     int64     `json:"quantity_left"`
	UnitCost         string    `json:"unit_cost" doc:"Money: a decimal string with two decimals."`
	ReceivedBy       *int64    `json:"received_by"`
	ReceivedByName   string    `json:"received_by_name"`
	ReceivedAt       time.Time `json:"received_at"`
	Expired          bool      `json:"expired"`
	ExpiringSoon     bool      `json:"expiring_soon"`
	Version          int64     `json:"version"`
}

const selectBatch = `
	SELECT b.id, b.medication_id, b.batch_number, b.expiry_date::text, b.quantity_received, b.quantity_left,
	       b.unit_cost::text, b.received_by, trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')),
	       b.received_at, b.expiry_date < $1::date, b.expiry_date >= $1::date AND b.expiry_date <= $2::date, b.version
	  FROM core_stockbatch b LEFT JOIN auth_user u ON u.id = b.received_by`

func scanBatch(r pgx.Row) (Batch, error) {
	var b Batch
	err := r.Scan(&b.ID, &b.MedicationID, &b.BatchNumber, &b.ExpiryDate, &b.QuantityReceived, &b.QuantityLeft,
		&b.UnitCost, &b.ReceivedBy, &b.ReceivedByName, &b.ReceivedAt, &b.Expired, &b.ExpiringSoon, &b.Version)
	b.ReceivedAt = b.ReceivedAt.UTC()
	return b, err
}

// batchesOf lists a medication's batches with stock, and those emptied within the last year,
// first expiring first.
func batchesOf(ctx context.Context, tx pgx.Tx, d day, id int64) ([]Batch, error) {
	out, err := db.QueryAll(ctx, tx, func(r pgx.CollectableRow) (Batch, error) { return scanBatch(r) }, selectBatch+`
		 WHERE b.medication_id = $3 AND (b.quantity_left > 0 OR b.received_at > now() - interval '1 year')
		 ORDER BY b.expiry_date, b.id LIMIT 500`, d.todayText(), d.warnText(), id)
	if err != nil {
		return nil, fmt.Errorf("batches: %w", err)
	}
	return out, nil
}

// Movement kinds of the ledger.
const (
	KindReceive  = "receive"
	KindDispense = "dispense"
	KindAdjust   = "adjust"
	KindExpire   = "expire"
	KindReturn   = "return"
)

// Movement is one row of a medication's stock ledger.
type Movement struct {
	ID                int64     `json:"id"`
	MedicationID      int64     `json:"medication_id"`
	BatchID           int64     `json:"batch_id"`
	BatchNumber       string    `json:"batch_number"`
	Kind              string    `json:"kind" enum:"receive,dispense,adjust,expire,return"`
	QuantityChange    int64     `json:"quantity_change"`
	BalanceAfter      int64     `json:"balance_after"`
	BatchBalanceAfter int64     `json:"batch_balance_after"`
	Reason            string    `json:"reason"`
	DispenseID        *int64    `json:"dispense_id"`
	PrescriptionID    *int64    `json:"prescription_id"`
	PatientID         *int64    `json:"patient_id" doc:"The patient a dispense (or its return) went to; null for other movements."`
	PatientName       *string   `json:"patient_name" doc:"That patient's name."`
	PatientUniqueID   *string   `json:"patient_unique_id" doc:"That patient's record number."`
	CreatedBy         *int64    `json:"created_by"`
	CreatedByName     string    `json:"created_by_name"`
	CreatedAt         time.Time `json:"created_at"`
}

const selectMovement = `
	SELECT v.id, v.medication_id, v.batch_id, b.batch_number, v.kind, v.quantity_change, v.balance_after,
	       v.batch_balance_after, coalesce(v.reason, ''), v.dispense_id, d.prescription_id,
	       pt.id, pt.first_name || ' ' || pt.last_name, pt.unique_id, v.created_by,
	       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), v.created_at
	  FROM core_stockmovement v
	  JOIN core_stockbatch b ON b.id = v.batch_id
	  LEFT JOIN core_dispense d ON d.id = v.dispense_id
	  LEFT JOIN core_prescription rx ON rx.id = d.prescription_id
	  LEFT JOIN core_encounter e ON e.id = rx.encounter_id
	  LEFT JOIN core_patient pt ON pt.id = e.patient_id
	  LEFT JOIN auth_user u ON u.id = v.created_by`

func scanMovement(r pgx.Row) (Movement, error) {
	var m Movement
	err := r.Scan(&m.ID, &m.MedicationID, &m.BatchID, &m.BatchNumber, &m.Kind, &m.QuantityChange, &m.BalanceAfter,
		&m.BatchBalanceAfter, &m.Reason, &m.DispenseID, &m.PrescriptionID, &m.PatientID, &m.PatientName, &m.PatientUniqueID, &m.CreatedBy, &m.CreatedByName, &m.CreatedAt)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// collectMovement is scanMovement for pgx.CollectRows (db.QueryAll, db.QueryPage).
func collectMovement(r pgx.CollectableRow) (Movement, error) { return scanMovement(r) }

// MovementPage is a page of a ledger, newest first.
type MovementPage = db.Page[Movement]

// Movements is a medication's ledger, newest first; an unknown medication is not found.
func (s *Service) Movements(ctx context.Context, medicationID int64, limit int, cursor string) (MovementPage, error) {
	var f apperr.Fields
	limit = db.CheckPageLimit(&f, limit)
	before := db.CheckCursor(&f, cursor)
	if err := f.Err(); err != nil {
		return MovementPage{}, err
	}
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_medicationitem WHERE id = $1)`, medicationID).Scan(&exists); err != nil {
		return MovementPage{}, fmt.Errorf("movements: %w", err)
	}
	if !exists {
		return MovementPage{}, apperr.ErrNotFound
	}
	page, err := db.QueryPage(ctx, s.db.Pool, limit, collectMovement, func(x Movement) string { return db.EncodeCursor(x.ID) }, selectMovement+`
		 WHERE v.medication_id = $1 AND ($2 = 0 OR v.id < $2) ORDER BY v.id DESC LIMIT $3`, medicationID, before, limit+1)
	if err != nil {
		return MovementPage{}, fmt.Errorf("movements: %w", err)
	}
	return page, nil
}

// StockChange is the result of a receipt, an adjustment or a write-off: the medication as it
// now is and the ledger rows written.
type StockChange struct {
	Medication Medication `json:"medication"`
	Batch      *Batch     `json:"batch,omitempty"`
	Movements  []Movement `json:"movements"`
}

// lockedMedication is the medication row a stock change holds locked.
type lockedMedication struct {
	name         string
	reorder      int64
	available    int64
	active       bool
	unitPrice    string
	requiresRx   bool
	stockOnShelf int64
}

// lockMedication locks a medication (every stock change starts here, so changes of one
// medication happen one after the other) and reads its available stock.
func lockMedication(ctx context.Context, tx pgx.Tx, d day, id int64) (lockedMedication, error) {
	var m lockedMedication
	err := tx.QueryRow(ctx, `SELECT name, reorder_level, is_active, unit_price::text, requires_prescription, stock_quantity
		  FROM core_medicationitem WHERE id = $1 FOR UPDATE`, id).Scan(&m.name, &m.reorder, &m.active, &m.unitPrice, &m.requiresRx, &m.stockOnShelf)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, apperr.ErrNotFound
	}
	if err != nil {
		return m, fmt.Errorf("lock medication: %w", err)
	}
	err = tx.QueryRow(ctx, `SELECT coalesce(sum(quantity_left), 0) FROM core_stockbatch
		 WHERE medication_id = $1 AND quantity_left > 0 AND expiry_date >= $2::date`, id, d.todayText()).Scan(&m.available)
	if err != nil {
		return m, fmt.Errorf("available stock: %w", err)
	}
	return m, nil
}

// spread records change (out of stock: negative; back on the shelf: positive) as one movement
// per batch, over the batches query lists with how much each can give or take back, in the
// order to use them. It returns the movements and what of change found no batch (0: all of it
// was placed).
func spread(ctx context.Context, tx pgx.Tx, actor db.Actor, medicationID, dispenseID int64, kind string, change int64, reason string,
	query string, args ...any) (movements []int64, need int64, err error) {
	type batch struct{ id, room int64 }
	batches, err := db.QueryAll(ctx, tx, func(r pgx.CollectableRow) (batch, error) {
		var b batch
		err := r.Scan(&b.id, &b.room)
		return b, err
	}, query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("batches: %w", err)
	}
	sign := int64(1)
	if change < 0 {
		sign = -1
	}
	need = change * sign
	for _, b := range batches {
		if need == 0 {
			break
		}
		n := min(need, b.room)
		id, err := insertMovement(ctx, tx, actor, medicationID, b.id, kind, sign*n, reason, &dispenseID)
		if err != nil {
			return nil, 0, err
		}
		movements = append(movements, id)
		need -= n
	}
	return movements, need, nil
}

// insertMovement writes one ledger row and returns its id.
func insertMovement(ctx context.Context, tx pgx.Tx, actor db.Actor, medicationID, batchID int64, kind string, change int64, reason string, dispenseID *int64) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, reason, dispense_id, created_by)
		VALUES ($1, $2, $3, $4, nullif($5, ''), $6, $7) RETURNING id`,
		medicationID, batchID, kind, change, reason, dispenseID, actorID(actor)).Scan(&id)
	if err != nil {
		if db.IsCheck(err) && strings.Contains(db.Constraint(err), "balance") {
			// The row locks make this unreachable through the service; the CHECK is the backstop.
			return 0, apperr.Wrap(apperr.ErrConflict, err, "Not enough stock.").WithCode("insufficient-stock").WithKey("err.stock.not_enough")
		}
		return 0, fmt.Errorf("write movement: %w", err)
	}
	return id, nil
}

// notifyLow tells pharmacists and administrators when a medication's available stock is left
// at or under its reorder level. A dispense (crossingOnly) notifies only when it takes the
// stock from above the level to at or under it, so that each dispense of a low medication does
// not ring the bell again. A receipt or a count (an adjustment) notifies whenever the stock it
// leaves is still at or under the level: the person who just counted or received it must learn
// that it is still not enough, even if the stock was already low before.
func notifyLow(ctx context.Context, tx pgx.Tx, m lockedMedication, after int64, crossingOnly bool) error {
	if !m.active || after > m.reorder || (crossingOnly && m.available <= m.reorder) {
		return nil
	}
	title := i18n.M("notify.low_stock.title", "name", m.name)
	msg := i18n.M("notify.low_stock.text", "name", m.name, "left", after, "reorder", m.reorder)
	for _, role := range []string{"pharmacist", "admin"} {
		if _, err := notify.RoleMsg(ctx, tx, role, "low_stock", title, msg); err != nil {
			return err
		}
	}
	return nil
}

// stockWhat is the catalog key of the stock a change lacks, for insufficient.
type stockWhat string

// The stocks a change may lack.
const (
	whatStock  stockWhat = "stock.what.stock"
	whatBatch  stockWhat = "stock.what.batch"
	whatInDate stockWhat = "stock.what.in_date"
)

// insufficient is the conflict of a change asking more than what (a stockWhat) holds, in the
// user's language through the catalog (err.stock.insufficient).
func insufficient(available, requested int64, what stockWhat) error {
	return apperr.Errorf(apperr.ErrConflict, "Not enough %s: %d available, %d requested.", i18n.EN.T(string(what)), available, requested).
		WithCode("insufficient-stock").WithDetails(map[string]int64{"available": available, "requested": requested}).
		WithKey("err.stock.insufficient", "what", i18n.M(string(what)), "available", available, "requested", requested)
}

// movementsByIDs reads ledger rows in id order.
func movementsByIDs(ctx context.Context, tx pgx.Tx, ids []int64) ([]Movement, error) {
	out, err := db.QueryAll(ctx, tx, collectMovement, selectMovement+` WHERE v.id = ANY($1) ORDER BY v.id`, ids)
	if err != nil {
		return nil, fmt.Errorf("movements: %w", err)
	}
	return out, nil
}

// ReceiveParams is a delivery of one batch.
type ReceiveParams struct {
	BatchNumber string `json:"batch_number" validate:"required,max=100,text"`
	ExpiryDate  string `json:"expiry_date" doc:"YYYY-MM-DD; not in the past."`
	Quantity    int64  `json:"quantity" validate:"required,min=1,max=10000000"`
	UnitCost    string `json:"unit_cost" validate:"money" doc:"Money: a decimal string, e.g. \"4.20\"."`
}

// Validate reports every bad field at once: the tags' limits, and an expiry date from today
// (the clinic's) to 20 years ahead.
func (p ReceiveParams) Validate(today time.Time) error {
	f := validate.Struct(p)
	switch exp, err := time.Parse(time.DateOnly, p.ExpiryDate); {
	case p.ExpiryDate == "":
		f.Add("expiry_date", apperr.CodeRequired, "Give the batch's expiry date.")
	case err != nil:
		f.Add("expiry_date", apperr.CodeInvalid, "The expiry date must be YYYY-MM-DD.")
	case exp.Before(today):
		f.Add("expiry_date", apperr.CodeOutOfRange, "This batch has already expired; do not receive it.")
	case exp.After(today.AddDate(20, 0, 0)):
		f.Add("expiry_date", apperr.CodeOutOfRange, "An expiry date is at most 20 years ahead.")
	}
	return f.Err()
}

// Receive records a delivered batch and its receive movement.
func (s *Service) Receive(ctx context.Context, actor db.Actor, medicationID int64, p ReceiveParams) (StockChange, error) {
	p.BatchNumber, p.ExpiryDate, p.UnitCost = strings.TrimSpace(p.BatchNumber), strings.TrimSpace(p.ExpiryDate), strings.TrimSpace(p.UnitCost)
	var out StockChange
	err := s.inDay(ctx, actor, func(ctx context.Context, tx pgx.Tx, d day) error {
		if err := p.Validate(d.today); err != nil {
			return err
		}
		m, err := lockMedication(ctx, tx, d, medicationID)
		if err != nil {
			return err
		}
		if !m.active {
			return apperr.New(apperr.ErrConflict, "This medication was deactivated; reactivate it before receiving stock.").WithCode("inactive").WithKey("err.stock.inactive")
		}
		var batchID int64
		err = tx.QueryRow(ctx, `
			INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost, received_by)
			VALUES ($1, $2, $3, $4, $5::numeric, $6) RETURNING id`,
			medicationID, p.BatchNumber, p.ExpiryDate, p.Quantity, p.UnitCost, actorID(actor)).Scan(&batchID)
		if err != nil {
			return fmt.Errorf("insert batch: %w", err)
		}
		mv, err := insertMovement(ctx, tx, actor, medicationID, batchID, KindReceive, p.Quantity, "", nil)
		if err != nil {
			return err
		}
		if err := s.finish(ctx, tx, d, medicationID, &batchID, []int64{mv}, &out); err != nil {
			return err
		}
		if err := notifyLow(ctx, tx, m, out.Medication.AvailableQuantity, false); err != nil {
			return err
		}
		// A batch that arrives already inside the expiry warning window is notified now, not
		// at the next hourly check (and, being recorded in core_stockalert, not again then).
		_, err = notifyExpiry(ctx, tx, d, batchID)
		return err
	})
	return out, err
}

// finish reads back the medication, batch and movements of a stock change.
func (s *Service) finish(ctx context.Context, tx pgx.Tx, d day, medicationID int64, batchID *int64, movements []int64, out *StockChange) error {
	var err error
	if out.Medication, err = s.medication(ctx, tx, d, medicationID); err != nil {
		return err
	}
	if batchID != nil {
		b, err := scanBatch(tx.QueryRow(ctx, selectBatch+` WHERE b.id = $3`, d.todayText(), d.warnText(), *batchID))
		if err != nil {
			return fmt.Errorf("read batch: %w", err)
		}
		out.Batch = &b
	}
	out.Movements, err = movementsByIDs(ctx, tx, movements)
	return err
}

// AdjustParams corrects a medication's stock (a count, breakage, a loss): QuantityChange is
// positive or negative and Reason says why. A negative change takes from BatchID, or, when
// none is given, from the batches first expiring first. A positive change names the batch
// it is found in.
type AdjustParams struct {
	QuantityChange int64  `json:"quantity_change" validate:"required,min=-10000000,max=10000000"`
	Reason         string `json:"reason" validate:"required,max=500,text"`
	BatchID        int64  `json:"batch_id,omitempty"`
}

// Validate reports every bad field at once: the tags' limits, and the batch of stock found.
func (p AdjustParams) Validate() error {
	f := validate.Struct(p)
	if p.QuantityChange > 0 && p.BatchID <= 0 {
		f.Add("batch_id", apperr.CodeRequired, "Say which batch the stock was found in (new stock is received as a batch).")
	}
	return f.Err()
}

// Adjust writes adjustment movements; the stock never goes below zero (409 insufficient-stock).
func (s *Service) Adjust(ctx context.Context, actor db.Actor, medicationID int64, p AdjustParams) (StockChange, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return StockChange{}, err
	}
	var out StockChange
	err := s.inDay(ctx, actor, func(ctx context.Context, tx pgx.Tx, d day) error {
		m, err := lockMedication(ctx, tx, d, medicationID)
		if err != nil {
			return err
		}
		type take struct{ batch, qty int64 }
		var plan []take
		var batchLeft int64
		var batchExpired bool
		if p.BatchID > 0 {
			err := tx.QueryRow(ctx, `SELECT quantity_left, expiry_date < $3::date FROM core_stockbatch WHERE id = $1 AND medication_id = $2`,
				p.BatchID, medicationID, d.todayText()).Scan(&batchLeft, &batchExpired)
			if errors.Is(err, pgx.ErrNoRows) {
				return apperr.Invalid(apperr.FieldError{Field: "batch_id", Code: apperr.CodeInvalid, Message: "This medication has no such batch."})
			}
			if err != nil {
				return err
			}
		}
		switch {
		case p.QuantityChange > 0:
			plan = []take{{p.BatchID, p.QuantityChange}}
		case p.BatchID > 0:
			if batchLeft < -p.QuantityChange {
				return insufficient(batchLeft, -p.QuantityChange, whatBatch)
			}
			plan = []take{{p.BatchID, p.QuantityChange}}
		default:
			need := -p.QuantityChange
			if m.stockOnShelf < need {
				return insufficient(m.stockOnShelf, need, whatStock)
			}
			batches, err := db.QueryAll(ctx, tx, func(r pgx.CollectableRow) (take, error) {
				var t take
				err := r.Scan(&t.batch, &t.qty)
				return t, err
			}, `SELECT id, quantity_left FROM core_stockbatch
				 WHERE medication_id = $1 AND quantity_left > 0 ORDER BY expiry_date, id FOR UPDATE`, medicationID)
			if err != nil {
				return err
			}
			for _, b := range batches {
				if need == 0 {
					break
				}
				n := min(need, b.qty)
				plan = append(plan, take{b.batch, -n})
				need -= n
			}
		}
		var ids []int64
		for _, t := range plan {
			id, err := insertMovement(ctx, tx, actor, medicationID, t.batch, KindAdjust, t.qty, p.Reason, nil)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		if err := s.finish(ctx, tx, d, medicationID, nil, ids, &out); err != nil {
			return err
		}
		return notifyLow(ctx, tx, m, out.Medication.AvailableQuantity, false)
	})
	return out, err
}

// WriteOffParams writes an expired batch off the shelf.
type WriteOffParams struct {
	Reason string `json:"reason,omitempty" validate:"max=500,text" doc:"Defaults to \"expired\"."`
}

// Validate reports every bad field at once.
func (p WriteOffParams) Validate() error {
	return validate.Check(p)
}

// WriteOff removes what is left of an expired batch with an expire movement. A batch still in
// date is a conflict (adjust it instead).
func (s *Service) WriteOff(ctx context.Context, actor db.Actor, batchID int64, p WriteOffParams) (StockChange, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return StockChange{}, err
	}
	if p.Reason == "" {
		p.Reason = "expired"
	}
	var out StockChange
	err := s.inDay(ctx, actor, func(ctx context.Context, tx pgx.Tx, d day) error {
		var medicationID int64
		if err := tx.QueryRow(ctx, `SELECT medication_id FROM core_stockbatch WHERE id = $1`, batchID).Scan(&medicationID); errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		} else if err != nil {
			return err
		}
		if _, err := lockMedication(ctx, tx, d, medicationID); err != nil {
			return err
		}
		var left int64
		var expired bool
		if err := tx.QueryRow(ctx, `SELECT quantity_left, expiry_date < $2::date FROM core_stockbatch WHERE id = $1`, batchID, d.todayText()).Scan(&left, &expired); err != nil {
			return err
		}
		if !expired {
			return apperr.New(apperr.ErrConflict, "This batch has not expired; use a stock adjustment with a reason instead.").WithCode("not-expired").WithKey("err.stock.not_expired")
		}
		if left == 0 {
			return apperr.New(apperr.ErrConflict, "Nothing is left of this batch.").WithCode("batch-empty").WithKey("err.stock.batch_empty")
		}
		id, err := insertMovement(ctx, tx, actor, medicationID, batchID, KindExpire, -left, p.Reason, nil)
		if err != nil {
			return err
		}
		return s.finish(ctx, tx, d, medicationID, &batchID, []int64{id}, &out)
	})
	return out, err
}
