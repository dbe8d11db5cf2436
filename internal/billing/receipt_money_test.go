package billing_test

import (
	"context"
	"testing"

	"chelal/internal/i18n"
)

// TestReceiptAmountsInTheClinicsCurrency: the receipt carries the clinic's currency and prints
// every amount with it, written the way the reader's language writes numbers.
func TestReceiptAmountsInTheClinicsCurrency(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	b, _ := e.serviceBill("XRAY", "1500.50")
	if _, err := e.d.Pool.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ('currency', '"KES"')`); err != nil {
		t.Fatal(err)
	}
	r, err := e.s.Receipt(ctx, b.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if r.Currency != "KES" {
		t.Fatalf("receipt currency %q, want KES", r.Currency)
	}
	for lang, want := range map[string]string{"en": "KES\u00a01,500.50", "fr": "1\u00a0500,50\u00a0KES", "sw": "KES\u00a01,500.50", "": "KES\u00a01,500.50"} {
		r.Lang = i18n.Lang(lang)
		if got := r.Amount(r.Bill.TotalAmount); got != want {
			t.Errorf("%q: total printed %q, want %q", lang, got, want)
		}
	}
}
