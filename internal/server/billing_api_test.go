package server

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// billCounts is every billing row, to show a refused request changed nothing.
func billCounts(t *testing.T, a *api) string {
	t.Helper()
	var s string
	err := a.db.Pool.QueryRow(context.Background(), `
		SELECT (SELECT count(*) FROM core_servicecatalog) || '/' || (SELECT count(*) FROM core_bill) || '/' ||
		       (SELECT count(*) FROM core_billitem) || '/' || (SELECT count(*) FROM core_payment) || '/' ||
		       (SELECT coalesce(sum(paid_amount), 0) FROM core_bill) || '/' || (SELECT coalesce(sum(price), 0) FROM core_servicecatalog)`).Scan(&s)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func fieldOf(t *testing.T, m map[string]any) string {
	t.Helper()
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return ""
	}
	return errs[0].(map[string]any)["field"].(string)
}

func TestBillingFlow(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "consult",
		"category": "consultation", "price": "1500.00"}), 201)
	if svc["price"] != "1500.00" || svc["code"] != "CONSULT" {
		t.Fatalf("service %v", svc)
	}
	lab := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Malaria RDT", "code": "LAB-RDT-1",
		"category": "lab", "price": "0.10"}), 201)
	// A receptionist cannot create or edit a price.
	expect(t, c.desk.do("POST", "/api/v1/services", map[string]any{"name": "X", "code": "X", "category": "lab", "price": "1"}), 403)
	expect(t, c.desk.do("PATCH", fmt.Sprintf("/api/v1/services/%d", idOf(svc)), map[string]any{"price": "1.00"}, "If-Match", "1"), 403)

	// A client-sent total is not even a field.
	w := c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "total_amount": "1.00",
		"items": []any{map[string]any{"service_id": idOf(svc)}}})
	expect(t, w, 400)
	bill := expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
		"items": []any{map[string]any{"service_id": idOf(svc)}, map[string]any{"service_id": idOf(lab), "quantity": 3}}}), 201)
	if bill["total_amount"] != "1500.30" || bill["balance"] != "1500.30" || bill["status"] != "pending" || bill["paid_amount"] != "0.00" {
		t.Fatalf("bill %v", bill)
	}
	path := fmt.Sprintf("/api/v1/bills/%d", idOf(bill))

	// A doctor reads the bill but cannot take a payment.
	expect(t, c.doc.do("GET", path, nil), 200)
	expect(t, c.doc.do("POST", path+"/payments", map[string]any{"amount": "1.00", "payment_method": "cash"}), 403)
	// Nor can a nurse or a pharmacist read it.
	expect(t, c.nurse.do("GET", path, nil), 403)
	expect(t, c.pha.do("GET", path, nil), 403)

	p1 := expect(t, c.cashier.do("POST", path+"/payments", map[string]any{"amount": "500.00", "payment_method": "cash"},
		"Idempotency-Key", "5b1c1e0e-1"), 201)
	again := expect(t, c.cashier.do("POST", path+"/payments", map[string]any{"amount": "500.00", "payment_method": "cash"},
		"Idempotency-Key", "5b1c1e0e-1"), 201)
	if again["id"] != p1["id"] || !strings.HasPrefix(p1["receipt_number"].(string), "R-") {
		t.Fatalf("retried payment %v, first %v", again, p1)
	}
	b := expect(t, c.cashier.do("GET", path, nil), 200)
	if b["paid_amount"] != "500.00" || b["status"] != "partially_paid" || len(b["payments"].([]any)) != 1 {
		t.Fatalf("after the partial payment: %v", b)
	}
	over := expect(t, c.cashier.do("POST", path+"/payments", map[string]any{"amount": "1000.31", "payment_method": "cash"}), 422)
	if fieldOf(t, over) != "amount" || over["details"].(map[string]any)["balance"] != "1000.30" {
		t.Fatalf("over the balance: %v", over)
	}
	expect(t, c.cashier.do("POST", path+"/payments", map[string]any{"amount": "1000.30", "payment_method": "mobile_money", "transaction_id": "QK7H2"}), 201)
	b = expect(t, c.cashier.do("GET", path, nil), 200)
	if b["status"] != "paid" || b["balance"] != "0.00" {
		t.Fatalf("after the full payment: %v", b)
	}
	// After a payment, a service line is refused; a credit beyond the balance too.
	expect(t, c.cashier.do("POST", path+"/items", map[string]any{"items": []any{map[string]any{"service_id": idOf(lab)}}}), 422)
	expect(t, c.cashier.do("POST", path+"/items", map[string]any{"items": []any{map[string]any{"kind": "credit", "amount": "0.01", "description": "x"}}}), 422)

	// A price change keeps the bill's lines.
	expect(t, c.admin.do("PATCH", fmt.Sprintf("/api/v1/services/%d", idOf(svc)), map[string]any{"price": "2000.00"}, "If-Match", "1"), 200)
	expect(t, c.admin.do("PATCH", fmt.Sprintf("/api/v1/services/%d", idOf(svc)), map[string]any{"price": "2500.00"}, "If-Match", "1"), 409)
	b = expect(t, c.cashier.do("GET", path, nil), 200)
	if b["total_amount"] != "1500.30" || b["items"].([]any)[0].(map[string]any)["unit_price"] != "1500.00" {
		t.Fatalf("after a price change: %v", b)
	}

	// Receipt, PDF, report, CSV.
	rc := expect(t, c.doc.do("GET", path+"/receipt", nil), 200)
	if rc["receipt_number"] == "" || rc["cashier"] != "Test cashier" {
		t.Fatalf("receipt %v", rc)
	}
	for _, size := range []string{"", "?size=80mm"} {
		w = c.cashier.do("GET", path+"/receipt.pdf"+size, nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF-") {
			t.Fatalf("receipt.pdf%s: %d %s", size, w.Code, w.Header())
		}
	}
	expect(t, c.cashier.do("GET", "/api/v1/bills/999999/receipt.pdf", nil), 404)
	rep := expect(t, c.cashier.do("GET", "/api/v1/reports/daily", nil), 200)
	if rep["revenue"].(map[string]any)["total"] != "1500.30" {
		t.Fatalf("report %v", rep["revenue"])
	}
	w = c.pha.do("GET", "/api/v1/reports/daily.csv", nil)
	if w.Code != 200 || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/csv") || !strings.Contains(w.Body.String(), "revenue,total,2,1500.30") {
		t.Fatalf("csv: %d %s", w.Code, w.Body)
	}
	expect(t, c.cashier.do("GET", "/api/v1/reports/daily?date=2026-13-01", nil), 422)
	expect(t, c.nurse.do("GET", "/api/v1/reports/daily", nil), 403)

	// Lists.
	for _, q := range []string{"otieno", "Otieno%20Amina", "ami%20OTI", c.patient["unique_id"].(string), strings.ToLower(c.patient["unique_id"].(string))[:6]} {
		list := expect(t, c.cashier.do("GET", "/api/v1/bills?limit=10&q="+q, nil), 200)
		if len(list["items"].([]any)) != 1 {
			t.Errorf("search %q: %v", q, list)
		}
	}
	for _, q := range []string{"wanjiru", "100%25", "a_b"} {
		if list := expect(t, c.cashier.do("GET", "/api/v1/bills?q="+q, nil), 200); len(list["items"].([]any)) != 0 {
			t.Errorf("search %q found %v", q, list)
		}
	}
	expect(t, c.cashier.do("GET", "/api/v1/bills?status=open", nil), 200)
	expect(t, c.cashier.do("GET", "/api/v1/bills?limit=500", nil), 422)
	expect(t, c.cashier.do("GET", "/api/v1/bills?cursor=garbage", nil), 422)
	expect(t, c.cashier.do("GET", "/api/v1/services?active=true&q=consult", nil), 200)
}

func TestBillingBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "CONSULT",
		"category": "consultation", "price": "100.00"}), 201)
	bill := expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
		"items": []any{map[string]any{"service_id": idOf(svc)}}}), 201)
	path := fmt.Sprintf("/api/v1/bills/%d", idOf(bill))
	before := billCounts(t, c.a)

	pay := func(amount any) map[string]any { return map[string]any{"amount": amount, "payment_method": "cash"} }
	for _, b := range []struct {
		name   string
		as     *client
		method string
		path   string
		body   any
		status int
		field  string
	}{
		{"three decimals", c.cashier, "POST", path + "/payments", pay("10.005"), 422, "amount"},
		{"negative", c.cashier, "POST", path + "/payments", pay("-10.00"), 422, "amount"},
		{"zero", c.cashier, "POST", path + "/payments", pay("0.00"), 422, "amount"},
		{"not a number", c.cashier, "POST", path + "/payments", pay("ten"), 422, "amount"},
		{"exponent", c.cashier, "POST", path + "/payments", pay("1e2"), 422, "amount"},
		{"a JSON number", c.cashier, "POST", path + "/payments", pay(10.5), 422, "amount"},
		{"beyond NUMERIC(12,2)", c.cashier, "POST", path + "/payments", pay("12345678901.00"), 422, "amount"},
		{"more than the balance", c.cashier, "POST", path + "/payments", pay("100.01"), 422, "amount"},
		{"unknown method", c.cashier, "POST", path + "/payments", map[string]any{"amount": "1.00", "payment_method": "gold"}, 422, "payment_method"},
		{"huge notes", c.cashier, "POST", path + "/payments", map[string]any{"amount": "1.00", "payment_method": "cash", "notes": strings.Repeat("n", 1001)}, 422, "notes"},
		{"huge body", c.cashier, "POST", path + "/payments", map[string]any{"amount": "1.00", "payment_method": "cash", "notes": strings.Repeat("n", 2<<20)}, 413, ""},
		{"unknown bill", c.cashier, "POST", "/api/v1/bills/999999/payments", pay("1.00"), 404, ""},
		{"malformed", c.cashier, "POST", path + "/payments", `{"amount": `, 400, ""},
		{"bad idempotency key", c.cashier, "POST", path + "/payments", pay("1.00"), 422, "Idempotency-Key"},
		{"no CSRF token", c.cashier, "POST", path + "/payments", pay("1.00"), 403, ""},
		{"price with three decimals", c.admin, "POST", "/api/v1/services", map[string]any{"name": "X", "code": "X", "category": "lab", "price": "1.001"}, 422, "price"},
		{"negative price", c.admin, "POST", "/api/v1/services", map[string]any{"name": "X", "code": "X", "category": "lab", "price": "-1.00"}, 422, "price"},
		{"price as a number", c.admin, "POST", "/api/v1/services", map[string]any{"name": "X", "code": "X", "category": "lab", "price": 1}, 422, "price"},
		{"duplicate code", c.admin, "POST", "/api/v1/services", map[string]any{"name": "X", "code": "consult", "category": "lab", "price": "1.00"}, 422, "code"},
		{"huge name", c.admin, "POST", "/api/v1/services", map[string]any{"name": strings.Repeat("n", 256), "code": "N", "category": "lab", "price": "1.00"}, 422, "name"},
		{"unknown category", c.admin, "POST", "/api/v1/services", map[string]any{"name": "X", "code": "X", "category": "imaging", "price": "1.00"}, 422, "category"},
		{"stale service", c.admin, "PATCH", fmt.Sprintf("/api/v1/services/%d", idOf(svc)), map[string]any{"price": "5.00", "version": 9}, 409, ""},
		{"unknown service", c.admin, "PATCH", "/api/v1/services/999999", map[string]any{"price": "5.00", "version": 1}, 404, ""},
		{"no version", c.admin, "PATCH", fmt.Sprintf("/api/v1/services/%d", idOf(svc)), map[string]any{"price": "5.00"}, 422, "version"},
		{"bill without items", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{}}, 422, "items"},
		{"bill for nobody", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": 999999, "items": []any{map[string]any{"service_id": idOf(svc)}}}, 422, "patient_id"},
		{"unknown service line", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{map[string]any{"service_id": 999999}}}, 422, "items.0.service_id"},
		{"a price on a line", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{map[string]any{"service_id": idOf(svc), "amount": "1.00"}}}, 422, "items.0.amount"},
		{"negative quantity", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{map[string]any{"service_id": idOf(svc), "quantity": -2}}}, 422, "items.0.quantity"},
		{"credit on a new bill", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{map[string]any{"kind": "credit", "amount": "1.00", "description": "x"}}}, 422, "items.0.kind"},
		{"bad due date", c.cashier, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "due_date": "tomorrow", "items": []any{map[string]any{"service_id": idOf(svc)}}}, 422, "due_date"},
		{"cancel without reason", c.cashier, "PATCH", path, map[string]any{"status": "cancelled", "version": bill["version"]}, 422, "cancel_reason"},
		{"mark paid by hand", c.cashier, "PATCH", path, map[string]any{"status": "paid", "version": bill["version"]}, 422, "status"},
		{"stale bill", c.cashier, "PATCH", path, map[string]any{"status": "cancelled", "cancel_reason": "dup", "version": 99}, 409, ""},
		{"unknown bill patch", c.cashier, "PATCH", "/api/v1/bills/999999", map[string]any{"due_date": "2030-01-01", "version": 1}, 404, ""},
		{"doctor pays", c.doc, "POST", path + "/payments", pay("1.00"), 403, ""},
		{"doctor bills", c.doc, "POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"], "items": []any{map[string]any{"service_id": idOf(svc)}}}, 403, ""},
	} {
		var header []string
		switch b.name {
		case "bad idempotency key":
			header = []string{"Idempotency-Key", strings.Repeat("k", 101)}
		case "no CSRF token":
			header = []string{CSRFHeader, ""}
		}
		w := b.as.do(b.method, b.path, b.body, header...)
		if w.Code != b.status {
			t.Errorf("%s: %d, want %d: %.300s", b.name, w.Code, b.status, w.Body)
			continue
		}
		if w.Code >= 400 && !strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") {
			t.Errorf("%s: %s, want a problem", b.name, w.Header().Get("Content-Type"))
		}
		if b.field != "" && !strings.Contains(w.Body.String(), `"field":"`+b.field+`"`) {
			t.Errorf("%s: no error on %s: %.300s", b.name, b.field, w.Body)
		}
	}
	if after := billCounts(t, c.a); after != before {
		t.Fatalf("refused requests changed billing: %s -> %s", before, after)
	}
	expect(t, c.cashier.do("GET", "/api/v1/bills/999999", nil), 404)
	expect(t, c.cashier.do("GET", "/api/v1/services/999999", nil), 404)
	expect(t, c.cashier.do("GET", "/api/v1/bills/999999/payments", nil), 404)
	expect(t, c.cashier.do("GET", "/api/v1/bills/abc", nil), 404)
}

func TestParallelPaymentsOverHTTP(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Procedure", "code": "PROC",
		"category": "procedure", "price": "100.00"}), 201)
	bill := expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": c.patient["id"],
		"items": []any{map[string]any{"service_id": idOf(svc)}}}), 201)
	path := fmt.Sprintf("/api/v1/bills/%d/payments", idOf(bill))
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i, who := range []*client{c.cashier, c.desk} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = who.do("POST", path, map[string]any{"amount": "70.00", "payment_method": "cash"}).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == 201 && codes[1] == 422 || codes[0] == 422 && codes[1] == 201) {
		t.Fatalf("two payments of 70.00 on 100.00: %v, want one 201 and one 422", codes)
	}
	// The same key, concurrently: one payment.
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			codes[i] = c.cashier.do("POST", path, map[string]any{"amount": "10.00", "payment_method": "cash"}, "Idempotency-Key", "same-key").Code
		}()
	}
	wg.Wait()
	if codes[0] != http.StatusCreated || codes[1] != http.StatusCreated {
		t.Fatalf("same key twice: %v", codes)
	}
	b := expect(t, c.cashier.do("GET", fmt.Sprintf("/api/v1/bills/%d", idOf(bill)), nil), 200)
	if b["paid_amount"] != "80.00" || len(b["payments"].([]any)) != 2 {
		t.Fatalf("paid %v with %d payments, want 80.00 with 2", b["paid_amount"], len(b["payments"].([]any)))
	}
}
