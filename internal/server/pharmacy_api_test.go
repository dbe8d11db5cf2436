package server

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"chelal/internal/auth"
)

// pharmacyClinic is an API with a pharmacist logged in, a medication with stock and an
// encounter to prescribe in (written with SQL: the clinical API is another branch's).
type pharmacyClinic struct {
	a         *api
	pharm     *client
	med       int64
	encounter int64
}

func newPharmacyClinic(t *testing.T) *pharmacyClinic {
	t.Helper()
	a := newAPI(t, auth.Config{})
	a.newUser("pharm", auth.RolePharmacist)
	doctor := a.newUser("doc", auth.RoleDoctor)
	c := &pharmacyClinic{a: a, pharm: a.login("pharm", "10.0.0.5")}
	cat := expect(t, c.pharm.do("POST", "/api/v1/medication-categories", map[string]any{"name": "Antibiotics"}), 201)
	m := expect(t, c.pharm.do("POST", "/api/v1/medications", map[string]any{"name": "Amoxicillin", "category_id": cat["id"],
		"strength": "500 mg", "form": "capsule", "unit_price": "12.50", "reorder_level": 3}), 201)
	c.med = int64(m["id"].(float64))
	patient := queryValue[int64](a, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('CHL-9', 'Amina', 'Otieno', '1990-01-01', 'female') RETURNING id`)
	if err := a.db.Pool.QueryRow(context.Background(), `INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'cough') RETURNING id`,
		patient, doctor).Scan(&c.encounter); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *pharmacyClinic) prescribe(t *testing.T, quantity int) int64 {
	t.Helper()
	id := queryValue[int64](c.a, `INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, medication_id, quantity)
		VALUES ($1, 'Amoxicillin', '500 mg', 'tds', $2, $3) RETURNING id`, c.encounter, c.med, quantity)
	return id
}

func (c *pharmacyClinic) stock(t *testing.T) (stock, ledger int64) {
	t.Helper()
	if err := c.a.db.Pool.QueryRow(context.Background(), `SELECT stock_quantity,
		coalesce((SELECT sum(quantity_change) FROM core_stockmovement WHERE medication_id = $1), 0)
		FROM core_medicationitem WHERE id = $1`, c.med).Scan(&stock, &ledger); err != nil {
		t.Fatal(err)
	}
	return stock, ledger
}

func inDays(n int) string { return time.Now().AddDate(0, 0, n).Format(time.DateOnly) }

func TestPharmacyAPI(t *testing.T) {
	t.Parallel()
	c := newPharmacyClinic(t)
	a, pharm := c.a, c.pharm
	medPath := fmt.Sprintf("/api/v1/medications/%d", c.med)

	b := expect(t, pharm.do("POST", medPath+"/batches", map[string]any{"batch_number": "LOT-1", "expiry_date": inDays(365),
		"quantity": 10, "unit_cost": "4.20"}), 201)
	if m := b["medication"].(map[string]any); m["stock_quantity"].(float64) != 10 || m["available_quantity"].(float64) != 10 || m["unit_price"] != "12.50" {
		t.Fatalf("after receiving: %v", m)
	}

	// Bad input: a clear problem, nothing changed.
	huge := strings.Repeat("x", 5000)
	for _, tc := range []struct {
		name, method, path string
		body               any
		status             int
		field              string
	}{
		{"zero quantity", "POST", medPath + "/batches", map[string]any{"batch_number": "L", "expiry_date": inDays(30), "quantity": 0, "unit_cost": "1.00"}, 422, "quantity"},
		{"negative quantity", "POST", medPath + "/batches", map[string]any{"batch_number": "L", "expiry_date": inDays(30), "quantity": -5, "unit_cost": "1.00"}, 422, "quantity"},
		{"fractional quantity", "POST", medPath + "/batches", `{"batch_number": "L", "expiry_date": "2099-01-01", "quantity": 1.5, "unit_cost": "1.00"}`, 422, "quantity"},
		{"expired on arrival", "POST", medPath + "/batches", map[string]any{"batch_number": "L", "expiry_date": inDays(-1), "quantity": 5, "unit_cost": "1.00"}, 422, "expiry_date"},
		{"cost as a number", "POST", medPath + "/batches", `{"batch_number": "L", "expiry_date": "2099-01-01", "quantity": 1, "unit_cost": 1.5}`, 422, "unit_cost"},
		{"huge batch number", "POST", medPath + "/batches", map[string]any{"batch_number": huge, "expiry_date": inDays(30), "quantity": 5, "unit_cost": "1.00"}, 422, "batch_number"},
		{"adjust without reason", "POST", medPath + "/stock-adjustments", map[string]any{"quantity_change": -1}, 422, "reason"},
		{"adjust by zero", "POST", medPath + "/stock-adjustments", map[string]any{"quantity_change": 0, "reason": "count"}, 422, "quantity_change"},
		{"adjust with a huge reason", "POST", medPath + "/stock-adjustments", map[string]any{"quantity_change": -1, "reason": huge}, 422, "reason"},
		{"negative price", "PATCH", medPath, map[string]any{"version": 1, "unit_price": "-2.00"}, 422, "unit_price"},
		{"price with three decimals", "PATCH", medPath, map[string]any{"version": 1, "unit_price": "2.005"}, 422, "unit_price"},
		{"huge description", "PATCH", medPath, map[string]any{"version": 1, "description": huge}, 422, "description"},
		{"unknown field", "POST", "/api/v1/medications", map[string]any{"name": "X", "stock_quantity": 100}, 400, ""},
		{"below zero", "POST", medPath + "/stock-adjustments", map[string]any{"quantity_change": -11, "reason": "count"}, 409, ""},
		{"unknown medication", "POST", "/api/v1/medications/999999/batches", map[string]any{"batch_number": "L", "expiry_date": inDays(30), "quantity": 5, "unit_cost": "1.00"}, 404, ""},
		{"unknown medication ledger", "GET", "/api/v1/medications/999999/stock-adjustments", nil, 404, ""},
		{"unknown prescription", "POST", "/api/v1/prescriptions/999999/dispense", map[string]any{"quantity": 1}, 404, ""},
		{"unknown batch", "POST", "/api/v1/stock-batches/999999/write-off", map[string]any{}, 404, ""},
		{"unknown inventory item", "PATCH", "/api/v1/inventory-items/999999", map[string]any{"version": 1, "name": "X"}, 404, ""},
		{"bad stock filter", "GET", "/api/v1/medications?stock=plenty", nil, 422, "stock"},
		{"bad cursor", "GET", medPath + "/stock-adjustments?cursor=not*base64", nil, 422, "cursor"},
	} {
		w := pharm.do(tc.method, tc.path, tc.body)
		m := expect(t, w, w.Code)
		if w.Code != tc.status {
			t.Errorf("%s: %d, want %d: %s", tc.name, w.Code, tc.status, w.Body)
			continue
		}
		if tc.field != "" {
			errs, _ := m["errors"].([]any)
			if len(errs) == 0 || errs[0].(map[string]any)["field"] != tc.field {
				t.Errorf("%s: errors %v, want one on %s", tc.name, m["errors"], tc.field)
			}
		}
	}
	if s, l := c.stock(t); s != 10 || l != 10 {
		t.Fatalf("stock %d, ledger %d after refused requests; want 10", s, l)
	}

	// Stale version.
	w := pharm.do("PATCH", medPath, map[string]any{"unit_price": "13.00"}, "If-Match", "7")
	expect(t, w, 409)
	if problemType(t, w) != "stale-version" {
		t.Fatalf("stale edit: %s", w.Body)
	}
	upd := expect(t, pharm.do("PATCH", medPath, map[string]any{"unit_price": "13.00"}, "If-Match", "1"), 200)
	if upd["unit_price"] != "13.00" || upd["version"].(float64) != 2 {
		t.Fatalf("edit: %v", upd)
	}

	// Dispensing: too much, then a cashier, then no CSRF token: nothing changes.
	rx := c.prescribe(t, 8)
	dispense := fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx)
	m := expect(t, pharm.do("POST", dispense, map[string]any{"quantity": 9}), 422)
	if errs := m["errors"].([]any); errs[0].(map[string]any)["field"] != "quantity" {
		t.Fatalf("more than prescribed: %v", m)
	}
	a.newUser("till", auth.RoleCashier)
	expect(t, a.login("till", "10.0.0.6").do("POST", dispense, map[string]any{"quantity": 1}), 403)
	expect(t, pharm.do("POST", dispense, map[string]any{"quantity": 1}, CSRFHeader, ""), 403)
	if s, _ := c.stock(t); s != 10 {
		t.Fatalf("stock %d after refused dispenses, want 10", s)
	}

	// Retried with one key: applied once, answered the same.
	first := pharm.do("POST", dispense, map[string]any{"quantity": 6}, "Idempotency-Key", "7d4f0a4e-retry")
	expect(t, first, 201)
	second := pharm.do("POST", dispense, map[string]any{"quantity": 6}, "Idempotency-Key", "7d4f0a4e-retry")
	expect(t, second, 201)
	if first.Body.String() != second.Body.String() {
		t.Fatalf("a retry answered differently:\n%s\n%s", first.Body, second.Body)
	}
	if s, l := c.stock(t); s != 4 || l != 4 {
		t.Fatalf("stock %d, ledger %d after a retried dispense of 6; want 4", s, l)
	}
	expect(t, pharm.do("POST", dispense, map[string]any{"quantity": 1}, "Idempotency-Key", "bad key with spaces"), 422)

	// Not enough stock: 409 insufficient-stock with what is available.
	other := c.prescribe(t, 5)
	w = pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", other), map[string]any{"quantity": 5})
	m = expect(t, w, 409)
	if problemType(t, w) != "insufficient-stock" || m["details"].(map[string]any)["available"].(float64) != 4 {
		t.Fatalf("insufficient stock: %s", w.Body)
	}

	// The queue, the ledger and the alerts.
	q := expect(t, pharm.do("GET", "/api/v1/pharmacy/queue", nil), 200)
	if items := q["items"].([]any); len(items) != 2 || items[0].(map[string]any)["remaining_quantity"].(float64) != 2 {
		t.Fatalf("queue: %v", q)
	}
	expect(t, pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", other), map[string]any{"quantity": 2}), 201) // 4 -> 2: under 3
	led := expect(t, pharm.do("GET", medPath+"/stock-adjustments?limit=1", nil), 200)
	if items := led["items"].([]any); len(items) != 1 || led["next_cursor"] == nil || items[0].(map[string]any)["balance_after"].(float64) != 2 {
		t.Fatalf("ledger: %v", led)
	}
	al := expect(t, pharm.do("GET", "/api/v1/pharmacy/alerts", nil), 200)
	if low := al["low_stock"].([]any); len(low) != 1 || low[0].(map[string]any)["available_quantity"].(float64) != 2 {
		t.Fatalf("alerts: %v", al)
	}
	lowList := expect(t, pharm.do("GET", "/api/v1/medications?stock=low", nil), 200)
	if items := lowList["items"].([]any); len(items) != 1 || items[0].(map[string]any)["low_stock"] != true {
		t.Fatalf("low stock filter: %v", lowList)
	}
	// A doctor reads the catalog but does not change stock.
	doc := a.login("doc", "10.0.0.7")
	expect(t, doc.do("GET", medPath, nil), 200)
	expect(t, doc.do("POST", medPath+"/stock-adjustments", map[string]any{"quantity_change": -1, "reason": "x"}), 403)
}

// Fifty clients dispense one unit each of a stock of ten through the API.
func TestPharmacyAPIConcurrentDispenses(t *testing.T) {
	t.Parallel()
	c := newPharmacyClinic(t)
	expect(t, c.pharm.do("POST", fmt.Sprintf("/api/v1/medications/%d/batches", c.med), map[string]any{"batch_number": "L",
		"expiry_date": inDays(100), "quantity": 10, "unit_cost": "1.00"}), 201)
	rx := c.prescribe(t, 50)
	codes := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			w := c.pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx), map[string]any{"quantity": 1},
				"Idempotency-Key", fmt.Sprintf("client-%d", i))
			mu.Lock()
			codes[w.Code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if codes[201] != 10 || codes[409] != 40 || len(codes) != 2 {
		t.Fatalf("answers %v, want 10 x 201 and 40 x 409", codes)
	}
	if s, l := c.stock(t); s != 0 || l != 0 {
		t.Fatalf("stock %d, ledger %d; want 0", s, l)
	}
}

func TestInventoryAPI(t *testing.T) {
	t.Parallel()
	c := newPharmacyClinic(t)
	item := expect(t, c.pharm.do("POST", "/api/v1/inventory-items", map[string]any{"name": "Gloves", "unit": "box"}), 201)
	path := fmt.Sprintf("/api/v1/inventory-items/%v", item["id"])
	expect(t, c.pharm.do("POST", "/api/v1/inventory-items", map[string]any{"name": "Gloves"}), 409)
	expect(t, c.pharm.do("POST", path+"/adjustments", map[string]any{"quantity_change": 20}), 422)
	ch := expect(t, c.pharm.do("POST", path+"/adjustments", map[string]any{"quantity_change": 20, "reason": "delivery"}), 201)
	if ch["item"].(map[string]any)["quantity"].(float64) != 20 {
		t.Fatalf("adjusted: %v", ch)
	}
	expect(t, c.pharm.do("POST", path+"/adjustments", map[string]any{"quantity_change": -21, "reason": "used"}), 409)
	expect(t, c.pharm.do("PATCH", path, map[string]any{"is_active": false}, "If-Match", "2"), 409)
	off := expect(t, c.pharm.do("PATCH", path, map[string]any{"is_active": false}, "If-Match", "1"), 200)
	if off["is_active"] != false || off["quantity"].(float64) != 20 {
		t.Fatalf("deactivated: %v", off)
	}
	led := expect(t, c.pharm.do("GET", path+"/adjustments", nil), 200)
	if items := led["items"].([]any); len(items) != 1 {
		t.Fatalf("ledger: %v", led)
	}
	list := expect(t, c.pharm.do("GET", "/api/v1/inventory-items?include_inactive=true", nil), 200)
	if len(list["items"].([]any)) != 1 {
		t.Fatalf("list: %v", list)
	}
}

// TestReturnsGoBackOnTheShelf: medicine brought back returns into the batches it came from
// (the latest expiring first), as a 'return' movement naming the dispense; never more than was
// dispensed; the prescription can be dispensed again by as much.
func TestReturnsGoBackOnTheShelf(t *testing.T) {
	t.Parallel()
	c := newPharmacyClinic(t)
	medPath := fmt.Sprintf("/api/v1/medications/%d", c.med)
	expect(t, c.pharm.do("POST", medPath+"/batches", map[string]any{"batch_number": "EARLY", "expiry_date": inDays(60), "quantity": 4, "unit_cost": "1.00"}), 201)
	expect(t, c.pharm.do("POST", medPath+"/batches", map[string]any{"batch_number": "LATE", "expiry_date": inDays(300), "quantity": 10, "unit_cost": "1.00"}), 201)
	rx := c.prescribe(t, 10)
	d := expect(t, c.pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx), map[string]any{"quantity": 10}), 201)
	retPath := fmt.Sprintf("/api/v1/dispenses/%d/returns", idOf(d))
	for _, bad := range []map[string]any{{"quantity": 3}, {"quantity": 0, "reason": "unused"}, {"quantity": -1, "reason": "unused"},
		{"quantity": 11, "reason": "unused"}, {"quantity": 1.5, "reason": "unused"}, {"quantity": 1, "reason": strings.Repeat("r", 501)}} {
		expect(t, c.pharm.do("POST", retPath, bad), 422)
	}
	expect(t, c.pharm.do("POST", "/api/v1/dispenses/999999/returns", map[string]any{"quantity": 1, "reason": "unused"}), 404)
	if stock, ledger := c.stock(t); stock != 4 || ledger != 4 {
		t.Fatalf("refused returns changed the stock: %d / ledger %d", stock, ledger)
	}
	expect(t, c.pharm.do("POST", retPath, map[string]any{"quantity": 3, "reason": "Patient stopped: rash"}), 201)
	if stock, ledger := c.stock(t); stock != 7 || ledger != 7 {
		t.Fatalf("after returning 3: stock %d, ledger %d; want 7", stock, ledger)
	}
	var late, kind string
	var back int64
	if err := c.a.db.Pool.QueryRow(context.Background(), `SELECT b.batch_number, m.kind, m.quantity_change FROM core_stockmovement m
		JOIN core_stockbatch b ON b.id = m.batch_id WHERE m.dispense_id = $1 AND m.kind = 'return'`, idOf(d)).Scan(&late, &kind, &back); err != nil {
		t.Fatal(err)
	}
	if late != "LATE" || back != 3 {
		t.Errorf("returned %d into %s, want 3 into LATE (the latest expiring it came from)", back, late)
	}
	// At most what is left to return; the prescription has 3 to dispense again.
	expect(t, c.pharm.do("POST", retPath, map[string]any{"quantity": 8, "reason": "unused"}), 422)
	again := expect(t, c.pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx), map[string]any{"quantity": 3}), 201)
	if again["quantity"] != float64(3) {
		t.Errorf("dispensing the returned quantity again: %v", again)
	}
	if stock, ledger := c.stock(t); stock != 4 || ledger != 4 {
		t.Errorf("stock %d, ledger %d; want 4", stock, ledger)
	}
}

// Stock received under the reorder level and a batch received inside the expiry window ring the
// pharmacist's bell at once; the ledger names the patient a dispense went to.
func TestStockAlertsFireOnReceipt(t *testing.T) {
	t.Parallel()
	c := newPharmacyClinic(t) // reorder level 3
	pharm := c.pharm
	medPath := fmt.Sprintf("/api/v1/medications/%d", c.med)
	kinds := func() map[string]int {
		page := expect(t, pharm.do("GET", "/api/v1/notifications", nil), 200)
		n := map[string]int{}
		for _, it := range page["items"].([]any) {
			n[it.(map[string]any)["notification_type"].(string)]++
		}
		return n
	}
	expect(t, pharm.do("POST", medPath+"/batches", map[string]any{"batch_number": "LOT-1", "expiry_date": inDays(365),
		"quantity": 2, "unit_cost": "1.00"}), 201)
	if n := kinds(); n["low_stock"] != 1 || n["expiry"] != 0 {
		t.Fatalf("after receiving 2 of a reorder level of 3: %v", n)
	}
	expect(t, pharm.do("POST", medPath+"/batches", map[string]any{"batch_number": "LOT-2", "expiry_date": inDays(5),
		"quantity": 20, "unit_cost": "1.00"}), 201)
	if n := kinds(); n["low_stock"] != 1 || n["expiry"] != 1 {
		t.Fatalf("after receiving a batch expiring in 5 days: %v", n)
	}
	rx := c.prescribe(t, 2)
	expect(t, pharm.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx), map[string]any{"quantity": 2}), 201)
	led := expect(t, pharm.do("GET", medPath+"/stock-adjustments", nil), 200)
	first := led["items"].([]any)[0].(map[string]any)
	if first["kind"] != "dispense" || first["patient_name"] != "Amina Otieno" || first["patient_unique_id"] != "CHL-9" {
		t.Fatalf("ledger's dispense: %v", first)
	}
}
