// Command patients measures the front desk's work at scale: it loads N synthetic patients
// (default 1,000,000) with realistic East African names, dates of birth and phone numbers,
// plus appointments, into a fresh embedded PostgreSQL (COPY), then runs name, record-number
// and phone searches and bookings over HTTP with C concurrent clients, and the same searches
// straight through the patients service (no HTTP) on the same database, and prints p50, p95,
// p99, requests per second and the API/direct ratio.
//
//	make bench-patients                      # 1,000,000 patients, 50 clients
//	bin/bench-patients -n 100000 -c 50 -d 20s
//
// PostgreSQL refuses root: as root, run it as nobody (the Makefile target does).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/bench/internal/apiclient"
	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/db"
	"chelal/internal/patients"
	"chelal/internal/server"
)

func main() {
	if os.Getenv(clientEnv) != "" { // -pin's clients' process
		if err := clientMain(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/patients clients:", err)
			os.Exit(1)
		}
		return
	}
	n := flag.Int("n", 1_000_000, "patients to load")
	c := flag.Int("c", 50, "concurrent clients")
	d := flag.Duration("d", 15*time.Second, "duration of each load phase")
	dir := flag.String("dir", "", "data folder (default: a temporary one, removed afterwards)")
	flag.DurationVar(&think, "think", 0, "each client's mean pause between requests, like staff at work (0: none, every client at full speed)")
	flag.BoolVar(&keep, "keep", false, "with -dir: keep the data folder, and reuse it when it already holds the patients (skips the load)")
	flag.StringVar(&only, "only", "", "\"search\": stop after the search phases (no writes, backup or restore)")
	flag.IntVar(&serial, "serial", 0, "before the load phases, search the whole sample one at a time this many times and print PostgreSQL's CPU per search of each round (steadier than throughput on a shared machine)")
	flag.BoolVar(&sqlOnly, "sqlsearch", false, "name searches by SQL only, without the index in memory (the search before issue 21's index, for comparison)")
	flag.BoolVar(&pinCPUs, "pin", false, "the HTTP clients in another process on CPU 0; this process (the API server, the direct searches) and PostgreSQL on CPU 1, as when the clients are other computers: the API/direct ratio then compares the server's own work per request with the direct path's (needs 2 CPUs and taskset)")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of this process (the API server and its clients) during each HTTP search phase to FILE-<kind>.pprof")
	flag.Parse()
	if think > 0 {
		fmt.Printf("paced load: each of the %d clients pauses %s on average between requests\n", *c, think)
	} else {
		fmt.Printf("saturation load: %d clients, each sending its next request as soon as the last is answered\n", *c)
	}
	if err := run(*n, *c, *d, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/patients:", err)
		os.Exit(1)
	}
}

var (
	firstNames = strings.Fields(`Amina Baraka Wanjiru Otieno Achieng Kamau Njeri Mwangi Akinyi Kiprono Chebet Wafula
		Nafula Mutua Mumbua Halima Hassan Juma Neema Imani Zawadi Faraji Rehema Bakari Amani Makena Kioko Nyokabi
		Wambui Kariuki Atieno Ochieng Auma Odhiambo Jepchirchir Kipchoge Naliaka Wekesa Nekesa Ruto Jelagat Kibet
		Amélie Grace Joseph Mary John Esther Peter Ruth Daniel Sarah David Faith Samuel Mercy Moses Joy Paul Hope
		Ibrahim Fatuma Omar Aisha Salim Mwanaisha Rashid Khadija Yusuf Zainabu Idrisa Saida Abdallah Mariamu`)
	syllables = strings.Fields(`ka mu wa ngi ri to ki ma na ja ba si o ny ra mbu ge nde ko ha la ru che ye we ti`)
	genders   = []string{"male", "female"}
)

func lastName(r *rand.Rand) string {
	var b strings.Builder
	for i := 0; i < 2+r.IntN(2); i++ {
		b.WriteString(syllables[r.IntN(len(syllables))])
	}
	s := b.String()
	return strings.ToUpper(s[:1]) + s[1:]
}

func run(n, clients int, dur time.Duration, dir string) error {
	ctx := context.Background()
	if dir == "" {
		keep = false
		tmp, err := os.MkdirTemp("", "chelal-bench-patients-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
		dir = tmp
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	d, err := db.Open(ctx, db.OpenOptions{DataDir: dir, Logger: quiet})
	if err != nil {
		return err
	}
	defer d.Close()
	began := time.Now()
	if err := db.Migrate(ctx, d.DSN(), quiet); err != nil {
		return err
	}
	if took := time.Since(began); took > time.Second {
		fmt.Printf("migrations: %s\n", took.Round(time.Millisecond))
	}
	pgDir = dir

	var have int
	if keep {
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_patient`).Scan(&have); err != nil {
			return err
		}
	}
	var size string
	if have >= n {
		_ = d.Pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size)
		fmt.Printf("reusing %d patients in %s; database size %s\n", have, dir, size)
		if _, err := d.Pool.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
			return err
		}
	} else {
		began = time.Now()
		if err := load(ctx, d, n); err != nil {
			return err
		}
		_ = d.Pool.QueryRow(ctx, `SELECT pg_size_pretty(pg_database_size(current_database()))`).Scan(&size)
		fmt.Printf("loaded %d patients and %d appointments in %s (COPY, indexes, VACUUM ANALYZE, CHECKPOINT); database size %s\n",
			n, n/10, time.Since(began).Round(time.Millisecond), size)
	}

	// The API on a loopback listener, as a LAN server runs it.
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		return err
	}
	authSvc := auth.NewService(d, auth.NewHasher(auth.DefaultPasswordParams(), 2), box, auth.Config{ProfileImageDir: dir})
	deps, h := server.Wire(d, authSvc, server.Deps{Log: quiet})
	patientsSvc := deps.Patients
	if !sqlOnly {
		// The name search's index in memory, as serve keeps it.
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		began := time.Now()
		ictx, stopIndex := context.WithCancel(ctx)
		defer stopIndex()
		go patientsSvc.Run(ictx, quiet)
		if err := patientsSvc.WaitNameIndex(ctx); err != nil {
			return err
		}
		took := time.Since(began)
		runtime.GC()
		runtime.ReadMemStats(&after)
		fmt.Printf("name index built in %s; Go heap %.1f MiB more\n", took.Round(time.Millisecond), float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20))
	} else {
		fmt.Println("name search by SQL only (-sqlsearch)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := server.NewHTTPServer(ln.Addr().String(), h, quiet)
	go srv.Serve(ln)
	defer srv.Close()
	base := "http://" + ln.Addr().String()
	if _, err := authSvc.CreateAdmin(ctx, auth.CreateUserParams{Username: "bench", Email: "bench@clinic.test", Password: "bench password 123"}); err != nil && have < n {
		return err
	}
	sess, err := loginHTTP(base, "bench", "bench password 123")
	if err != nil {
		return err
	}
	// Each client its own session, as each workstation has (requests of one session that
	// arrive together would meet on its row when it is touched).
	sessions := []*session{sess}
	for len(sessions) < clients {
		s, err := loginHTTP(base, "bench", "bench password 123")
		if err != nil {
			return err
		}
		sessions = append(sessions, s)
	}
	pick := func(r *rand.Rand) *session { return sessions[r.IntN(len(sessions))] }

	// Queries drawn from the loaded data: names (a quarter with a typo, some reversed), record
	// numbers, phones typed with spaces.
	sample, err := sampleQueries(ctx, d, 2000)
	if err != nil {
		return err
	}
	if serial > 0 {
		if err := serialCPU(ctx, patientsSvc, sample, serial); err != nil {
			return err
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	if pinCPUs {
		if err := pinServer(); err != nil {
			return err
		}
		fmt.Println("pinned: this process (the API server, the direct searches) and PostgreSQL on CPU 1; the HTTP clients in another process on CPU 0 (the CPU per request over HTTP is then the server's alone)")
	}
	for _, kind := range []string{"name", "id", "phone"} {
		qs := sample[kind]
		stop := startProfile(kind)
		var api result
		if pinCPUs {
			cookies := make([]http.Cookie, len(sessions))
			for i, s := range sessions {
				cookies[i] = *s.Cookie()
			}
			goCPU0, pgCPU0 := cpuSeconds(os.Getpid()), pgCPUSeconds()
			if api, err = childClients(clientSpec{URL: base + "/api/v1/patients", Cookies: cookies, Queries: qs, Clients: clients, Dur: dur, Think: think}); err != nil {
				return err
			}
			api.goCPU, api.pgCPU = cpuSeconds(os.Getpid())-goCPU0, pgCPUSeconds()-pgCPU0
		} else {
			api = measure(clients, dur, func(r *rand.Rand) error {
				return pick(r).get(client, base+"/api/v1/patients"+searchQuery(qs[r.IntN(len(qs))]))
			})
		}
		stop()
		direct := measure(clients, dur, func(r *rand.Rand) error {
			_, err := patientsSvc.Search(ctx, qs[r.IntN(len(qs))], 0)
			return err
		})
		fmt.Printf("search %-5s over HTTP: %s\n", kind, api)
		fmt.Printf("search %-5s direct:    %s\n", kind, direct)
		fmt.Printf("search %-5s API/direct: p50 ratio %.2f, p95 ratio %.2f, throughput ratio (direct/API) %.2f\n", kind,
			api.p50.Seconds()/direct.p50.Seconds(), api.p95.Seconds()/direct.p95.Seconds(), direct.rps/api.rps)
	}
	if only == "search" {
		return nil
	}

	// Bookings: each request a new slot of one of the doctors (2 years of 15-minute slots).
	var doctorIDs []int64
	for i := 0; i < 20; i++ {
		id, err := authSvc.RoleID(ctx, auth.RoleDoctor)
		if err != nil {
			return err
		}
		u, err := authSvc.CreateUser(ctx, db.Actor{}, auth.CreateUserParams{Username: fmt.Sprintf("drbench%d", i), Email: fmt.Sprintf("dr%d@clinic.test", i),
			Password: "bench password 123", RoleID: id})
		if err != nil {
			return err
		}
		doctorIDs = append(doctorIDs, u.ID)
	}
	var slot atomic.Int64
	start := time.Now().AddDate(0, 0, 1).Truncate(24 * time.Hour)
	book := measure(clients, dur, func(r *rand.Rand) error {
		k := slot.Add(1)
		doc := doctorIDs[k%int64(len(doctorIDs))]
		at := start.Add(time.Duration(k/int64(len(doctorIDs))) * 15 * time.Minute)
		body := fmt.Sprintf(`{"patient_id":%d,"doctor_id":%d,"date":%q,"time":%q}`, 1+r.IntN(n), doc, at.Format(time.DateOnly), at.Format("15:04"))
		return pick(r).post(client, base+"/api/v1/appointments", body, http.StatusCreated)
	})
	fmt.Printf("booking over HTTP:  %s\n", book)

	// The consultation: walk-in encounters on random patients, then vitals and prescriptions
	// on them (each write one transaction with its audit rows).
	var (
		encMu sync.Mutex
		encs  []int64
	)
	enc := measure(clients, dur, func(r *rand.Rand) error {
		body := fmt.Sprintf(`{"patient_id":%d,"notes":"Cough and fever for %d days; chest clear."}`, 1+r.IntN(n), 1+r.IntN(9))
		id, err := pick(r).postID(client, base+"/api/v1/encounters", body)
		if err == nil {
			encMu.Lock()
			encs = append(encs, id)
			encMu.Unlock()
		}
		return err
	})
	fmt.Printf("encounter over HTTP: %s\n", enc)
	if len(encs) == 0 {
		return fmt.Errorf("no encounter was created")
	}
	vit := measure(clients, dur, func(r *rand.Rand) error {
		body := fmt.Sprintf(`{"systolic_bp":%d,"diastolic_bp":%d,"heart_rate":%d,"respiratory_rate":16,"temperature":%.1f,"oxygen_saturation":97,"height":168,"weight":%d}`,
			100+r.IntN(60), 60+r.IntN(30), 55+r.IntN(60), 36+r.Float64()*2, 50+r.IntN(40))
		return pick(r).post(client, fmt.Sprintf("%s/api/v1/encounters/%d/vitals", base, encs[r.IntN(len(encs))]), body, http.StatusCreated)
	})
	fmt.Printf("vitals over HTTP:    %s\n", vit)
	rx := measure(clients, dur, func(r *rand.Rand) error {
		body := `{"medication_name":"Paracetamol 500 mg","dosage":"1 g","frequency":"three times a day","duration":"3 days","quantity":18}`
		return pick(r).post(client, fmt.Sprintf("%s/api/v1/encounters/%d/prescriptions", base, encs[r.IntN(len(encs))]), body, http.StatusCreated)
	})
	fmt.Printf("prescription over HTTP: %s\n", rx)

	// Payments: bills of 1,000.00 on random patients, then payments of 1.00 taken on them at
	// random (each locks its bill; paid_amount kept by the database).
	svc, err := sess.postID(client, base+"/api/v1/services", `{"name":"Consultation","code":"CONSULT","category":"consultation","price":"1000.00"}`)
	if err != nil {
		return err
	}
	var bills []int64
	for i := 0; i < 200; i++ {
		id, err := sess.postID(client, base+"/api/v1/bills", fmt.Sprintf(`{"patient_id":%d,"items":[{"service_id":%d,"quantity":1}]}`, 1+rand.IntN(n), svc))
		if err != nil {
			return err
		}
		bills = append(bills, id)
	}
	pay := measure(clients, dur, func(r *rand.Rand) error {
		return pick(r).post(client, fmt.Sprintf("%s/api/v1/bills/%d/payments", base, bills[r.IntN(len(bills))]),
			`{"amount":"1.00","payment_method":"cash"}`, http.StatusCreated)
	})
	fmt.Printf("payment over HTTP:   %s\n", pay)
	var mismatched int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_bill b WHERE b.paid_amount <> coalesce((SELECT sum(amount) FROM core_payment p WHERE p.bill_id = b.id), 0)`).Scan(&mismatched); err != nil {
		return err
	}
	fmt.Printf("payments check: %d bills whose paid_amount differs from their payments\n", mismatched)
	return benchBackup(ctx, d, dir, clients, dur, func(r *rand.Rand) error {
		qs := sample["id"]
		return pick(r).get(client, base+"/api/v1/patients?q="+url.QueryEscape(qs[r.IntN(len(qs))]))
	})
}

// benchBackup times a backup and its restore, and what API clients feel meanwhile.
func benchBackup(ctx context.Context, d *db.DB, dir string, clients int, dur time.Duration, op func(*rand.Rand) error) error {
	out := filepath.Join(dir, "bench-backups")
	var path string
	var took time.Duration
	var berr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		began := time.Now()
		path, _, berr = backup.Create(ctx, d, out, backup.Options{ChelalVersion: "bench"})
		took = time.Since(began)
	}()
	during := measure(clients, dur, op)
	<-done
	if berr != nil {
		return berr
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("backup: %s, %.1f MB (gzip)\n", took.Round(time.Millisecond), float64(st.Size())/1e6)
	fmt.Printf("id search over HTTP while the backup runs: %s\n", during)
	if _, err := d.Pool.Exec(ctx, `CREATE DATABASE bench_restore`); err != nil {
		return err
	}
	u, err := url.Parse(d.DSN())
	if err != nil {
		return err
	}
	u.Path = "/bench_restore"
	began := time.Now()
	if _, _, err := backup.Restore(ctx, path, u.String(), backup.RestoreOptions{}); err != nil {
		return err
	}
	fmt.Printf("restore (load, checksums, one transaction): %s\n", time.Since(began).Round(time.Millisecond))
	return nil
}

// load fills the database with n patients and n/10 appointments, quickly: COPY with the
// search indexes dropped, then rebuilt.
func load(ctx context.Context, d *db.DB, n int) error {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	indexes := []string{"idx_patientsearch_name", "idx_patientsearch_id_digits", "idx_patientsearch_phone_digits", "idx_patientsearch_phone_suffix", "idx_patientsearch_keys", "idx_nameword_trgm"}
	var defs []string
	for _, ix := range indexes {
		var def string
		if err := conn.QueryRow(ctx, `SELECT pg_get_indexdef($1::regclass)`, ix).Scan(&def); err != nil {
			return err
		}
		defs = append(defs, def)
		if _, err := conn.Exec(ctx, `DROP INDEX `+ix); err != nil {
			return err
		}
	}
	// Bulk load bypasses the audit trigger: these are synthetic rows, not people's changes.
	if _, err := conn.Exec(ctx, `ALTER TABLE core_patient DISABLE TRIGGER chelal_audit`); err != nil {
		return err
	}
	r := rand.New(rand.NewPCG(1, 2))
	rows := make(chan []any, 1024)
	go func() {
		defer close(rows)
		for i := 1; i <= n; i++ {
			dob := time.Date(1940+r.IntN(84), time.Month(1+r.IntN(12)), 1+r.IntN(28), 0, 0, 0, 0, time.UTC)
			phone := fmt.Sprintf("07%02d %03d %03d", r.IntN(100), r.IntN(1000), r.IntN(1000))
			rows <- []any{patients.FormatMRN("CHL", int64(i)), firstNames[r.IntN(len(firstNames))], lastName(r), dob, genders[r.IntN(2)], phone}
		}
	}()
	src := pgx.CopyFromFunc(func() ([]any, error) {
		row, ok := <-rows
		if !ok {
			return nil, nil
		}
		return row, nil
	})
	if _, err := conn.Conn().CopyFrom(ctx, pgx.Identifier{"core_patient"}, []string{"unique_id", "first_name", "last_name", "date_of_birth", "gender", "contact_info"}, src); err != nil {
		return fmt.Errorf("copy patients: %w", err)
	}
	if _, err := conn.Exec(ctx, `SELECT setval('core_patient_mrn_seq', $1)`, n); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE core_patient ENABLE TRIGGER chelal_audit`); err != nil {
		return err
	}
	// Appointments of the last year for a tenth of the patients, with one doctor.
	var doc int64
	if err := conn.QueryRow(ctx, `INSERT INTO auth_user (username, email, password, role_id)
		SELECT 'drhistory', 'history@clinic.test', 'x', id FROM core_role WHERE name = 'doctor' RETURNING id`).Scan(&doc); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE core_appointment DISABLE TRIGGER chelal_audit`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `
		INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, checked_in_at)
		SELECT g, $1, DATE '2025-01-01' + (g / 40), TIME '08:00' + ((g % 40) * interval '15 minutes'), 'completed', now()
		  FROM generate_series(1, $2::int) g`, doc, n/10); err != nil {
		return fmt.Errorf("appointments: %w", err)
	}
	if _, err := conn.Exec(ctx, `ALTER TABLE core_appointment ENABLE TRIGGER chelal_audit`); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, `SET maintenance_work_mem = '256MB'`); err != nil {
		return err
	}
	for _, def := range defs {
		if _, err := conn.Exec(ctx, def); err != nil {
			return fmt.Errorf("rebuild index: %w", err)
		}
	}
	// A clinic's database is not freshly bulk-loaded: vacuum (visibility map, statistics) and
	// checkpoint now, so the load's aftermath does not land in the measurements.
	if _, err := conn.Exec(ctx, `VACUUM (ANALYZE)`); err != nil {
		return err
	}
	_, err = conn.Exec(ctx, `CHECKPOINT`)
	return err
}

func sampleQueries(ctx context.Context, d *db.DB, k int) (map[string][]string, error) {
	// REPEATABLE: the same sample at each run on the same data, so that runs compare.
	rows, err := d.Pool.Query(ctx, `SELECT first_name, last_name, unique_id, contact_info FROM core_patient TABLESAMPLE SYSTEM (1) REPEATABLE (7) LIMIT $1`, k)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	r := rand.New(rand.NewPCG(3, 4))
	for rows.Next() {
		var first, last, id, phone string
		if err := rows.Scan(&first, &last, &id, &phone); err != nil {
			return nil, err
		}
		name := first + " " + last
		switch r.IntN(4) {
		case 0: // a typo: one letter dropped
			i := 1 + r.IntN(len(last)-1)
			name = first + " " + last[:i] + last[i+1:]
		case 1: // reversed
			name = last + " " + first
		}
		out["name"] = append(out["name"], name)
		out["id"] = append(out["id"], strings.ReplaceAll(id, "-", ""))
		out["phone"] = append(out["phone"], phone)
	}
	return out, rows.Err()
}

type result struct {
	n             int
	errs          int
	p50, p95, p99 time.Duration
	rps           float64
	goCPU, pgCPU  float64 // CPU seconds used during the phase by this process and by PostgreSQL
}

func (r result) String() string {
	return fmt.Sprintf("%6d requests, %4.0f/s, p50 %6.2f ms, p95 %6.2f ms, p99 %6.2f ms, errors %d; CPU per request: Go %.2f ms, PostgreSQL %.2f ms",
		r.n, r.rps, ms(r.p50), ms(r.p95), ms(r.p99), r.errs, r.goCPU/float64(max(r.n, 1))*1000, r.pgCPU/float64(max(r.n, 1))*1000)
}

// searchQuery is the query string of a search for q.
func searchQuery(q string) string { return "?q=" + url.QueryEscape(q) }

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// measure runs op from clients goroutines for dur and summarises the latencies.
// think is each client's mean pause between requests (-think); 0: none.
var (
	think      time.Duration
	keep       bool
	only       string
	cpuProfile string
	serial     int
	pinCPUs    bool
	sqlOnly    bool
)

func measure(clients int, dur time.Duration, op func(r *rand.Rand) error) result {
	var mu sync.Mutex
	var lat []time.Duration
	var errs atomic.Int64
	goCPU0, pgCPU0 := cpuSeconds(os.Getpid()), pgCPUSeconds()
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(i), 9))
			var mine []time.Duration
			if think > 0 { // people do not all start at the same instant
				time.Sleep(time.Duration(r.ExpFloat64() * float64(think)))
			}
			for time.Now().Before(deadline) {
				began := time.Now()
				if err := op(r); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(began))
				if think > 0 { // an exponential pause: arrivals like independent people's
					time.Sleep(time.Duration(r.ExpFloat64() * float64(think)))
				}
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	goCPU, pgCPU := cpuSeconds(os.Getpid())-goCPU0, pgCPUSeconds()-pgCPU0
	slices.Sort(lat)
	pct := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	return result{n: len(lat), errs: int(errs.Load()), p50: pct(0.50), p95: pct(0.95), p99: pct(0.99), rps: float64(len(lat)) / dur.Seconds(), goCPU: goCPU, pgCPU: pgCPU}
}

// serialCPU searches each kind's sample one query at a time, rounds times, and prints the
// PostgreSQL CPU per search of each round (the postmaster and its children, as measure counts
// it) and the wall time per search. One search at a time is not a load test: it compares two
// versions of a query on a machine whose other load makes throughput and latency unsteady, as
// the CPU a search costs moves much less with the load than its wall time does.
func serialCPU(ctx context.Context, s *patients.Service, sample map[string][]string, rounds int) error {
	for _, kind := range []string{"name", "id", "phone"} {
		qs := sample[kind]
		var cpu, wall []string
		for range rounds {
			pg0, began := pgCPUSeconds(), time.Now()
			for _, q := range qs {
				if _, err := s.Search(ctx, q, 0); err != nil {
					return fmt.Errorf("search %q: %w", q, err)
				}
			}
			n := float64(max(len(qs), 1))
			cpu = append(cpu, fmt.Sprintf("%.2f", (pgCPUSeconds()-pg0)*1000/n))
			wall = append(wall, fmt.Sprintf("%.2f", float64(time.Since(began).Microseconds())/1000/n))
		}
		fmt.Printf("search %-5s one at a time (%d searches, %d rounds): PostgreSQL CPU per search %s ms; wall %s ms\n",
			kind, len(qs), rounds, strings.Join(cpu, ", "), strings.Join(wall, ", "))
	}
	return nil
}

// session is a logged-in client with the checks the bench needs.
type session struct{ *apiclient.Session }

func loginHTTP(base, user, password string) (*session, error) {
	s, err := apiclient.Login(base, user, password)
	return &session{s}, err
}

// send sends one request and fails unless it answers want.
func (s *session) send(c *http.Client, method, u, body string, want int) ([]byte, error) {
	status, b, err := s.Do(c, method, u, body)
	if err == nil && status != want {
		err = fmt.Errorf("%s %s: %d", method, u, status)
	}
	return b, err
}

func (s *session) get(c *http.Client, u string) error {
	_, err := s.send(c, "GET", u, "", http.StatusOK)
	return err
}

func (s *session) post(c *http.Client, u, body string, want int) error {
	_, err := s.send(c, "POST", u, body, want)
	return err
}

// postID posts body and returns the id of the record created (201).
func (s *session) postID(c *http.Client, u, body string) (int64, error) {
	b, err := s.send(c, "POST", u, body, http.StatusCreated)
	if err != nil {
		return 0, err
	}
	var out struct {
		ID int64 `json:"id"`
	}
	return out.ID, json.Unmarshal(b, &out)
}
