package billing

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"chelal/internal/localefmt"
	"chelal/internal/pdfdoc"
)

// methodLabels are the payment methods as a receipt prints them.
var methodLabels = map[string]string{"cash": "Cash", "mobile_money": "Mobile money", "card": "Card", "insurance": "Insurance", "other": "Other"}

// Amount is an amount as the receipt prints it: in the clinic's currency, written the way
// the reader's language writes numbers ("KES 1,500.50", "1 500,50 KES"), like the screens.
func (r Receipt) Amount(m Money) string { return localefmt.Money(m.String(), r.Currency, r.Lang) }

// WriteReceiptPDF writes a receipt as a PDF: A4, or an 80 mm thermal roll when roll is true.
// Times are printed in the receipt's Location (the clinic's zone).
func WriteReceiptPDF(w io.Writer, r Receipt, roll bool) error {
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	size := pdfdoc.A4
	if roll {
		size = pdfdoc.Receipt
	}
	title := "Receipt"
	if r.ReceiptNumber != "" {
		title += " " + r.ReceiptNumber
	}
	clinic := r.ClinicName
	if clinic == "" {
		clinic = "Chelal clinic"
	}
	b := r.Bill
	money := r.Amount
	d := pdfdoc.New(size, clinic, title, r.PrintedAt)
	d.Field("Bill", "#"+strconv.FormatInt(b.ID, 10)+" · "+b.CreatedAt.In(loc).Format("2 Jan 2006 15:04"))
	d.Field("Patient", fmt.Sprintf("%s (%s)", b.PatientName, b.PatientUniqueID))
	if b.Status == StatusCancelled {
		d.Field("Cancelled", b.CancelReason)
	}
	d.Space(2)
	rows := make([][]string, 0, len(b.Items))
	for _, it := range b.Items {
		rows = append(rows, []string{it.Description, strconv.FormatInt(it.Quantity, 10), money(it.UnitPrice), money(it.TotalPrice)})
	}
	d.Table([]pdfdoc.Column{{Title: "Item", Share: 4}, {Title: "Qty", Share: 1, Align: "R"},
		{Title: "Price", Share: 2, Align: "R"}, {Title: "Total", Share: 2, Align: "R"}}, rows)
	d.Rule()
	d.Field("Total", money(b.TotalAmount))
	if len(b.Payments) > 0 {
		d.Space(2)
		prow := make([][]string, 0, len(b.Payments))
		for _, p := range b.Payments {
			how := methodLabels[p.PaymentMethod]
			if p.TransactionID != "" {
				how += " " + p.TransactionID
			}
			prow = append(prow, []string{p.ReceiptNumber + "\n" + p.PaymentDate.In(loc).Format("2 Jan 2006 15:04"), how, money(p.Amount)})
		}
		d.Table([]pdfdoc.Column{{Title: "Payment", Share: 3}, {Title: "Method", Share: 3}, {Title: "Amount", Share: 2, Align: "R"}}, prow)
		d.Rule()
	}
	d.Field("Paid", money(b.PaidAmount))
	d.Field("Balance", money(b.Balance))
	if r.Cashier != "" {
		d.Field("Cashier", r.Cashier)
	}
	d.Paragraph("Printed " + r.PrintedAt.In(loc).Format("2 Jan 2006 15:04") + ". Thank you.")
	out, err := d.Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
