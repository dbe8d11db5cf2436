package server

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestHostileInput: each kind of input that once answered 500 now answers 404 or 422 with the
// field named: ids past the integer (int4) columns' range in paths, filters, bodies, cursors
// and If-Match; NUL and bytes that are not UTF-8 in query parameters, cursors and JSON text.
func TestHostileInput(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	patient := idOf(c.patient)
	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "consult",
		"category": "consultation", "price": "1500.00"}), 201)
	bill := map[string]any{"patient_id": patient, "items": []any{map[string]any{"service_id": idOf(svc), "quantity": 1}}}
	with := func(m map[string]any, path []any, v any) any { return setAt(m, path, v) }
	const int4 = "2147483648"          // 2^31: one past the integer columns
	const int8 = "9223372036854775807" // 2^63-1: fits int64, not int4

	for _, tc := range []struct {
		name           string
		method, target string
		body           any
		header         []string
		status         int
		field          string // the field the problem must name ("" : any)
	}{
		{name: "path id 2^31", method: "GET", target: "/api/v1/patients/" + int4, status: 404},
		{name: "path id 2^63-1", method: "GET", target: "/api/v1/bills/" + int8, status: 404},
		{name: "path id 2^63", method: "GET", target: "/api/v1/encounters/9223372036854775808", status: 404},
		{name: "path id of a write", method: "POST", target: "/api/v1/bills/" + int4 + "/payments",
			body: map[string]any{"amount": "1.00", "payment_method": "cash"}, status: 404},
		{name: "filter patient_id 2^31", method: "GET", target: "/api/v1/bills?patient_id=" + int4, status: 422, field: "patient_id"},
		{name: "filter patient_id 2^63-1", method: "GET", target: "/api/v1/encounters?patient_id=" + int8, status: 422, field: "patient_id"},
		{name: "filter below int4", method: "GET", target: "/api/v1/pharmacy/queue?patient_id=-2147483649", status: 422, field: "patient_id"},
		{name: "filter past int8", method: "GET", target: "/api/v1/audit?object_id=99999999999999999999", status: 422, field: "object_id"},
		{name: "body patient_id 2^31", method: "POST", target: "/api/v1/bills",
			body: with(bill, []any{"patient_id"}, json64(int4)), status: 422, field: "patient_id"},
		{name: "nested body service_id 2^63-1", method: "POST", target: "/api/v1/bills",
			body: with(bill, []any{"items", 0, "service_id"}, json64(int8)), status: 422, field: "items.0.service_id"},
		{name: "body version 2^31", method: "PATCH", target: fmt.Sprintf("/api/v1/patients/%d", patient),
			body: map[string]any{"first_name": "Amina", "version": json64(int4)}, status: 422, field: "version"},
		{name: "If-Match 2^31", method: "PATCH", target: fmt.Sprintf("/api/v1/patients/%d", patient),
			body: map[string]any{"first_name": "Amina"}, header: []string{"If-Match", int4}, status: 422, field: "If-Match"},
		{name: "id cursor 2^31", method: "GET", target: "/api/v1/audit?cursor=MjE0NzQ4MzY0OA", status: 422, field: "cursor"},
		{name: "id cursor 2^63-1", method: "GET", target: "/api/v1/users?cursor=OTIyMzM3MjAzNjg1NDc3NTgwNw", status: 422, field: "cursor"},
		{name: "pharmacy id cursor 2^31", method: "GET", target: fmt.Sprintf("/api/v1/medications/1/stock-adjustments?cursor=MjE0NzQ4MzY0OA"),
			status: 422, field: "cursor"},
		{name: "name cursor of invalid UTF-8", method: "GET", target: "/api/v1/medications?cursor=_w", status: 422, field: "cursor"},
		{name: "name cursor holding a NUL", method: "GET", target: "/api/v1/medication-categories?cursor=YQBi", status: 422, field: "cursor"},
		{name: "NUL in a search", method: "GET", target: "/api/v1/patients?q=a%00b", status: 422, field: "q"},
		{name: "invalid UTF-8 in a search", method: "GET", target: "/api/v1/bills?q=caf%C3", status: 422, field: "q"},
		{name: "NUL in a filter", method: "GET", target: "/api/v1/patients/duplicates?first_name=%00&last_name=x", status: 422, field: "first_name"},
		{name: "NUL in a cursor", method: "GET", target: "/api/v1/inventory-items?cursor=%00", status: 422, field: "cursor"},
		{name: "NUL in a parameter name", method: "GET", target: "/api/v1/patients?q%00=x", status: 422},
		{name: "NUL in a JSON string", method: "POST", target: "/api/v1/patients",
			body: `{"first_name":"Am\u0000ina","last_name":"Otieno","date_of_birth":"1990-04-02","gender":"female"}`, status: 422, field: "first_name"},
		{name: "NUL in a nested JSON string", method: "POST", target: "/api/v1/bills",
			body:   fmt.Sprintf(`{"patient_id":%d,"items":[{"kind":"credit","amount":"1.00","description":"\u0000"}]}`, patient),
			status: 422, field: "items.0.description"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := c.admin.do(tc.method, tc.target, tc.body, tc.header...)
			m := expect(t, w, tc.status)
			if ct := w.Header().Get("Content-Type"); ct != problemContentType {
				t.Errorf("Content-Type %q", ct)
			}
			if tc.field != "" && fieldOf(t, m) != tc.field {
				t.Errorf("field %q, want %q: %s", fieldOf(t, m), tc.field, w.Body)
			}
		})
	}

	// A NUL in the login form, before any session.
	w := c.a.anonymous("10.1.1.1").do("POST", "/api/v1/auth/login", `{"username":"boss\u0000","password":"x"}`)
	expect(t, w, http.StatusUnprocessableEntity)
}

// json64 is a JSON number of any size, as the JSON encoder writes it.
type json64 string

func (n json64) MarshalJSON() ([]byte, error) { return []byte(n), nil }

// TestPDFsPrintEveryScript: a clinic, a patient, a prescriber, a prescription and a service
// named in scripts the PDF font lacks, and with characters beyond the Basic Multilingual Plane
// (which made the PDF writer panic, and in the clinic's name broke every PDF), still print.
func TestPDFsPrintEveryScript(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "🥜 فول سوداني")
	set := expect(t, c.admin.do("GET", "/api/v1/settings", nil), 200)
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"clinic_name": "Kliniki 🏥 عيادة 诊所 ክሊኒክ", "version": set["version"]}), 200)
	expect(t, c.admin.do("PATCH", fmt.Sprintf("/api/v1/patients/%d", idOf(c.patient)),
		map[string]any{"first_name": "Amina 💊 أمينة", "last_name": "阿米娜 አማኒ 𝄞"}, "If-Match", "1"), 200)

	enc := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", idOf(c.visit)), nil), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(enc)), map[string]any{
		"medication_name": "Amoxicillin 💊 阿莫西林", "dosage": "500 mg 😀", "frequency": "ثلاث مرات", "duration": "ሰባት ቀን",
		"instructions": "After food 🍲", "quantity": 10}), 201)
	pdf := c.pha.do("GET", fmt.Sprintf("/api/v1/encounters/%d/prescription.pdf", idOf(enc)), nil)
	if pdf.Code != 200 || pdf.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body.String(), "%PDF-") {
		t.Fatalf("prescription pdf: %d %s %.200s", pdf.Code, pdf.Header().Get("Content-Type"), pdf.Body.String())
	}

	svc := expect(t, c.admin.do("POST", "/api/v1/services", map[string]any{"name": "Consultation 🩺 استشارة", "code": "consult",
		"category": "consultation", "price": "1500.00"}), 201)
	bill := expect(t, c.cashier.do("POST", "/api/v1/bills", map[string]any{"patient_id": idOf(c.patient),
		"items": []any{map[string]any{"service_id": idOf(svc), "quantity": 1}}}), 201)
	expect(t, c.cashier.do("POST", fmt.Sprintf("/api/v1/bills/%d/payments", idOf(bill)), map[string]any{"amount": "100.00",
		"payment_method": "mobile_money", "transaction_id": "M-PESA 💸"}), 201)
	for _, size := range []string{"", "?size=80mm"} {
		w := c.cashier.do("GET", fmt.Sprintf("/api/v1/bills/%d/receipt.pdf%s", idOf(bill), size), nil)
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(w.Body.String(), "%PDF-") {
			t.Fatalf("receipt.pdf%s: %d %s %.200s", size, w.Code, w.Header().Get("Content-Type"), w.Body.String())
		}
	}
}
