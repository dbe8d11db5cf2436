package billing

import (
	"strings"
	"testing"
	"time"

	"chelal/internal/i18n"
)

// receiptEnglish are the English words a receipt prints (labels, not data).
var receiptEnglish = []string{"Receipt", "Bill", "Patient", "Cancelled", "Item", "Qty", "Price", "Total", "Payment",
	"Method", "Amount", "Paid", "Balance", "Cashier", "Printed", "Thank you", "Cash", "Card", "clinic", "December"}

// TestReceiptPDFLanguages: the receipt printed in French and in Swahili, on A4 and on the
// 80 mm roll, has none of the English words (the English one has them all).
func TestReceiptPDFLanguages(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC)
	r := Receipt{ReceiptNumber: "R-000042", Cashier: "Neema Mushi", PrintedAt: at, Location: time.FixedZone("EAT", 3*3600),
		Bill: BillDetail{
			Bill: Bill{ID: 7, PatientName: "Amina Otieno", PatientUniqueID: "P-000123", TotalAmount: MustMoney("1500.00"),
				PaidAmount: MustMoney("1500.00"), Balance: MustMoney("0.00"), Status: StatusCancelled, CancelReason: "Doublon", CreatedAt: at},
			Items: []Item{{Description: "Ushauri wa daktari", Quantity: 1, UnitPrice: MustMoney("1000.00"), TotalPrice: MustMoney("1000.00")},
				{Description: "Amoxicilline 500 mg", Quantity: 20, UnitPrice: MustMoney("25.00"), TotalPrice: MustMoney("500.00")}},
			Payments: []Payment{{ReceiptNumber: "R-000041", PaymentMethod: "cash", Amount: MustMoney("1000.00"), PaymentDate: at},
				{ReceiptNumber: "R-000042", PaymentMethod: "card", TransactionID: "TX-9", Amount: MustMoney("500.00"), PaymentDate: at}},
		}}
	text := func(l i18n.Lang, roll bool) string {
		rc := r
		rc.Lang = l
		return receiptDoc(rc, roll).Text()
	}
	if left := i18n.EnglishLeft(text(i18n.EN, false), receiptEnglish, nil); len(left) != len(receiptEnglish) {
		t.Fatalf("the English receipt has only %q of the listed words", left)
	}
	for _, tc := range []struct {
		lang    i18n.Lang
		allowed []string
		want    []string
	}{
		{i18n.FR, []string{"Patient", "Total"}, []string{"Reçu R-000042", "Clinique Chelal", "Espèces", "Reste dû", "Imprimé le 2 décembre 2026, 11:30. Merci."}},
		{i18n.SW, nil, []string{"Stakabadhi R-000042", "Kliniki ya Chelal", "Taslimu", "Salio", "Imechapishwa 2 Desemba 2026, 11:30. Asante."}},
	} {
		for _, roll := range []bool{false, true} {
			got := text(tc.lang, roll)
			if left := i18n.EnglishLeft(got, receiptEnglish, tc.allowed); len(left) > 0 {
				t.Errorf("English left in the %s receipt (roll %v): %q\n%s", tc.lang, roll, left, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s receipt lacks %q:\n%s", tc.lang, w, got)
				}
			}
			rc := r
			rc.Lang = tc.lang
			var b strings.Builder
			if err := WriteReceiptPDF(&b, rc, roll); err != nil || b.Len() < 1000 {
				t.Errorf("PDF: %d bytes, %v", b.Len(), err)
			}
		}
	}
}
