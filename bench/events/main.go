// Command events measures live events on a real `chelal serve`: S event streams held open at
// once (default 300, as 300 workstations and displays) while W clients write (default 50, each
// registering a patient then pausing about P, 1 s by default, as staff at work). It reports
//
//   - delivery latency from commit to receipt on the streams, p50/p95/p99 (bounded: the commit
//     happens between the write's request and its answer, so "after answer" is a lower bound
//     and "after request" an upper one);
//   - memory per idle stream: Chelal's PSS (and its PostgreSQL's) before and after the
//     streams are opened, divided by S;
//   - the writers' p95 without streams, then with them.
//
// Budgets (issue 16): delivery p95 <= 250 ms on a 2-core machine, <= 64 KiB per idle stream,
// writers' p95 within 10% of without. Figures, not a test: nothing here fails on time.
//
//	go build -o bin/chelal . && go run ./bench/events -bin bin/chelal -d 20s
//
// As root, Chelal is run as nobody (PostgreSQL refuses root).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/benchserve"
)

func main() {
	bin := flag.String("bin", "bin/chelal", "chelal executable")
	streams := flag.Int("s", 300, "event streams held open")
	writers := flag.Int("w", 50, "writing clients")
	pause := flag.Duration("pause", time.Second, "mean pause of a writer between writes (0: no pause)")
	d := flag.Duration("d", 20*time.Second, "duration of each write phase")
	flag.Parse()
	if err := run(*bin, *streams, *writers, *pause, *d); err != nil {
		fmt.Fprintln(os.Stderr, "bench/events:", err)
		os.Exit(1)
	}
}

const user, password = "benchadmin", "bench password 1234"

func run(bin string, streams, writers int, pause, dur time.Duration) error {
	srv, err := benchserve.New(bin, "chelal-bench-events-", user, password)
	if err != nil {
		return err
	}
	defer srv.Close()
	p, dir, addr := srv.Cmd, srv.Dir, srv.Addr
	base := "http://" + addr

	// Sessions: one per writer, and one per ten streams (a workstation may have a few tabs).
	login := func() (*apiclient.Session, *http.Cookie, error) {
		s, err := apiclient.Login(base, user, password)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Cookie(), nil
	}
	writerSessions := make([]*apiclient.Session, writers)
	for i := range writerSessions {
		if writerSessions[i], _, err = login(); err != nil {
			return err
		}
	}
	streamCookies := make([]*http.Cookie, (streams+9)/10)
	for i := range streamCookies {
		if _, streamCookies[i], err = login(); err != nil {
			return err
		}
	}
	fmt.Printf("events: %d streams, %d writers (mean pause %s), %s per phase, on %s\n", streams, writers, pause, dur, addr)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
	without := writeLoad(client, base, writerSessions, pause, dur, nil)
	fmt.Printf("writers without streams: %d writes, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n",
		len(without.lat), pct(without.lat, 0.5), pct(without.lat, 0.95), pct(without.lat, 0.99))

	runtimeSettle()
	totalBefore, ownBefore, _ := memory(p.Process.Pid, dir)
	rec := &receipts{byID: map[int64][]time.Time{}}
	var opened sync.WaitGroup
	closers := make([]func(), 0, streams)
	var mu sync.Mutex
	var openErr error
	for i := range streams {
		opened.Add(1)
		go func() {
			closeFn, err := openStream(base, streamCookies[i/10], rec, &opened)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && openErr == nil {
				openErr = err
			}
			if closeFn != nil {
				closers = append(closers, closeFn)
			}
		}()
	}
	opened.Wait()
	if openErr != nil {
		return openErr
	}
	defer func() {
		for _, c := range closers {
			c()
		}
	}()
	time.Sleep(3 * time.Second)
	runtimeSettle()
	totalAfter, ownAfter, _ := memory(p.Process.Pid, dir)
	fmt.Printf("memory: Chelal PSS %.1f MB -> %.1f MB with %d idle streams: %.1f KiB per stream; Chelal + PostgreSQL %.1f MB -> %.1f MB (%.1f KiB per stream)\n",
		float64(ownBefore)/1024, float64(ownAfter)/1024, streams, float64(ownAfter-ownBefore)/float64(streams),
		float64(totalBefore)/1024, float64(totalAfter)/1024, float64(totalAfter-totalBefore)/float64(streams))

	with := writeLoad(client, base, writerSessions, pause, dur, rec)
	fmt.Printf("writers with %d streams: %d writes, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (p95 %+.1f%% against without)\n",
		streams, len(with.lat), pct(with.lat, 0.5), pct(with.lat, 0.95), pct(with.lat, 0.99),
		100*(pct(with.lat, 0.95)/pct(without.lat, 0.95)-1))
	time.Sleep(2 * time.Second) // the last events arrive
	var lower, upper []time.Duration
	missing := 0
	rec.mu.Lock()
	for id, w := range with.writes {
		got := rec.byID[id]
		missing += streams - len(got)
		for _, at := range got {
			lower = append(lower, max(0, at.Sub(w.answered)))
			upper = append(upper, at.Sub(w.sent))
		}
	}
	rec.mu.Unlock()
	fmt.Printf("delivery, commit to receipt on %d streams: %d deliveries, %d missing; p50 %.2f-%.2f ms, p95 %.2f-%.2f ms, p99 %.2f-%.2f ms (after the answer - after the request)\n",
		streams, len(lower), missing, pct(lower, 0.5), pct(upper, 0.5), pct(lower, 0.95), pct(upper, 0.95), pct(lower, 0.99), pct(upper, 0.99))
	fmt.Println("budgets: delivery p95 <= 250 ms; <= 64 KiB per idle stream; writers' p95 within 10% of without")
	return nil
}

// runtimeSettle gives the server a moment to return freed memory before a measure.
func runtimeSettle() { time.Sleep(time.Second) }

type write struct{ sent, answered time.Time }

type load struct {
	lat    []time.Duration
	writes map[int64]write
}

// writeLoad runs the writers for dur: each registers a patient, then pauses (exponential,
// mean pause).
func writeLoad(client *http.Client, base string, sessions []*apiclient.Session, pause, dur time.Duration, rec *receipts) load {
	var mu sync.Mutex
	out := load{writes: map[int64]write{}}
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for n := 0; time.Now().Before(deadline); n++ {
				body := fmt.Sprintf(`{"first_name":"Bench%d","last_name":"Writer%d","date_of_birth":"1990-01-01","gender":"female","confirm_duplicate":true}`, n, i)
				sent := time.Now()
				status, b, err := s.Do(client, "POST", base+"/api/v1/patients", body)
				answered := time.Now()
				if err == nil && status == http.StatusCreated {
					var p struct {
						ID int64 `json:"id"`
					}
					_ = json.Unmarshal(b, &p)
					mu.Lock()
					out.lat = append(out.lat, answered.Sub(sent))
					out.writes[p.ID] = write{sent, answered}
					mu.Unlock()
				}
				if pause > 0 {
					time.Sleep(time.Duration(r.ExpFloat64() * float64(pause)))
				}
			}
		})
	}
	wg.Wait()
	return out
}

// receipts records when each stream received each patient's creation.
type receipts struct {
	mu   sync.Mutex
	byID map[int64][]time.Time
}

// openStream opens one stream and records its patient events until it is closed.
func openStream(base string, cookie *http.Cookie, rec *receipts, opened *sync.WaitGroup) (func(), error) {
	req, err := http.NewRequest("GET", base+"/api/v1/events", nil)
	if err != nil {
		opened.Done()
		return nil, err
	}
	req.AddCookie(cookie)
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		opened.Done()
		return nil, err
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		opened.Done()
		return nil, fmt.Errorf("events: %d", resp.StatusCode)
	}
	go func() {
		sc := bufio.NewScanner(resp.Body)
		first := true
		for sc.Scan() {
			line := sc.Bytes()
			if first && len(line) == 0 {
				first = false
				opened.Done()
				continue
			}
			if !bytes.HasPrefix(line, []byte("data: ")) {
				continue
			}
			at := time.Now()
			var ev struct {
				Kind   string `json:"kind"`
				ID     int64  `json:"id"`
				Action string `json:"action"`
			}
			if json.Unmarshal(line[6:], &ev) == nil && ev.Kind == "patient" && ev.Action == "create" {
				rec.mu.Lock()
				rec.byID[ev.ID] = append(rec.byID[ev.ID], at)
				rec.mu.Unlock()
			}
		}
		if first {
			opened.Done()
		}
	}()
	return func() { resp.Body.Close() }, nil
}

func pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}

// memory sums the PSS (KiB) of the Chelal process and its PostgreSQL's processes; it also
// returns Chelal's own.
func memory(chelalPid int, dir string) (total, own, procs int) {
	postmaster := 0
	if b, err := os.ReadFile(filepath.Join(dir, "pg", "data", "postmaster.pid")); err == nil {
		postmaster, _ = strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if !(pid == chelalPid || pid == postmaster || parent(pid) == postmaster || parent(pid) == chelalPid) {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		procs++
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.Atoi(f[1])
				total += kb
				if pid == chelalPid {
					own += kb
				}
			}
		}
	}
	return total, own, procs
}

func parent(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}
