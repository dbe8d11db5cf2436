package billing

import (
	"context"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/i18n"
	"chelal/internal/settings"
)

// Receipt is what a printed receipt shows: the clinic, the bill with its lines and payments,
// the balance, and which payment it acknowledges (its number and cashier).
type Receipt struct {
	ClinicName    string     `json:"clinic_name"`
	ReceiptNumber string     `json:"receipt_number" doc:"the acknowledged payment's number; empty when the bill has no payment"`
	Cashier       string     `json:"cashier"`
	PrintedAt     time.Time  `json:"printed_at"`
	Bill          BillDetail `json:"bill"`
	// Location is the clinic's time zone, for printing times.
	Location *time.Location `json:"-"`
	// Lang is the language the receipt is printed in (the cashier's; English when unset).
	Lang i18n.Lang `json:"-"`
	// Currency is the clinic's currency (ISO 4217, or empty), printed with every amount.
	Currency string `json:"currency"`
}

// Receipt builds the receipt of a bill for one of its payments (paymentID), or for its latest
// payment when paymentID is 0. A payment of another bill is apperr.ErrNotFound.
func (s *Service) Receipt(ctx context.Context, billID, paymentID int64) (Receipt, error) {
	b, err := detail(ctx, s.db.Pool, billID)
	if err != nil {
		return Receipt{}, err
	}
	name, err := settings.Get(ctx, s.db.Pool, settings.ClinicName, "")
	if err != nil {
		return Receipt{}, err
	}
	loc, err := settings.Location(ctx, s.db.Pool)
	if err != nil {
		return Receipt{}, err
	}
	cur, err := settings.Get(ctx, s.db.Pool, settings.Currency, "")
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{ClinicName: name, PrintedAt: s.now().UTC(), Bill: b, Location: loc, Currency: cur}
	if len(b.Payments) > 0 {
		p := b.Payments[len(b.Payments)-1]
		if paymentID != 0 {
			found := false
			for _, q := range b.Payments {
				if q.ID == paymentID {
					p, found = q, true
				}
			}
			if !found {
				return Receipt{}, apperr.ErrNotFound
			}
		}
		r.ReceiptNumber, r.Cashier = p.ReceiptNumber, p.ReceivedByName
	} else if paymentID != 0 {
		return Receipt{}, apperr.ErrNotFound
	}
	return r, nil
}
