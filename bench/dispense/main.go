// Command dispense measures dispensing under contention: C concurrent clients (default 50)
// dispense 1-3 units at a time of 20 medications over HTTP, each request with its own
// Idempotency-Key, on a fresh embedded PostgreSQL, until the stock runs out or the time is up.
// It prints p50/p95/p99 of the dispenses that succeeded, how many were refused for stock, and
// checks afterwards that no balance went negative and that every medication's stock equals
// the sum of its ledger and of its batches, and every prescription's dispensed quantity the
// sum of its dispenses.
//
//	make bench-dispense
//	bin/bench-dispense -c 50 -stock 3000 -d 15s
//
// PostgreSQL refuses root: as root, run it as nobody (the Makefile target does).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/benchdb"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/pharmacy"
	"chelal/internal/server"
)

const medications = 20

func main() {
	c := flag.Int("c", 50, "concurrent clients")
	stock := flag.Int("stock", 3000, "units received per medication (in two batches)")
	d := flag.Duration("d", 15*time.Second, "longest duration of the load")
	flag.Parse()
	if err := run(*c, *stock, *d); err != nil {
		fmt.Fprintln(os.Stderr, "bench/dispense:", err)
		os.Exit(1)
	}
}

func run(clients, stock int, dur time.Duration) error {
	ctx := context.Background()
	d, dir, closeDB, err := benchdb.Open(ctx, "dispense", "")
	if err != nil {
		return err
	}
	defer closeDB()
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		return err
	}
	authSvc := auth.NewService(d, auth.NewHasher(auth.DefaultPasswordParams(), 2), box, auth.Config{ProfileImageDir: dir})
	// As Chelal runs: each dispense also bills the medication (billing.Wire).
	deps, h := server.Wire(d, authSvc, server.Deps{Log: benchdb.Quiet})
	ph := deps.Pharmacy
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := server.NewHTTPServer(ln.Addr().String(), h, benchdb.Quiet)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	admin, err := authSvc.CreateAdmin(ctx, auth.CreateUserParams{Username: "bench", Email: "bench@clinic.test", Password: "bench password 123"})
	if err != nil {
		return err
	}
	sess, err := loginHTTP(base, "bench", "bench password 123")
	if err != nil {
		return err
	}

	// 20 medications, each received in two batches, and one large prescription of each.
	var patient, encounter, category int64
	if err := d.Pool.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('BENCH-1', 'Bench', 'Patient', '1990-01-01', 'female') RETURNING id`).Scan(&patient); err != nil {
		return err
	}
	if err := d.Pool.QueryRow(ctx, `INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'bench') RETURNING id`,
		patient, admin.ID).Scan(&encounter); err != nil {
		return err
	}
	actor := db.Actor{UserID: admin.ID}
	cat, err := ph.CreateCategory(ctx, actor, pharmacy.CategoryParams{Name: "Bench"})
	if err != nil {
		return err
	}
	category = cat.ID
	rx := make([]int64, medications)
	for i := range rx {
		m, err := ph.CreateMedication(ctx, actor, pharmacy.MedicationParams{Name: fmt.Sprintf("Medication %02d", i), CategoryID: category,
			Strength: "500 mg", Form: "tablet", UnitPrice: "2.50"})
		if err != nil {
			return err
		}
		for j, days := range []int{60, 400} {
			if _, err := ph.Receive(ctx, actor, m.ID, pharmacy.ReceiveParams{BatchNumber: fmt.Sprintf("B%d", j),
				ExpiryDate: time.Now().AddDate(0, 0, days).Format(time.DateOnly), Quantity: int64(stock / 2), UnitCost: "1.00"}); err != nil {
				return err
			}
		}
		if err := d.Pool.QueryRow(ctx, `INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, medication_id, quantity)
			VALUES ($1, $2, '1', 'tds', $3, 100000) RETURNING id`, encounter, m.Name, m.ID).Scan(&rx[i]); err != nil {
			return err
		}
	}
	fmt.Printf("dispensing: %d clients on %d medications of %d units each, 1-3 units a request, up to %s\n", clients, medications, stock/2*2, dur)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	var (
		mu        sync.Mutex
		lat       []time.Duration
		refused   int
		failed    int
		wg        sync.WaitGroup
		exhausted = make([]bool, medications)
	)
	began := time.Now()
	deadline := began.Add(dur)
	for i := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 7))
			for time.Now().Before(deadline) {
				k := r.IntN(medications)
				mu.Lock()
				done := !slices.Contains(exhausted, false)
				mu.Unlock()
				if done {
					return
				}
				body := fmt.Sprintf(`{"quantity":%d}`, 1+r.IntN(3))
				t0 := time.Now()
				status, err := sess.post(client, fmt.Sprintf("%s/api/v1/prescriptions/%d/dispense", base, rx[k]), body, uuid.NewString())
				el := time.Since(t0)
				mu.Lock()
				switch {
				case err == nil && status == http.StatusCreated:
					lat = append(lat, el)
				case err == nil && status == http.StatusConflict:
					refused++
					exhausted[k] = true // nearly out: this medication refuses large requests now
				default:
					failed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	took := time.Since(began)
	slices.Sort(lat)
	pct := func(p float64) float64 {
		if len(lat) == 0 {
			return 0
		}
		return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
	}
	fmt.Printf("dispenses: %d in %s (%.0f/s), p50 %.2f ms, p95 %.2f ms, p99 %.2f ms; refused for stock (409) %d; other failures %d\n",
		len(lat), took.Round(time.Millisecond), float64(len(lat))/took.Seconds(), pct(0.5), pct(0.95), pct(0.99), refused, failed)

	// The proof: nothing negative, every stock equals its ledger and its batches, every
	// prescription's dispensed quantity equals its dispenses.
	var negative, ledgerOff, batchesOff, rxOff, movements int64
	var dispensed, left int64
	err = d.Pool.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM core_medicationitem WHERE stock_quantity < 0)
		     + (SELECT count(*) FROM core_stockbatch WHERE quantity_left < 0)
		     + (SELECT count(*) FROM core_stockmovement WHERE balance_after < 0 OR batch_balance_after < 0),
		       (SELECT count(*) FROM core_medicationitem m
		         WHERE m.stock_quantity <> coalesce((SELECT sum(quantity_change) FROM core_stockmovement v WHERE v.medication_id = m.id), 0)),
		       (SELECT count(*) FROM core_medicationitem m
		         WHERE m.stock_quantity <> coalesce((SELECT sum(quantity_left) FROM core_stockbatch b WHERE b.medication_id = m.id), 0)),
		       (SELECT count(*) FROM core_prescription p
		         WHERE p.dispensed_quantity <> coalesce((SELECT sum(quantity) FROM core_dispense x WHERE x.prescription_id = p.id), 0)),
		       (SELECT count(*) FROM core_stockmovement),
		       (SELECT coalesce(-sum(quantity_change), 0) FROM core_stockmovement WHERE kind = 'dispense'),
		       (SELECT sum(stock_quantity) FROM core_medicationitem)`).Scan(&negative, &ledgerOff, &batchesOff, &rxOff, &movements, &dispensed, &left)
	if err != nil {
		return err
	}
	fmt.Printf("check: %d ledger rows; %d units dispensed, %d left of %d received; negative balances %d; stock != ledger %d; stock != batches %d; prescriptions != dispenses %d\n",
		movements, dispensed, left, medications*(stock/2*2), negative, ledgerOff, batchesOff, rxOff)
	if negative != 0 || ledgerOff != 0 || batchesOff != 0 || rxOff != 0 || dispensed+left != int64(medications*(stock/2*2)) || failed != 0 {
		return fmt.Errorf("the stock is wrong after the load (see above)")
	}
	fmt.Println("check: OK, no balance went negative and every balance equals its movements")
	return nil
}

// session is a logged-in client.
type session struct{ *apiclient.Session }

func loginHTTP(base, user, password string) (*session, error) {
	s, err := apiclient.Login(base, user, password)
	return &session{s}, err
}

// post sends a dispense and returns the status.
func (s *session) post(c *http.Client, u, body, key string) (int, error) {
	status, _, err := s.Do(c, "POST", u, body, "Idempotency-Key", key)
	return status, err
}
