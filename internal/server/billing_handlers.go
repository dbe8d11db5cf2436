package server

import (
	"bytes"
	"net/http"
	"strconv"

	"chelal/internal/billing"
)

func (s *server) listServices(r *http.Request, _ none) (billing.ServicePage, error) {
	q := r.URL.Query()
	limit, err := queryInt(r, "limit")
	if err != nil {
		return billing.ServicePage{}, err
	}
	return s.billing.ListServices(r.Context(), billing.ServiceFilter{Q: q.Get("q"), Category: q.Get("category"),
		ActiveOnly: q.Get("active") == "true", Limit: int(limit), Cursor: q.Get("cursor")})
}

func (s *server) createService(r *http.Request, in billing.ServiceParams) (billing.CatalogService, error) {
	return s.billing.CreateService(r.Context(), actorOf(r), in)
}

func (s *server) getService(r *http.Request, _ none) (billing.CatalogService, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.CatalogService{}, err
	}
	return s.billing.GetService(r.Context(), id)
}

func (s *server) updateService(r *http.Request, in billing.ServiceEdit) (billing.CatalogService, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.CatalogService{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return billing.CatalogService{}, err
	}
	return s.billing.UpdateService(r.Context(), actorOf(r), id, in)
}

func (s *server) listBills(r *http.Request, _ none) (billing.BillPage, error) {
	q := r.URL.Query()
	f := billing.BillFilter{Status: q.Get("status"), Q: q.Get("q"), Cursor: q.Get("cursor")}
	var err error
	if f.PatientID, err = queryInt(r, "patient_id"); err != nil {
		return billing.BillPage{}, err
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return billing.BillPage{}, err
	}
	f.Limit = int(limit)
	return s.billing.ListBills(r.Context(), f)
}

func (s *server) createBill(r *http.Request, in billing.CreateBillParams) (billing.BillDetail, error) {
	return s.billing.CreateBill(r.Context(), actorOf(r), in)
}

func (s *server) getBill(r *http.Request, _ none) (billing.BillDetail, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.BillDetail{}, err
	}
	return s.billing.GetBill(r.Context(), id)
}

func (s *server) updateBill(r *http.Request, in billing.BillEdit) (billing.BillDetail, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.BillDetail{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return billing.BillDetail{}, err
	}
	return s.billing.UpdateBill(r.Context(), actorOf(r), id, in)
}

func (s *server) addBillItems(r *http.Request, in billing.AddItemsParams) (billing.BillDetail, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.BillDetail{}, err
	}
	return s.billing.AddItems(r.Context(), actorOf(r), id, in)
}

func (s *server) listPayments(r *http.Request, _ none) (billing.PaymentList, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.PaymentList{}, err
	}
	return s.billing.Payments(r.Context(), id)
}

func (s *server) createPayment(r *http.Request, in billing.PaymentParams) (billing.Payment, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.Payment{}, err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return billing.Payment{}, err
	}
	return s.billing.Pay(r.Context(), actorOf(r), id, key, in)
}

func (s *server) billReceipt(r *http.Request, _ none) (billing.Receipt, error) {
	id, err := pathID(r)
	if err != nil {
		return billing.Receipt{}, err
	}
	payment, err := queryInt(r, "payment_id")
	if err != nil {
		return billing.Receipt{}, err
	}
	return s.billing.Receipt(r.Context(), id, payment)
}

// billReceiptPDF answers the receipt as a PDF (A4, or an 80 mm roll with ?size=80mm).
func (s *server) billReceiptPDF(w http.ResponseWriter, r *http.Request) {
	rc, err := s.billReceipt(r, none{})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc.Lang = requestLang(r)
	var buf bytes.Buffer
	if err := billing.WriteReceiptPDF(&buf, rc, r.URL.Query().Get("size") == "80mm"); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="receipt-`+strconv.FormatInt(rc.Bill.ID, 10)+`.pdf"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
