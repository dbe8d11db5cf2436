package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// writeOutcome is what one write through the API was answered.
type writeOutcome struct {
	status     int
	retryAfter string
	body       string
	refused    bool // a rightful refusal the writer expected (not enough stock): neither acknowledged nor wrong
}

// post sends one JSON write as the client (with its CSRF token and, when key is not empty, an
// Idempotency-Key) and returns the answer; a transport error is a status 0 with its text.
func (c *apiClient) post(path string, body any, key string) writeOutcome {
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-CSRF-Token", c.csrf)
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return writeOutcome{body: err.Error()}
	}
	defer resp.Body.Close()
	rb, _ := io.ReadAll(resp.Body)
	return writeOutcome{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: string(rb)}
}

// killPostmasterUnderLoad runs `writers` clients, each calling write(w, i) for i = 0, 1, ...
// (one API write a call), kills the embedded postmaster with SIGKILL once 20 writes were
// acknowledged (201), and waits for Chelal to serve again: a new postmaster runs, health
// answers 200, and every writer has a write acknowledged after that, within 10 s of the kill. Then a little
// more load, and the writers stop. Every answer that is neither 201, nor a 503
// database-unavailable with Retry-After, nor (to a retry with the same key) a 409
// idempotency-answer-lost, nor a refusal the writer expected, fails the test. It returns how long the service took to
// come back and how many writes were answered 503.
func killPostmasterUnderLoad(t *testing.T, data string, c *chelal, writers int, write func(w, i int) writeOutcome) (time.Duration, int64) {
	t.Helper()
	var (
		mu      sync.Mutex
		bad     []string // answers that are neither 201 nor a proper 503
		acked   atomic.Int64
		n503    atomic.Int64
		lost    atomic.Int64                    // retries answered idempotency-answer-lost
		lastAck = make([]atomic.Int64, writers) // per writer, unix nanos of its newest 201
		stop    = make(chan struct{})
		wg      sync.WaitGroup
	)
	for w := 0; w < writers; w++ {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				o := write(w, i)
				switch {
				case o.refused:
				case o.status == http.StatusConflict && strings.Contains(o.body, "idempotency-answer-lost"):
					// A retry of a request that committed as the database stopped, its answer
					// lost: rightly not run again (the writer moves on).
					lost.Add(1)
				case o.status == http.StatusCreated:
					acked.Add(1)
					lastAck[w].Store(time.Now().UnixNano())
				case o.status == http.StatusServiceUnavailable && o.retryAfter != "" && strings.Contains(o.body, "database-unavailable"):
					n503.Add(1)
					time.Sleep(20 * time.Millisecond)
				default:
					mu.Lock()
					bad = append(bad, fmt.Sprintf("writer %d, write %d: %d %s", w, i, o.status, strings.TrimSpace(o.body)))
					mu.Unlock()
				}
			}
		})
	}
	stopWriters := sync.OnceFunc(func() { close(stop); wg.Wait() })
	defer stopWriters()

	// Let some writes commit, then kill the postmaster mid-load.
	for deadline := time.Now().Add(30 * time.Second); acked.Load() < 20; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("only %d writes acknowledged in 30 s before the kill", acked.Load())
		}
	}
	pgPid := postmasterPID(data)
	if pgPid == 0 {
		t.Fatal("no postmaster.pid while Chelal runs")
	}
	mustKill(t, pgPid)
	killed := time.Now()

	// Service back within 10 s: a new postmaster runs, health answers 200, and each writer has
	// a write acknowledged again after that. (Backends outlive their postmaster for a moment, so
	// answers right after the kill prove nothing.)
	client := &http.Client{Timeout: 2 * time.Second}
	var restartedAt time.Time
	for {
		healthy := false
		if pid := postmasterPID(data); restartedAt.IsZero() && pid != 0 && pid != pgPid {
			restartedAt = time.Now()
		}
		if !restartedAt.IsZero() {
			if resp, err := client.Get("http://" + c.addr + "/api/v1/health"); err == nil {
				healthy = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
		}
		allBack := healthy
		for i := range lastAck {
			allBack = allBack && lastAck[i].Load() > restartedAt.UnixNano()
		}
		if allBack {
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("service not back 10 s after kill -9 of the postmaster (healthy %v)\n%s", healthy, c.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	back := time.Since(killed)
	time.Sleep(500 * time.Millisecond) // a little more load on the restarted server
	stopWriters()

	if len(bad) > 0 {
		t.Errorf("%d answers were neither 201 nor 503 database-unavailable, e.g. %s", len(bad), bad[0])
	}
	if postmasterPID(data) == pgPid {
		t.Fatalf("postmaster.pid still names the killed %d", pgPid)
	}
	out := c.out.String()
	for _, want := range []string{"stopped unexpectedly; restarting it", "was restarted"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not say %q:\n%s", want, out)
		}
	}
	if n := lost.Load(); n > 0 {
		t.Logf("%d retries were told their first request was carried out and its answer lost", n)
	}
	return back, n503.Load()
}

// TestPostmasterKilledUnderWriteLoad kills the embedded postmaster with SIGKILL while two
// clients register patients through the API: Chelal must notice, restart it, and serve again
// within 10 s; every registration it acknowledged (201) must be there; every other answer is a
// 503 database-unavailable with Retry-After (never a 500); the administrators are notified.
func TestPostmasterKilledUnderWriteLoad(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")

	var (
		mu    sync.Mutex
		acked []string // last names of the registrations answered 201
	)
	back, n503 := killPostmasterUnderLoad(t, data, c, 2, func(w, i int) writeOutcome {
		name := fmt.Sprintf("W%d-%d", w, i)
		o := admin.post("/api/v1/patients", map[string]any{"first_name": "Load", "last_name": name, "date_of_birth": "1990-01-01", "gender": "female", "confirm_duplicate": true}, "")
		if o.status == http.StatusCreated {
			mu.Lock()
			acked = append(acked, name)
			mu.Unlock()
		}
		return o
	})

	conn := connect(t, embeddedDSN(t, data))
	stored := map[string]bool{}
	for _, name := range queryStrings(t, conn, `SELECT last_name FROM core_patient WHERE first_name = 'Load'`) {
		stored[name] = true
	}
	lost := 0
	for _, name := range acked {
		if !stored[name] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged registrations were lost", lost, len(acked))
	}
	// The name search finds every one of them, page by page, once the index in memory is built
	// again on the restarted server (a restarted server may give out again a transaction id
	// the index's snapshot counted as past).
	for end := time.Now().Add(30 * time.Second); strings.Count(c.out.String(), "name search index built") < 2; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("the name index was not built again after the restart:\n%s", c.out.String())
		}
	}
	searched := map[string]bool{}
	cursor := ""
	for page := 0; ; page++ {
		var res struct {
			Items []struct {
				LastName string `json:"last_name"`
			} `json:"items"`
			NextCursor *string `json:"next_cursor"`
		}
		if st := admin.call("GET", "/api/v1/patients?limit=50&q=load&cursor="+url.QueryEscape(cursor), nil, &res); st != http.StatusOK || page > 1000 {
			t.Fatalf("search page %d: %d", page, st)
		}
		for _, it := range res.Items {
			searched[it.LastName] = true
		}
		if res.NextCursor == nil {
			break
		}
		cursor = *res.NextCursor
	}
	if len(searched) != len(stored) {
		t.Errorf("the name search finds %d of the %d stored registrations", len(searched), len(stored))
	}
	for name := range stored {
		if !searched[name] {
			t.Errorf("registration %s is stored and the name search does not find it", name)
			break
		}
	}
	var notes struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	found := false
	for end := time.Now().Add(5 * time.Second); !found && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		admin.call("GET", "/api/v1/notifications", nil, &notes)
		for _, n := range notes.Items {
			found = found || n.Title == "Database restarted"
		}
	}
	if !found {
		t.Errorf("the administrator was not notified of the restart: %+v", notes.Items)
	}
	t.Logf("back %s after kill -9; %d registrations acknowledged and kept, %d answered 503", back.Round(time.Millisecond), len(acked), n503)
	c.stop(t)
}

// TestPostmasterKilledUnderCashierLoad kills the embedded postmaster while two cashiers open
// bills and take part payments (each with an Idempotency-Key). After the restart every
// acknowledged bill and payment is there with its amount and its audit row, and the money
// still adds up across the tables a crash could tear apart: each bill's total is its lines',
// its paid amount its payments', its status follows from both, and the open bills' debts
// summary (core_billdebt, kept by statement triggers in the same transactions) equals the
// open bills themselves, key by key.
func TestPostmasterKilledUnderCashierLoad(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	var patient, service struct {
		ID int64 `json:"id"`
	}
	if st := admin.call("POST", "/api/v1/patients", map[string]any{"first_name": "Kassim", "last_name": "Till", "date_of_birth": "1984-05-06", "gender": "male"}, &patient); st != 201 {
		t.Fatalf("patient: %d", st)
	}
	if st := admin.call("POST", "/api/v1/services", map[string]any{"name": "Consultation", "code": "CONS", "category": "consultation", "price": "150.00"}, &service); st != 201 {
		t.Fatalf("service: %d", st)
	}

	type payment struct {
		bill   int64
		amount string
	}
	var (
		mu       sync.Mutex
		toPay    = map[int]int64{}     // per writer, the bill opened and not yet paid
		bills    []int64               // bills answered 201
		payments = map[int64]payment{} // payments answered 201, by id
	)
	back, n503 := killPostmasterUnderLoad(t, data, c, 2, func(w, i int) writeOutcome {
		mu.Lock()
		bill, open := toPay[w]
		mu.Unlock()
		if !open {
			o := admin.post("/api/v1/bills", map[string]any{"patient_id": patient.ID,
				"items": []any{map[string]any{"service_id": service.ID, "quantity": 1 + i%3}}}, fmt.Sprintf("bill-%d-%d", w, i))
			var made struct {
				ID int64 `json:"id"`
			}
			if o.status == http.StatusCreated && json.Unmarshal([]byte(o.body), &made) == nil {
				mu.Lock()
				toPay[w] = made.ID
				bills = append(bills, made.ID)
				mu.Unlock()
			}
			return o
		}
		// Part of the bill, or all of a one-line bill. An answer 503 may come after the payment
		// committed, so it is sent again with the same key and amount, as the cashier's screen
		// does: the first payment stands, never a second one.
		amount := "100.00"
		if bill%2 == 0 {
			amount = "150.00"
		}
		o := admin.post(fmt.Sprintf("/api/v1/bills/%d/payments", bill), map[string]any{"amount": amount, "payment_method": "cash"}, fmt.Sprintf("pay-%d", bill))
		var made struct {
			ID int64 `json:"id"`
		}
		if o.status == http.StatusCreated && json.Unmarshal([]byte(o.body), &made) == nil {
			mu.Lock()
			payments[made.ID] = payment{bill, amount}
			mu.Unlock()
		}
		if o.status != http.StatusServiceUnavailable {
			mu.Lock()
			delete(toPay, w)
			mu.Unlock()
		}
		return o
	})

	conn := connect(t, embeddedDSN(t, data))
	mu.Lock()
	defer mu.Unlock()
	var payIDs, payBills []int64
	var payAmounts []string
	for id, p := range payments {
		payIDs, payAmounts, payBills = append(payIDs, id), append(payAmounts, p.amount), append(payBills, p.bill)
	}
	expectNoRows(t, conn, []rowCheck{
		{"acknowledged bills missing", `SELECT a::text FROM unnest($1::bigint[]) a WHERE NOT EXISTS (SELECT 1 FROM core_bill WHERE id = a)`, []any{bills}},
		{"acknowledged payments missing, changed or unaudited", `
			SELECT format('%s of %s on bill %s', a.id, a.amount, a.bill) FROM unnest($1::bigint[], $2::numeric[], $3::bigint[]) a (id, amount, bill)
			 WHERE NOT EXISTS (SELECT 1 FROM core_payment p WHERE p.id = a.id AND p.amount = a.amount AND p.bill_id = a.bill
			                      AND EXISTS (SELECT 1 FROM core_auditlog l WHERE l.model_name = 'core_payment' AND l.object_id = p.id))`,
			[]any{payIDs, payAmounts, payBills}},
		{"bills whose total is not their lines'", `SELECT b.id::text FROM core_bill b
			WHERE b.total_amount <> (SELECT coalesce(sum(i.total_price), 0) FROM core_billitem i WHERE i.bill_id = b.id)`, nil},
		{"bills whose paid amount is not their payments'", `SELECT b.id::text FROM core_bill b
			WHERE b.paid_amount <> (SELECT coalesce(sum(p.amount), 0) FROM core_payment p WHERE p.bill_id = b.id)`, nil},
		{"bills whose status does not follow from their amounts", `SELECT b.id || ' ' || b.status FROM core_bill b
			WHERE b.status <> CASE WHEN b.paid_amount = 0 THEN 'pending' WHEN b.paid_amount < b.total_amount THEN 'partially_paid' ELSE 'paid' END`, nil},
		{"debt summary keys that differ from the open bills", `
			WITH summary AS (SELECT day, due_date, sum(owed) AS owed, sum(bills) AS bills FROM core_billdebt
			                  GROUP BY 1, 2 HAVING sum(owed) <> 0 OR sum(bills) <> 0),
			     live AS (SELECT (created_at AT TIME ZONE 'UTC')::date AS day, due_date, sum(total_amount - paid_amount) AS owed, count(*) AS bills
			                FROM core_bill WHERE status IN ('pending', 'partially_paid') GROUP BY 1, 2)
			SELECT format('summary %s %s %s %s', day, due_date, owed, bills) FROM (SELECT * FROM summary EXCEPT SELECT * FROM live) x
			UNION ALL
			SELECT format('live %s %s %s %s', day, due_date, owed, bills) FROM (SELECT * FROM live EXCEPT SELECT * FROM summary) y`, nil},
	})
	if len(payments) == 0 {
		t.Fatal("no payment was acknowledged: the test proved nothing")
	}
	t.Logf("back %s after kill -9; %d bills and %d payments acknowledged and kept, %d answered 503", back.Round(time.Millisecond), len(bills), len(payments), n503)
	c.stop(t)
}

// TestPostmasterKilledUnderPharmacyLoad kills the embedded postmaster while a pharmacist
// receives batches and another dispenses prescriptions one unit each (each dispense with an
// Idempotency-Key, sent again with it after a 503, as the dispensing screen does). After the
// restart every acknowledged batch and dispense is there, and the stock still adds up: the
// medication's stock is its ledger's sum and its batches' remainders, none below zero, and each
// prescription's dispensed quantity is the sum of its dispenses (so none was applied twice).
func TestPostmasterKilledUnderPharmacyLoad(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	var cat, med struct {
		ID int64 `json:"id"`
	}
	if st := admin.call("POST", "/api/v1/medication-categories", map[string]any{"name": "Antimalarials"}, &cat); st != 201 {
		t.Fatalf("category: %d", st)
	}
	if st := admin.call("POST", "/api/v1/medications", map[string]any{"name": "Artemether-lumefantrine", "category_id": cat.ID,
		"strength": "20/120 mg", "form": "tablet", "unit_price": "30.00", "reorder_level": 5}, &med); st != 201 {
		t.Fatalf("medication: %d", st)
	}
	batches := fmt.Sprintf("/api/v1/medications/%d/batches", med.ID)
	expiry := time.Now().AddDate(1, 0, 0).Format(time.DateOnly)
	if st := admin.call("POST", batches, map[string]any{"batch_number": "OPEN", "expiry_date": expiry, "quantity": 30, "unit_cost": "12.00"}, nil); st != 201 {
		t.Fatalf("opening stock: %d", st)
	}
	setup := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	// 2,000 prescriptions of one unit, on one consultation (written directly: the doctor's side
	// is not what this test is about).
	if _, err := setup.Exec(ctx, `
		WITH p AS (INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		           VALUES ('RX-1', 'Halima', 'Dawa', '1979-02-03', 'female') RETURNING id),
		     e AS (INSERT INTO core_encounter (patient_id, doctor_id, notes)
		           SELECT p.id, u.id, 'fever' FROM p, auth_user u WHERE u.username = 'amina' RETURNING id)
		INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, medication_id, quantity)
		SELECT e.id, 'Artemether-lumefantrine', '4 tablets', 'bd', $1, 1 FROM e, generate_series(1, 2000)`, med.ID); err != nil {
		t.Fatal(err)
	}
	rxs := queryStrings(t, setup, `SELECT id::text FROM core_prescription ORDER BY id`)

	var (
		mu        sync.Mutex
		received  []int64 // batches answered 201
		dispensed []string
		next      int // the prescription to dispense next
	)
	back, n503 := killPostmasterUnderLoad(t, data, c, 2, func(w, i int) writeOutcome {
		if w == 0 {
			o := admin.post(batches, map[string]any{"batch_number": fmt.Sprintf("B-%d", i), "expiry_date": expiry, "quantity": 2, "unit_cost": "12.00"}, "")
			var made struct {
				Batch struct {
					ID int64 `json:"id"`
				} `json:"batch"`
			}
			if o.status == http.StatusCreated && json.Unmarshal([]byte(o.body), &made) == nil {
				mu.Lock()
				received = append(received, made.Batch.ID)
				mu.Unlock()
			}
			return o
		}
		mu.Lock()
		rx := rxs[next%len(rxs)]
		mu.Unlock()
		o := admin.post("/api/v1/prescriptions/"+rx+"/dispense", map[string]any{"quantity": 1}, "dispense-"+rx)
		if o.status == http.StatusConflict && strings.Contains(o.body, "insufficient-stock") {
			o.refused = true // the receiving pharmacist will catch up
			time.Sleep(10 * time.Millisecond)
			return o
		}
		mu.Lock()
		if o.status == http.StatusCreated {
			dispensed = append(dispensed, rx)
		}
		if o.status != http.StatusServiceUnavailable {
			next++ // after a 503 the same prescription is sent again with the same key
		}
		mu.Unlock()
		return o
	})

	conn := connect(t, embeddedDSN(t, data)) // the setup's connection died with the postmaster
	mu.Lock()
	defer mu.Unlock()
	expectNoRows(t, conn, []rowCheck{
		{"acknowledged batches missing", `SELECT a::text FROM unnest($1::bigint[]) a WHERE NOT EXISTS (SELECT 1 FROM core_stockbatch WHERE id = a)`, []any{received}},
		{"acknowledged dispenses not applied once", `SELECT a || ': ' || coalesce(p.dispensed_quantity::text, 'missing')
			FROM unnest($1::text[]) a LEFT JOIN core_prescription p ON p.id = a::int WHERE p.dispensed_quantity IS DISTINCT FROM 1`, []any{dispensed}},
		{"medications whose stock is not their ledger's or their batches'", `SELECT m.id || ': ' || m.stock_quantity || ' ' || l.sum || ' ' || b.sum
			FROM core_medicationitem m,
			     LATERAL (SELECT coalesce(sum(quantity_change), 0) AS sum FROM core_stockmovement WHERE medication_id = m.id) l,
			     LATERAL (SELECT coalesce(sum(quantity_left), 0) AS sum FROM core_stockbatch WHERE medication_id = m.id) b
			WHERE m.stock_quantity <> l.sum OR m.stock_quantity <> b.sum OR m.stock_quantity < 0`, nil},
		{"batches below zero", `SELECT id::text FROM core_stockbatch WHERE quantity_left < 0`, nil},
		{"prescriptions whose dispensed quantity is not their dispenses'", `SELECT p.id || ': ' || p.dispensed_quantity FROM core_prescription p
			WHERE p.dispensed_quantity <> (SELECT coalesce(sum(d.quantity), 0) FROM core_dispense d WHERE d.prescription_id = p.id)`, nil},
	})
	if len(dispensed) == 0 || len(received) == 0 {
		t.Fatalf("%d dispenses and %d batches acknowledged: the test proved nothing", len(dispensed), len(received))
	}
	t.Logf("back %s after kill -9; %d batches and %d dispenses acknowledged and kept, %d answered 503", back.Round(time.Millisecond), len(received), len(dispensed), n503)
	c.stop(t)
}

// rowCheck is a query whose rows (one text column) are what went wrong.
type rowCheck struct {
	what string
	sql  string
	args []any
}

// expectNoRows fails the test for every check that finds rows.
func expectNoRows(t *testing.T, conn *pgx.Conn, checks []rowCheck) {
	t.Helper()
	for _, c := range checks {
		if got := queryStrings(t, conn, c.sql, c.args...); len(got) > 0 {
			t.Errorf("%s: %v", c.what, got)
		}
	}
}

// TestDiskFullAtStart starts Chelal on a data folder whose disk (a 16 MB tmpfs) cannot hold
// it: the start fails at once with a message naming the folder, the free space and the space
// needed, instead of a half-unpacked server and an error from deep inside.
func TestDiskFullAtStart(t *testing.T) {
	t.Parallel()
	data, err := os.MkdirTemp(workDir, "full-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", data).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", data).Run() })
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
	want := "the disk holding " + filepath.Join(data, "pg") + " is full: "
	if code == 0 || !strings.Contains(out, want) || !strings.Contains(out, "MB free, and Chelal needs at least") || !strings.Contains(out, "Free some space") {
		t.Fatalf("exit %d, want a message with %q, the free and the needed space; output:\n%s", code, want, out)
	}
	if strings.Count(strings.TrimSpace(out), "\n") > 3 {
		t.Errorf("the refusal should be a few lines, not a trace:\n%s", out)
	}
	if testing.Verbose() {
		t.Logf("refused with:\n%s", out)
	}
}

// TestNewerSchemaRefused: data migrated by a newer Chelal (a schema version this binary has no
// migration for) is refused at start with both numbers and what to do, and left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	var latest int
	if err := conn.QueryRow(ctx, `SELECT version FROM schema_migrations`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE schema_migrations SET version = $1`, latest+1); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
	want := fmt.Sprintf("made by a newer Chelal (schema %d); this is schema %d: install the newer version", latest+1, latest)
	if code == 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want %q in:\n%s", code, want, out)
	}
	out2, _ := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "migrate", "status")
	if !strings.Contains(out2, fmt.Sprintf("schema version %04d of %04d", latest+1, latest)) {
		t.Fatalf("the newer schema was changed; migrate status:\n%s", out2)
	}
}

// TestEventsAfterPostmasterKill: a screen's live event stream, open when the postmaster is
// killed, still brings the changes made after the restart (the hub's LISTEN connection died
// with the server and must come back by itself), and a patient registered just before the kill
// is not lost. When the stream itself ends, it is opened again with Last-Event-ID, as the UI
// does, and what it missed must come.
func TestEventsAfterPostmasterKill(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	type event struct {
		id   string
		kind string
		of   int64
	}
	open := func(lastID string) (<-chan event, func()) {
		ctx, cancel := context.WithCancel(context.Background())
		req, _ := http.NewRequestWithContext(ctx, "GET", admin.base+"/api/v1/events", nil)
		if lastID != "" {
			req.Header.Set("Last-Event-ID", lastID)
		}
		resp, err := (&http.Client{Jar: admin.http.Jar}).Do(req)
		if err != nil || resp.StatusCode != http.StatusOK {
			cancel()
			t.Fatalf("events: %v %v", resp, err)
		}
		ch := make(chan event, 1000)
		go func() {
			defer close(ch)
			defer resp.Body.Close()
			sc := bufio.NewScanner(resp.Body)
			var id string
			for sc.Scan() {
				line := sc.Text()
				if v, ok := strings.CutPrefix(line, "id: "); ok {
					id = v
				}
				if v, ok := strings.CutPrefix(line, "data: "); ok {
					var ev struct {
						Kind string `json:"kind"`
						ID   int64  `json:"id"`
					}
					if json.Unmarshal([]byte(v), &ev) == nil && ev.Kind != "" {
						ch <- event{id, ev.Kind, ev.ID}
					}
				}
			}
		}()
		return ch, cancel
	}
	register := func(name string, within time.Duration) int64 {
		t.Helper()
		for end := time.Now().Add(within); ; time.Sleep(200 * time.Millisecond) {
			var p struct {
				ID int64 `json:"id"`
			}
			o := admin.post("/api/v1/patients", map[string]any{"first_name": name, "last_name": "Live", "date_of_birth": "1990-01-01", "gender": "female", "confirm_duplicate": true}, "")
			if o.status == http.StatusCreated && json.Unmarshal([]byte(o.body), &p) == nil {
				return p.ID
			}
			if time.Now().After(end) {
				t.Fatalf("registering %s: %d %s", name, o.status, o.body)
			}
		}
	}
	stream, cancel := open("")
	defer func() { cancel() }()
	lastID := ""
	// waitPatient reads the stream until the patient's event, opening it again after the last
	// id seen when it ends.
	waitPatient := func(id int64, within time.Duration) time.Duration {
		t.Helper()
		start := time.Now()
		deadline := time.After(within)
		for {
			select {
			case ev, ok := <-stream:
				if !ok {
					t.Logf("the stream ended after id %q; opened again with Last-Event-ID", lastID)
					cancel()
					stream, cancel = open(lastID)
					continue
				}
				lastID = ev.id
				if ev.kind == "patient" && ev.of == id {
					return time.Since(start)
				}
			case <-deadline:
				t.Fatalf("no event of patient %d within %v\n%s", id, within, c.out.String())
			}
		}
	}
	waitPatient(register("Before", 5*time.Second), 5*time.Second)

	last := register("Last", 5*time.Second) // committed just before the kill
	pgPid := postmasterPID(data)
	mustKill(t, pgPid)
	for end := time.Now().Add(15 * time.Second); postmasterPID(data) == pgPid || postmasterPID(data) == 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(end) {
			t.Fatalf("no new postmaster 15 s after the kill\n%s", c.out.String())
		}
	}
	after := register("After", 15*time.Second)
	waitPatient(last, 5*time.Second)
	took := waitPatient(after, 5*time.Second)
	t.Logf("the event of a registration after the restart came %s after its answer", took.Round(time.Millisecond))
	c.stop(t)
}
