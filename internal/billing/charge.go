package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/handover"
	"chelal/internal/settings"
)

// Sources of automatic lines.
const (
	SourceEncounter = "encounter" // SourceID: the closed encounter's id
	SourceDispense  = "dispense"  // SourceID: the dispense record's id (one per dispensing act)
	SourceLab       = "lab"       // SourceID: the ordered lab test's id (core_laborderitem), priced by ServiceID
)

// DefaultConsultationCode is the catalog code of the consultation fee when the setting
// billing_consultation_code is not set.
const DefaultConsultationCode = settings.DefaultConsultationCode

// Charge is an automatic line another domain adds in its own transaction: the consultation
// fee of a closed encounter, the medication of a dispense.
type Charge struct {
	PatientID int64
	Source    string // SourceEncounter or SourceDispense
	SourceID  int64
	// ServiceCode prices an encounter's line from the catalog; "" means the
	// billing_consultation_code setting (default DefaultConsultationCode).
	ServiceCode string
	// ServiceID prices a lab test's line: the catalog service of the test ordered.
	ServiceID int64
	// A dispense's line: what was dispensed, its unit price and quantity.
	Description string
	UnitPrice   Money
	Quantity    int64
}

// Why ChargeInTx added no line.
const (
	SkipDisabled       = "disabled"        // the setting for this source is off
	SkipAlreadyCharged = "already-charged" // this source was charged before (a retry)
	SkipNoService      = "no-service"      // the consultation service is not in the catalog, or inactive
)

// ChargeResult says what ChargeInTx did: the line it added (ItemID, on BillID), or why it added
// none (Skipped).
type ChargeResult struct {
	BillID  int64
	ItemID  int64
	Skipped string
}

// ChargeInTx adds an automatic line to the patient's open bill (the newest pending bill with
// no payment), or to a new bill when there is none, inside tx: the caller's transaction, so
// the line exists exactly when the encounter is closed or the medication dispensed. It is
// idempotent on (Source, SourceID): a second call adds nothing. It adds nothing when the
// matching setting (billing_auto_consultation, billing_auto_dispense, billing_auto_lab) is off,
// or when the consultation or lab service is missing from the catalog (Skipped says which). The line's author is
// the transaction's user (db.InTx's actor). Bad input is an apperr.ErrInvalid error.
func (s *Service) ChargeInTx(ctx context.Context, tx pgx.Tx, c Charge) (ChargeResult, error) {
	var f apperr.Fields
	if c.PatientID <= 0 {
		f.Add("patient_id", apperr.CodeRequired, "The patient is missing.")
	}
	if c.SourceID <= 0 {
		f.Add("source_id", apperr.CodeRequired, "The source record is missing.")
	}
	var setting string
	switch c.Source {
	case SourceEncounter:
		setting = settings.BillingAutoConsultation
	case SourceDispense:
		setting = settings.BillingAutoDispense
		c.Description = strings.TrimSpace(c.Description)
		if c.Description == "" || len(c.Description) > 500 {
			f.Add("description", apperr.CodeInvalid, "A dispensed line says what was dispensed (1-500 characters).")
		}
		if c.Quantity <= 0 || c.Quantity > MaxQuantity {
			f.Add("quantity", apperr.CodeOutOfRange, fmt.Sprintf("The quantity is 1-%d.", MaxQuantity))
		}
		if c.UnitPrice.Sign() < 0 || c.UnitPrice.Cmp(MaxMoney) > 0 {
			f.Add("unit_price", apperr.CodeOutOfRange, "The unit price is 0.00 or more.")
		}
	case SourceLab:
		setting = settings.BillingAutoLab
		if c.ServiceID <= 0 {
			f.Add("service_id", apperr.CodeRequired, "A lab line is priced by the test's catalog service.")
		}
	default:
		f.Add("source", apperr.CodeInvalid, "The source is encounter, dispense or lab.")
	}
	if err := f.Err(); err != nil {
		return ChargeResult{}, err
	}
	on, err := settings.Get(ctx, tx, setting, true)
	if err != nil {
		return ChargeResult{}, err
	}
	if !on {
		return ChargeResult{Skipped: SkipDisabled}, nil
	}
	// One charge per patient at a time: two closings never open two bills.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(8001, $1::integer)`, c.PatientID); err != nil {
		return ChargeResult{}, fmt.Errorf("charge: lock patient: %w", err)
	}
	var res ChargeResult
	err = tx.QueryRow(ctx, `SELECT bill_id, id FROM core_billitem WHERE source = $1 AND source_id = $2`, c.Source, c.SourceID).
		Scan(&res.BillID, &res.ItemID)
	if err == nil {
		res.Skipped = SkipAlreadyCharged
		return res, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return ChargeResult{}, fmt.Errorf("charge: %w", err)
	}

	l := line{kind: KindMedication, quantity: c.Quantity, unitPrice: c.UnitPrice, description: c.Description}
	if c.Source == SourceEncounter {
		code := c.ServiceCode
		if code == "" {
			if code, err = settings.Get(ctx, tx, settings.BillingConsultationCode, DefaultConsultationCode); err != nil {
				return ChargeResult{}, err
			}
		}
		var id int64
		var price Money
		err := tx.QueryRow(ctx, `SELECT id, price::text FROM core_servicecatalog WHERE code = $1 AND is_active`,
			strings.ToUpper(strings.TrimSpace(code))).Scan(&id, &price)
		if errors.Is(err, pgx.ErrNoRows) {
			return ChargeResult{Skipped: SkipNoService}, nil
		}
		if err != nil {
			return ChargeResult{}, fmt.Errorf("charge: consultation service: %w", err)
		}
		l = line{kind: KindConsultation, serviceID: &id, quantity: 1, unitPrice: price}
	}
	if c.Source == SourceLab {
		var price Money
		err := tx.QueryRow(ctx, `SELECT price::text FROM core_servicecatalog WHERE id = $1 AND is_active`, c.ServiceID).Scan(&price)
		if errors.Is(err, pgx.ErrNoRows) {
			return ChargeResult{Skipped: SkipNoService}, nil
		}
		if err != nil {
			return ChargeResult{}, fmt.Errorf("charge: lab service: %w", err)
		}
		id := c.ServiceID
		l = line{kind: KindService, serviceID: &id, quantity: 1, unitPrice: price}
	}

	newBill := false
	err = tx.QueryRow(ctx, `
		SELECT id FROM core_bill WHERE patient_id = $1 AND status = 'pending' AND paid_amount = 0
		 ORDER BY id DESC LIMIT 1 FOR UPDATE`, c.PatientID).Scan(&res.BillID)
	if errors.Is(err, pgx.ErrNoRows) {
		today, terr := s.today(ctx, tx)
		if terr != nil {
			return ChargeResult{}, terr
		}
		if res.BillID, err = insertBill(ctx, tx, c.PatientID, today); err != nil {
			return ChargeResult{}, fmt.Errorf("charge: %w", err)
		}
		newBill = true
	} else if err != nil {
		return ChargeResult{}, fmt.Errorf("charge: open bill: %w", err)
	}
	err = tx.QueryRow(ctx, `
		INSERT INTO core_billitem (bill_id, kind, service_catalog_id, quantity, unit_price, total_price, description,
		                           source, source_id, created_by)
		VALUES ($1, $2, $3, $4::integer, $5::numeric, $4::integer * $5::numeric, nullif($6, ''), $7, $8,
		        NULLIF(current_setting('chelal.user_id', true), '')::integer)
		RETURNING id`, res.BillID, l.kind, l.serviceID, l.quantity, l.unitPrice.String(), l.description, c.Source, c.SourceID).
		Scan(&res.ItemID)
	if err != nil {
		return ChargeResult{}, mapBillError(err)
	}
	if newBill { // the cashiers learn of a bill once, when it opens
		if err := handover.BillReady(ctx, tx, res.BillID); err != nil {
			return ChargeResult{}, err
		}
	}
	return res, nil
}

// UnchargeInTx takes back the automatic line of (source, sourceID), inside tx: the record it
// charged was cancelled (a lab order before its specimen). Lines are never changed, so it adds a
// credit line of the line's total to the line's bill, saying why; at most the bill's balance
// (a credit never makes the clinic owe the patient: what was already paid beyond it is the
// cashier's refund, and the credit's description says so). Nothing is done when the source was
// never charged or its bill is cancelled.
func (s *Service) UnchargeInTx(ctx context.Context, tx pgx.Tx, source string, sourceID int64, why string) error {
	var billID int64
	var total, balance Money
	var status string
	err := tx.QueryRow(ctx, `
		SELECT b.id, i.total_price::text, b.status, (b.total_amount - b.paid_amount)::text
		  FROM core_billitem i JOIN core_bill b ON b.id = i.bill_id
		 WHERE i.source = $1 AND i.source_id = $2
		   FOR UPDATE OF b`, source, sourceID).Scan(&billID, &total, &status, &balance)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("uncharge: %w", err)
	}
	if status == StatusCancelled {
		return nil
	}
	desc := fmt.Sprintf("%s [%s #%d]", strings.TrimSpace(why), source, sourceID)
	if len(desc) > 500 {
		desc = desc[:500]
	}
	credit := total
	if credit.Cmp(balance) > 0 {
		credit = balance
		desc = fmt.Sprintf("%s; %s already paid beyond this credit is to be refunded", desc, total.Sub(balance))
		if len(desc) > 500 {
			desc = desc[:500]
		}
	}
	if credit.Sign() <= 0 {
		return nil
	}
	return insertLines(ctx, tx, billID, []line{{kind: KindCredit, quantity: 1, unitPrice: credit.Neg(), description: desc}})
}
