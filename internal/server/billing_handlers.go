package server

import (
	"bytes"
	"net/http"
	"strconv"

	"chelal/internal/billing"
)

func (s *server) listServices(r *http.Request, _ none) (billing.ServicePage, error) {
	q := queryOf(r)
	f := billing.ServiceFilter{Q: q.Str("q"), Category: q.Str("category"), ActiveOnly: q.Str("active") == "true"}
	f.Limit, f.Cursor = q.Page()
	return answer(q, func() (billing.ServicePage, error) { return s.billing.ListServices(r.Context(), f) })
}

func (s *server) listBills(r *http.Request, _ none) (billing.BillPage, error) {
	q := queryOf(r)
	f := billing.BillFilter{Status: q.Str("status"), Q: q.Str("q"), PatientID: q.Int("patient_id")}
	f.Limit, f.Cursor = q.Page()
	return answer(q, func() (billing.BillPage, error) { return s.billing.ListBills(r.Context(), f) })
}

func (s *server) billReceipt(r *http.Request, _ none) (billing.Receipt, error) {
	q := queryOf(r)
	payment := q.Int("payment_id")
	return answer(q, func() (billing.Receipt, error) { return s.billing.Receipt(r.Context(), routeID(r), payment) })
}

// billReceiptPDF answers the receipt as a PDF (A4, or an 80 mm roll with ?size=80mm).
func (s *server) billReceiptPDF(r *http.Request) (document, error) {
	rc, err := s.billReceipt(r, none{})
	if err != nil {
		return document{}, err
	}
	rc.Lang = requestLang(r)
	var buf bytes.Buffer
	if err := billing.WriteReceiptPDF(&buf, rc, r.URL.Query().Get("size") == "80mm"); err != nil {
		return document{}, err
	}
	return document{contentPDF, inline("receipt-" + strconv.FormatInt(rc.Bill.ID, 10) + ".pdf"), buf.Bytes()}, nil
}
