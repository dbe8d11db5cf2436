package billing

import (
	"fmt"
	"io"
	"strconv"
	"time"

	"chelal/internal/i18n"
	"chelal/internal/pdfdoc"
)

// methodText is a payment method as a receipt prints it, in l (as stored when the catalog
// lacks it).
func methodText(l i18n.Lang, method string) string {
	if !i18n.Has("method." + method) {
		return method
	}
	return l.T("method." + method)
}

// Amount is an amount as the receipt prints it: in the clinic's currency, written the way
// the reader's language writes numbers ("KES 1,500.50", "1 500,50 KES"), like the screens.
func (r Receipt) Amount(m Money) string {
	return r.Lang.Money(m.String(), r.Currency)
}

// WriteReceiptPDF writes a receipt as a PDF: A4, or an 80 mm thermal roll when roll is true.
// Times are printed in the receipt's Location (the clinic's zone), words in its Lang.
func WriteReceiptPDF(w io.Writer, r Receipt, roll bool) error {
	out, err := receiptDoc(r, roll).Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}

// receiptDoc lays out a receipt in r.Lang (English when unset).
func receiptDoc(r Receipt, roll bool) *pdfdoc.Doc {
	l := r.Lang
	if l == "" {
		l = i18n.EN
	}
	loc := r.Location
	if loc == nil {
		loc = time.UTC
	}
	size := pdfdoc.A4
	if roll {
		size = pdfdoc.Receipt
	}
	title := l.T("pdf.receipt.title")
	if r.ReceiptNumber != "" {
		title = l.T("pdf.receipt.numbered", "number", r.ReceiptNumber)
	}
	clinic := r.ClinicName
	if clinic == "" {
		clinic = l.T("pdf.receipt.clinic")
	}
	b := r.Bill
	money := r.Amount
	d := pdfdoc.New(size, clinic, title, r.PrintedAt)
	d.Field(l.T("pdf.bill"), "#"+strconv.FormatInt(b.ID, 10)+" · "+l.Date(b.CreatedAt.In(loc), true))
	d.Field(l.T("pdf.patient"), fmt.Sprintf("%s (%s)", b.PatientName, b.PatientUniqueID))
	if b.Status == StatusCancelled {
		d.Field(l.T("pdf.cancelled"), b.CancelReason)
	}
	d.Space(2)
	rows := make([][]string, 0, len(b.Items))
	for _, it := range b.Items {
		rows = append(rows, []string{it.Description, strconv.FormatInt(it.Quantity, 10), money(it.UnitPrice), money(it.TotalPrice)})
	}
	d.Table([]pdfdoc.Column{{Title: l.T("pdf.col.item"), Share: 4}, {Title: l.T("pdf.col.qty"), Share: 1, Align: "R"},
		{Title: l.T("pdf.col.price"), Share: 2, Align: "R"}, {Title: l.T("pdf.col.total"), Share: 2, Align: "R"}}, rows)
	d.Rule()
	d.Field(l.T("pdf.total"), money(b.TotalAmount))
	if len(b.Payments) > 0 {
		d.Space(2)
		prow := make([][]string, 0, len(b.Payments))
		for _, p := range b.Payments {
			how := methodText(l, p.PaymentMethod)
			if p.TransactionID != "" {
				how += " " + p.TransactionID
			}
			prow = append(prow, []string{p.ReceiptNumber + "\n" + l.Date(p.PaymentDate.In(loc), true), how, money(p.Amount)})
		}
		d.Table([]pdfdoc.Column{{Title: l.T("pdf.col.payment"), Share: 3}, {Title: l.T("pdf.col.method"), Share: 3}, {Title: l.T("pdf.col.amount"), Share: 2, Align: "R"}}, prow)
		d.Rule()
	}
	d.Field(l.T("pdf.paid"), money(b.PaidAmount))
	d.Field(l.T("pdf.balance"), money(b.Balance))
	if r.Cashier != "" {
		d.Field(l.T("pdf.cashier"), r.Cashier)
	}
	d.Paragraph(l.T("pdf.printed", "at", l.Date(r.PrintedAt.In(loc), true)))
	return d
}
