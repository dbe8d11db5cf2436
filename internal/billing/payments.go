package billing

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// Methods of payment: the oneof of PaymentParams.PaymentMethod.
var Methods = validate.Values(PaymentParams{}, "payment_method")

// Payment is money received for a bill. Payments are never changed or removed.
type Payment struct {
	ID             int64     `json:"id"`
	BillID         int64     `json:"bill_id"`
	Amount         Money     `json:"amount"`
	PaymentMethod  string    `json:"payment_method" enum:"cash,mobile_money,card,insurance,other"`
	TransactionID  string    `json:"transaction_id"`
	Notes          string    `json:"notes"`
	PaymentDate    time.Time `json:"payment_date"`
	ReceivedBy     *int64    `json:"received_by"`
	ReceivedByName string    `json:"received_by_name"`
	ReceiptNumber  string    `json:"receipt_number" doc:"the receipt's number, e.g. R-000042"`
}

const selectPayment = `
	SELECT pm.id, pm.bill_id, pm.amount::text, pm.payment_method, coalesce(pm.transaction_id, ''), coalesce(pm.notes, ''),
	       pm.payment_date, pm.received_by,
	       coalesce(nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.username, ''),
	       'R-' || lpad(pm.receipt_number::text, 6, '0')
	  FROM core_payment pm
	  LEFT JOIN auth_user u ON u.id = pm.received_by`

func scanPayment(r pgx.Row) (Payment, error) {
	var p Payment
	err := r.Scan(&p.ID, &p.BillID, &p.Amount, &p.PaymentMethod, &p.TransactionID, &p.Notes, &p.PaymentDate,
		&p.ReceivedBy, &p.ReceivedByName, &p.ReceiptNumber)
	p.PaymentDate = p.PaymentDate.UTC()
	return p, err
}

// PaymentParams is a payment: an amount (a string with at most two decimals, more than 0, at
// most the balance), a method, and for non-cash methods the provider's reference.
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type PaymentParams struct {
	Amount        string `json:"amount" validate:"money=positive" doc:"a string with at most two decimals: \"500.00\""`
	PaymentMethod string `json:"payment_method" validate:"required,oneof=cash mobile_money card insurance other"`
	TransactionID string `json:"transaction_id,omitempty" validate:"max=100"`
	Notes         string `json:"notes,omitempty" validate:"max=1000"`
}

// Validate reports every bad field at once; the balance is checked with the bill locked (Pay).
func (p PaymentParams) Validate() error {
	return validate.Check(p)
}

// PaymentList is a bill's payments, oldest first.
type PaymentList struct {
	Items []Payment `json:"items"`
}

// Pay records a payment of a bill. The bill is locked while the balance is checked and the
// payment written, so two cashiers paying one bill at once can never overpay it: the second
// sees the first's payment. With an idempotency key (the client's Idempotency-Key header), a
// retry of the same request returns the payment the first made instead of paying again; the
// same key on a different payment is a conflict. Keys are per user (the one who takes the payment).
func (s *Service) Pay(ctx context.Context, actor db.Actor, billID int64, key string, p PaymentParams) (Payment, error) {
	p.TransactionID, p.Notes, p.PaymentMethod = strings.TrimSpace(p.TransactionID), strings.TrimSpace(p.Notes), strings.TrimSpace(p.PaymentMethod)
	p.Amount = strings.TrimSpace(p.Amount)
	if err := p.Validate(); err != nil {
		return Payment{}, err
	}
	var f apperr.Fields
	amount, _ := parseAmount(&f, "amount", p.Amount, true)
	if err := f.Err(); err != nil {
		return Payment{}, err
	}
	var out Payment
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockBill(ctx, tx, billID)
		if err != nil {
			return err
		}
		if key != "" {
			// After the lock: a first request with this key on this bill has committed or failed.
			prev, err := scanPayment(tx.QueryRow(ctx, selectPayment+keyedPayment, key, actor.UserID))
			switch {
			case err == nil:
				out = prev
				return sameRequest(prev, billID, amount, p.PaymentMethod)
			case !errors.Is(err, pgx.ErrNoRows):
				return fmt.Errorf("idempotency key: %w", err)
			}
		}
		if b.Status == StatusCancelled {
			return apperr.New(apperr.ErrConflict, "This bill is cancelled; it takes no payment.").WithCode("bill-cancelled")
		}
		if amount.Cmp(b.Balance) > 0 {
			return apperr.Invalid(apperr.FieldError{Field: "amount", Code: apperr.CodeOutOfRange,
				Message: fmt.Sprintf("That is more than the balance of %s.", b.Balance)}).
				WithDetails(map[string]string{"balance": b.Balance.String()})
		}
		var id int64
		err = tx.QueryRow(ctx, `
			INSERT INTO core_payment (bill_id, amount, payment_method, transaction_id, notes, received_by, idempotency_key)
			VALUES ($1, $2::numeric, $3, nullif($4, ''), nullif($5, ''),
			        NULLIF(current_setting('chelal.user_id', true), '')::integer, nullif($6, ''))
			RETURNING id`, billID, amount.String(), p.PaymentMethod, p.TransactionID, p.Notes, key).Scan(&id)
		if err != nil {
			return mapBillError(err)
		}
		out, err = scanPayment(tx.QueryRow(ctx, selectPayment+` WHERE pm.id = $1`, id))
		return err
	})
	if db.IsUnique(err, "idx_payment_idempotency_key", "idx_payment_user_idempotency_key") {
		// The same key raced on two bills: the first one's payment stands.
		prev, gerr := scanPayment(s.db.Pool.QueryRow(ctx, selectPayment+keyedPayment, key, actor.UserID))
		if gerr != nil {
			return Payment{}, fmt.Errorf("idempotency key: %w", gerr)
		}
		return prev, sameRequest(prev, billID, amount, p.PaymentMethod)
	}
	return out, err
}

// keyedPayment finds the payment a user ($2; 0: none) made with an idempotency key ($1): keys
// are each user's own, as on every create route.
const keyedPayment = ` WHERE pm.idempotency_key = $1 AND pm.received_by IS NOT DISTINCT FROM nullif($2::bigint, 0)`

// sameRequest refuses an idempotency key reused for a different payment.
func sameRequest(prev Payment, billID int64, amount Money, method string) error {
	if prev.BillID != billID || prev.Amount.Cmp(amount) != 0 || prev.PaymentMethod != method {
		return apperr.New(apperr.ErrConflict, "This Idempotency-Key was already used for a different payment; send a new key for a new payment.").
			WithCode("idempotency-key-reused")
	}
	return nil
}

// Payments lists a bill's payments, oldest first; an unknown bill is apperr.ErrNotFound.
func (s *Service) Payments(ctx context.Context, billID int64) (PaymentList, error) {
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_bill WHERE id = $1)`, billID).Scan(&exists); err != nil {
		return PaymentList{}, fmt.Errorf("payments: %w", err)
	}
	if !exists {
		return PaymentList{}, apperr.ErrNotFound
	}
	items, err := billPayments(ctx, s.db.Pool, billID)
	if err != nil {

		return PaymentList{}, fmt.Errorf("payments: %w", err)
	}
	return PaymentList{Items: items}, nil
}
