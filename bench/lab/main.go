// Command lab measures the laboratory's two busiest reads at scale: the lab's worklist and a
// patient's results, over HTTP with C concurrent clients (default 50), on a database holding
// P patients (default 1,000,000) and R lab results (default 5,000,000: R/2 orders of a malaria
// RDT and a haemoglobin, each on its own encounter), of which W orders are still open (the
// worklist). It prints p50, p95 and p99 and requests per second for each.
//
//	go build -o bin/bench-lab ./bench/lab
//	bin/bench-lab -patients 1000000 -results 5000000 -c 50 -d 20s
//
// The synthetic rows are loaded with generate_series and triggers off (session_replication_role
// = replica: no audit rows, no patient search words, which these reads do not use), then
// VACUUM ANALYZE. PostgreSQL refuses root: as root, run it as nobody (setpriv).
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
	"strconv"
	"sync"
	"time"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/benchdb"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/server"
)

func main() {
	patients := flag.Int("patients", 1_000_000, "patients to load")
	results := flag.Int("results", 5_000_000, "lab results to load (two per order)")
	open := flag.Int("open", 150, "orders still on the worklist")
	clients := flag.Int("c", 50, "concurrent clients")
	dur := flag.Duration("d", 15*time.Second, "duration of each measured phase")
	flag.BoolVar(&explain, "explain", false, "print the plans of the worklist's queries before measuring")
	flag.Parse()
	if err := run(*patients, *results, *open, *clients, *dur); err != nil {
		fmt.Fprintln(os.Stderr, "bench/lab:", err)
		os.Exit(1)
	}
}

var explain bool

func run(patients, results, open, clients int, dur time.Duration) error {
	ctx := context.Background()
	d, dir, closeDB, err := benchdb.Open(ctx, "lab", "")
	if err != nil {
		return err
	}
	defer closeDB()
	began := time.Now()
	if err := load(ctx, d, patients, results/2, open); err != nil {
		return err
	}
	var size string
	_ = d.Pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size)
	fmt.Printf("loaded %d patients, %d lab orders, %d results (%d orders open) in %s; database size %s\n",
		patients, results/2, results/2*2, open, time.Since(began).Round(time.Second), size)

	if explain {
		for _, q := range []string{
			`EXPLAIN (ANALYZE, BUFFERS) SELECT o.id FROM core_laborder o WHERE o.status IN ('ordered', 'collected')
			  ORDER BY (CASE o.urgency WHEN 'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END), o.created_at, o.id LIMIT 51`,
		} {
			rows, err := d.Pool.Query(ctx, q)
			if err != nil {
				return err
			}
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					return err
				}
				fmt.Println(line)
			}
			rows.Close()
		}
	}
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		return err
	}
	authSvc := auth.NewService(d, auth.NewHasher(auth.DefaultPasswordParams(), 2), box, auth.Config{ProfileImageDir: dir})
	deps, h := server.Wire(d, authSvc, server.Deps{Log: benchdb.Quiet})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := server.NewHTTPServer(ln.Addr().String(), h, benchdb.Quiet)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if _, err := authSvc.CreateAdmin(ctx, auth.CreateUserParams{Username: "bench", Email: "bench@clinic.test", Password: "bench password 123"}); err != nil {
		return err
	}
	var sessions []*apiclient.Session
	for len(sessions) < clients {
		s, err := apiclient.Login(base, "bench", "bench password 123")
		if err != nil {
			return err
		}
		sessions = append(sessions, s)
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	get := func(r *rand.Rand, url string) error {
		code, body, err := sessions[r.IntN(len(sessions))].Do(client, "GET", url, "")
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("%s: %d %s", url, code, body)
		}
		return err
	}
	fmt.Printf("%d clients, %s per phase (the machine's other load is not controlled)\n", clients, dur)
	fmt.Printf("worklist (GET /lab/worklist, %d open orders, first page of 50): %s\n", open,
		measure(clients, dur, func(r *rand.Rand) error { return get(r, base+"/api/v1/lab/worklist") }))
	if explain {
		fmt.Printf("worklist, the service alone (no HTTP): %s\n",
			measure(clients, dur, func(r *rand.Rand) error { _, err := deps.Lab.Worklist(ctx, 0, ""); return err }))
	}
	fmt.Printf("patient's results (GET /patients/{id}/lab-results, a random patient of %d): %s\n", patients,
		measure(clients, dur, func(r *rand.Rand) error {
			return get(r, base+"/api/v1/patients/"+strconv.Itoa(1+r.IntN(patients))+"/lab-results")
		}))
	return nil
}

// load writes the synthetic clinic: patients, one doctor, orders each on its own encounter
// (a malaria RDT and a haemoglobin: two items, two results), the last open ones on the worklist.
func load(ctx context.Context, d *db.DB, patients, orders, open int) error {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	steps := []struct{ what, sql string }{
		{"triggers off", `SET session_replication_role = replica`},
		{"work memory", `SET maintenance_work_mem = '256MB'`},
		{"doctor", `INSERT INTO auth_user (username, email, password, role_id)
			SELECT 'drlab', 'drlab@clinic.test', 'x', id FROM core_role WHERE name = 'doctor'`},
		{"patients", `INSERT INTO core_patient (id, unique_id, first_name, last_name, date_of_birth, gender)
			SELECT g, 'LB' || g, 'Patient' || (g % 997), 'Family' || (g % 1999), DATE '1940-01-01' + ((g::bigint * 7919) % 30000)::int,
			       CASE WHEN g % 2 = 0 THEN 'female' ELSE 'male' END
			  FROM generate_series(1, ` + strconv.Itoa(patients) + `) g`},
		{"encounters", `INSERT INTO core_encounter (id, patient_id, doctor_id, notes, status, closed_at, created_at)
			SELECT g, 1 + (g::bigint * 48271) % ` + strconv.Itoa(patients) + `, (SELECT id FROM auth_user WHERE username = 'drlab'), 'synthetic',
			       'closed', now(), now() - (` + strconv.Itoa(orders) + ` - g) * interval '1 minute'
			  FROM generate_series(1, ` + strconv.Itoa(orders) + `) g`},
		{"orders", `INSERT INTO core_laborder (id, patient_id, encounter_id, ordered_by_id, clinical_note, urgency, status,
			       collected_at, completed_at, created_at)
			SELECT e.id, e.patient_id, e.id, e.doctor_id, 'fever', (ARRAY['routine','urgent','stat'])[1 + e.id % 3],
			       CASE WHEN e.id > ` + strconv.Itoa(orders-open) + ` THEN 'ordered' ELSE 'completed' END,
			       CASE WHEN e.id > ` + strconv.Itoa(orders-open) + ` THEN NULL ELSE e.created_at + interval '10 minutes' END,
			       CASE WHEN e.id > ` + strconv.Itoa(orders-open) + ` THEN NULL ELSE e.created_at + interval '40 minutes' END, e.created_at
			  FROM core_encounter e`},
		{"items", `INSERT INTO core_laborderitem (order_id, test_id)
			SELECT o.id, t.id FROM core_laborder o CROSS JOIN core_labtest t WHERE t.code IN ('MRDT', 'HB')`},
		{"results", `INSERT INTO core_labresult (item_id, order_id, patient_id, test_id, status, value_numeric, value_text, flag,
			       entered_at, verified_at, created_at)
			SELECT i.id, o.id, o.patient_id, i.test_id, CASE WHEN o.status = 'completed' THEN 'final' ELSE 'pending' END,
			       CASE WHEN t.code = 'HB' AND o.status = 'completed' THEN 8 + (o.id % 90) / 10.0 END,
			       CASE WHEN t.code = 'MRDT' AND o.status = 'completed' THEN (ARRAY['negative','positive'])[1 + o.id % 2] ELSE '' END,
			       '', o.completed_at, o.completed_at, o.created_at
			  FROM core_laborderitem i JOIN core_laborder o ON o.id = i.order_id JOIN core_labtest t ON t.id = i.test_id`},
		{"sequences", `SELECT setval(pg_get_serial_sequence('core_patient', 'id'), ` + strconv.Itoa(patients) + `),
			setval(pg_get_serial_sequence('core_encounter', 'id'), ` + strconv.Itoa(orders) + `),
			setval(pg_get_serial_sequence('core_laborder', 'id'), ` + strconv.Itoa(orders) + `)`},
		{"triggers on", `SET session_replication_role = DEFAULT`},
		{"vacuum", `VACUUM (ANALYZE)`},
		{"checkpoint", `CHECKPOINT`},
	}
	for _, s := range steps {
		t := time.Now()
		if _, err := conn.Exec(ctx, s.sql); err != nil {
			return fmt.Errorf("%s: %w", s.what, err)
		}
		fmt.Printf("  %-11s %s\n", s.what, time.Since(t).Round(time.Millisecond))
	}
	return nil
}

type result struct {
	n, errs       int
	p50, p95, p99 time.Duration
	rps           float64
}

func (r result) String() string {
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	return fmt.Sprintf("%d requests, %.0f/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, errors %d", r.n, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), r.errs)
}

// measure runs op from clients goroutines, back to back, for dur.
func measure(clients int, dur time.Duration, op func(r *rand.Rand) error) result {
	var mu sync.Mutex
	var lat []time.Duration
	errs := 0
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i := range clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), 18))
			var mine []time.Duration
			bad := 0
			for time.Now().Before(deadline) {
				t := time.Now()
				if err := op(r); err != nil {
					if bad == 0 {
						fmt.Fprintln(os.Stderr, err)
					}
					bad++
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lat, errs = append(lat, mine...), errs+bad
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lat)
	at := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return result{n: len(lat), errs: errs, p50: at(0.5), p95: at(0.95), p99: at(0.99), rps: float64(len(lat)) / dur.Seconds()}
}
