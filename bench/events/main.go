// Command events measures live events on a real `chelal serve`: S event streams held open at
// once (default 300, as 300 workstations and displays) while W clients write (default 50, each
// registering a patient then pausing about P, 1 s by default, as staff at work). It reports
//
//   - delivery latency from commit to receipt on the streams, p50/p95/p99 (bounded: the commit
//     happens between the write's request and its answer, so "after answer" is a lower bound
//     and "after request" an upper one);
//   - memory per idle stream: Chelal's PSS (and its PostgreSQL's) before and after the
//     streams are opened, divided by S;
//   - the writers' p95 without streams and with them, after a warm-up, in R rounds (default 3)
//     of a phase without then one with, each condition's phases pooled: one phase's p95 moves
//     with the disk's fsyncs and the machine's other load, so a single pair misleads (-pin puts
//     the server on one CPU and this bench's readers and writers on the other, as if the
//     screens were other computers);
//   - the same p95s as the server saw them: Chelal's "Server-Timing: app;dur=MS" header (from
//     the request's arrival to its status going out), pooled per condition beside the
//     writers' own, so that the time this bench's 300 readers take from the writers on the
//     shared cores is told from what the streams cost the server;
//   - the CPU time the Chelal process (and its PostgreSQL) spent per write in each phase, from
//     /proc/PID/stat: unlike the p95s it hardly moves with the other load on the machine, so
//     it shows the streams' cost even where the writers' latencies are noisy.
//
// The bench's own readers are kept cheap, since they share the machine with the server: each
// reads the stream raw and looks only for the patient id in the frames of patient creations
// (no JSON decoding, one clock reading per read). They run in a child process (readers.go);
// -nice 19 lowers its priority, so that they take only the CPU the server and the writers
// leave, as when the screens are the clinic's other computers.
//
// Budgets (issue 16): delivery p95 <= 250 ms on a 2-core machine, <= 64 KiB per idle stream,
// writers' p95 within 10% of without. Figures, not a test: nothing here fails on time.
//
//	go build -o bin/chelal . && go run ./bench/events -bin bin/chelal -d 20s -rounds 3
//
// With CHELAL_CPUPROFILE=FILE in its environment, the served Chelal writes a CPU profile of
// its whole run there when the bench stops it (a path nobody may write when run as root, e.g.
// under /tmp): go tool pprof -top bin/chelal FILE.
//
// -dir /dev/shm puts the server's data folder (its PostgreSQL) on tmpfs: commits stay
// synchronous but the disk never stalls, so the writers' latencies lose the fsync stalls that
// are the same with and without streams, and the streams' CPU weighs relatively more in them: a
// harsher, steadier test of the writers' budget than the disk, not the figure of a real
// clinic's disk.
//
// -base N holds N more streams open through both phases (the bench's own, not counted in the
// deliveries): with one, the server LISTENs in the phase without the S streams too, so the
// difference between the phases is the fan-out alone, without the listening connection's cost
// (PostgreSQL's work to notify a listener at each commit, which the CPU per write of
// PostgreSQL, reported for both phases, shows).
//
// As root, Chelal is run as nobody (PostgreSQL refuses root).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/benchserve"
	"chelal/bench/internal/proc"
	"chelal/bench/internal/stats"
)

func main() {
	if os.Getenv(readersEnv) != "" { // the stream readers' process (readers.go)
		if err := readersMain(); err != nil {
			fmt.Fprintln(os.Stderr, "bench/events readers:", err)
			os.Exit(1)
		}
		return
	}
	bin := flag.String("bin", "bin/chelal", "chelal executable")
	streams := flag.Int("s", 300, "event streams held open")
	writers := flag.Int("w", 50, "writing clients")
	pause := flag.Duration("pause", time.Second, "mean pause of a writer between writes (0: no pause)")
	d := flag.Duration("d", 20*time.Second, "duration of each write phase")
	rounds := flag.Int("rounds", 3, "rounds of a phase without streams then one with them")
	warmup := flag.Duration("warmup", 10*time.Second, "writes before the first round, not counted")
	pinCPUs := flag.Bool("pin", false, "Chelal and its PostgreSQL on CPU 1, this bench on CPU 0 (as if the screens were other computers; needs 2 CPUs)")
	niceness := flag.Int("nice", 0, "the niceness of the stream readers' process: 19 gives them only the CPU that the server and the writers leave, as when the screens are other computers")
	parent := flag.String("dir", "/var/tmp", "where the server's data folder is made (/dev/shm: no disk, so no fsync stalls)")
	baseStreams := flag.Int("base", 0, "streams held open through both phases (1: the server listens in the phase without the -s streams too, which then measure the fan-out alone)")
	flag.Parse()
	if err := run(*bin, *parent, *streams, *baseStreams, *writers, *rounds, *pause, *d, *warmup, *pinCPUs, *niceness); err != nil {
		fmt.Fprintln(os.Stderr, "bench/events:", err)
		os.Exit(1)
	}
}

const user, password = "benchadmin", "bench password 1234"

func run(bin, parent string, streams, baseStreams, writers, rounds int, pause, dur, warmup time.Duration, pinCPUs bool, niceness int) error {
	srv, err := benchserve.NewIn(parent, bin, "chelal-bench-events-", user, password)
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
	fmt.Printf("events: %d streams, %d writers (mean pause %s), %s per phase, on %s, data in %s\n", streams, writers, pause, dur, addr, dir)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: writers}}
	cpu := func(l load) string {
		n := float64(max(1, len(l.lat)))
		return fmt.Sprintf("CPU per write: Chelal %.2f ms, PostgreSQL %.2f ms, this bench %.2f ms",
			l.cpu.chelal.Seconds()*1000/n, l.cpu.postgres.Seconds()*1000/n, l.cpu.bench.Seconds()*1000/n)
	}
	if pinCPUs {
		if err := pin(p.Process.Pid, dir); err != nil {
			return err
		}
		fmt.Println("pinned: Chelal and its PostgreSQL on CPU 1, this bench on CPU 0")
	}
	spec := readerSpec{Base: base, Streams: streams}
	for _, c := range streamCookies {
		spec.Cookies = append(spec.Cookies, *c)
	}
	rd, err := startReaders(spec, niceness) // after pin: the child shares this bench's CPU
	if err != nil {
		return err
	}
	defer rd.stop()
	readersCPU = rd.cpu
	if niceness != 0 {
		fmt.Printf("the stream readers run at nice %d\n", niceness)
	}
	if baseStreams > 0 {
		closeBase, err := openStreams(base, baseStreams, streamCookies, &receipts{byID: map[int64][]time.Time{}})
		if err != nil {
			return err
		}
		defer closeBase()
		fmt.Printf("%d streams held open through both phases: the phase without streams has the server listening too\n", baseStreams)
	}
	// A warm-up, not counted: the first writes of a fresh server pay for cold caches and plans.
	writeLoad(client, base, writerSessions, pause, warmup, p.Process.Pid, dir)

	// Rounds of "without, then with": the writers' p95 moves with the machine's disk and
	// other load from one phase to the next, so each condition is measured in every round and
	// the phases of a condition are pooled.
	var without, with []load
	for round := range rounds {
		w := writeLoad(client, base, writerSessions, pause, dur, p.Process.Pid, dir)
		without = append(without, w)
		fmt.Printf("round %d, writers without streams: %d writes, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (server-side p50 %.2f ms, p95 %.2f ms); %s\n",
			round+1, len(w.lat), stats.Pct(w.lat, 0.5), stats.Pct(w.lat, 0.95), stats.Pct(w.lat, 0.99), stats.Pct(w.srv, 0.5), stats.Pct(w.srv, 0.95), cpu(w))

		runtimeSettle()
		totalBefore, ownBefore, _ := memory(p.Process.Pid, dir)
		if err := rd.open(); err != nil {
			return err
		}
		time.Sleep(3 * time.Second)
		runtimeSettle()
		if round == 0 {
			totalAfter, ownAfter, _ := memory(p.Process.Pid, dir)
			fmt.Printf("memory: Chelal PSS %.1f MB -> %.1f MB with %d idle streams: %.1f KiB per stream; Chelal + PostgreSQL %.1f MB -> %.1f MB (%.1f KiB per stream)\n",
				float64(ownBefore)/1024, float64(ownAfter)/1024, streams, float64(ownAfter-ownBefore)/float64(streams),
				float64(totalBefore)/1024, float64(totalAfter)/1024, float64(totalAfter-totalBefore)/float64(streams))
		}
		l := writeLoad(client, base, writerSessions, pause, dur, p.Process.Pid, dir)
		with = append(with, l)
		fmt.Printf("round %d, writers with %d streams: %d writes, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms (p95 %+.1f%% against this round's without; server-side p50 %.2f ms, p95 %.2f ms); %s\n",
			round+1, streams, len(l.lat), stats.Pct(l.lat, 0.5), stats.Pct(l.lat, 0.95), stats.Pct(l.lat, 0.99),
			100*(stats.Pct(l.lat, 0.95)/stats.Pct(w.lat, 0.95)-1), stats.Pct(l.srv, 0.5), stats.Pct(l.srv, 0.95), cpu(l))
		time.Sleep(2 * time.Second) // the last events arrive
		if err := rd.close(); err != nil {
			return err
		}
	}
	wo, wi := pool(without), pool(with)
	fmt.Printf("writers, %d rounds pooled: without streams %d writes, p50 %.2f ms, p95 %.2f ms; with %d streams %d writes, p50 %.2f ms, p95 %.2f ms (p95 %+.1f%% against without)\n",
		rounds, len(wo.lat), stats.Pct(wo.lat, 0.5), stats.Pct(wo.lat, 0.95), streams, len(wi.lat), stats.Pct(wi.lat, 0.5), stats.Pct(wi.lat, 0.95),
		100*(stats.Pct(wi.lat, 0.95)/stats.Pct(wo.lat, 0.95)-1))
	fmt.Printf("writers as the server saw them (Server-Timing, request in to status out), pooled: without streams %d writes, p50 %.2f ms, p95 %.2f ms; with %d streams p50 %.2f ms, p95 %.2f ms (p95 %+.1f%% against without)\n",
		len(wo.srv), stats.Pct(wo.srv, 0.5), stats.Pct(wo.srv, 0.95), streams, stats.Pct(wi.srv, 0.5), stats.Pct(wi.srv, 0.95),
		100*(stats.Pct(wi.srv, 0.95)/stats.Pct(wo.srv, 0.95)-1))
	// added is what the streams added to a process's CPU per write: in ms, and against without.
	added := func(cpu func(cpuTimes) time.Duration) (float64, float64) {
		without := cpu(wo.cpu).Seconds() * 1000 / float64(max(1, len(wo.lat)))
		with := cpu(wi.cpu).Seconds() * 1000 / float64(max(1, len(wi.lat)))
		return with - without, 100 * (with/without - 1)
	}
	chelalMs, chelalPct := added(func(c cpuTimes) time.Duration { return c.chelal })
	pgMs, pgPct := added(func(c cpuTimes) time.Duration { return c.postgres })
	fmt.Printf("streams' cost: Chelal CPU per write %+.2f ms (%+.1f%%), PostgreSQL CPU per write %+.2f ms (%+.1f%%)\n",
		chelalMs, chelalPct, pgMs, pgPct)
	dr, err := rd.report(wi.writes)
	if err != nil {
		return err
	}
	fmt.Printf("delivery, commit to receipt on %d streams: %d deliveries, %d missing; p50 %.2f-%.2f ms, p95 %.2f-%.2f ms, p99 %.2f-%.2f ms (after the answer - after the request)\n",
		streams, dr.Deliveries, dr.Missing, dr.LowerP50, dr.UpperP50, dr.LowerP95, dr.UpperP95, dr.LowerP99, dr.UpperP99)
	fmt.Println("budgets: delivery p95 <= 250 ms; <= 64 KiB per idle stream; writers' p95 within 10% of without")
	return nil
}

// openStreams opens n streams (ten to a session, as a workstation may have a few tabs) and
// waits until each has read its opening frame; the function returned closes them all.
func openStreams(base string, n int, cookies []*http.Cookie, rec *receipts) (func(), error) {
	var opened sync.WaitGroup
	closers := make([]func(), 0, n)
	var mu sync.Mutex
	var openErr error
	for i := range n {
		opened.Add(1)
		go func() {
			closeFn, err := openStream(base, cookies[i/10], rec, &opened)
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
	closeAll := func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range closers {
			c()
		}
	}
	if openErr != nil {
		closeAll()
		return nil, openErr
	}
	return closeAll, nil
}

// pool joins the phases of one condition: their latencies, writes and CPU.
func pool(phases []load) load {
	out := load{writes: map[int64]write{}}
	for _, l := range phases {
		out.lat = append(out.lat, l.lat...)
		out.srv = append(out.srv, l.srv...)
		for id, w := range l.writes {
			out.writes[id] = w
		}
		out.cpu.chelal += l.cpu.chelal
		out.cpu.postgres += l.cpu.postgres
		out.cpu.bench += l.cpu.bench
	}
	return out
}

// runtimeSettle gives the server a moment to return freed memory before a measure.
func runtimeSettle() { time.Sleep(time.Second) }

type write struct{ sent, answered time.Time }

type load struct {
	lat    []time.Duration // as the writers saw them
	srv    []time.Duration // as the server saw them (its Server-Timing header)
	writes map[int64]write
	cpu    cpuTimes // spent during the phase
}

// writeLoad runs the writers for dur: each registers a patient, then pauses (exponential,
// mean pause).
func writeLoad(client *http.Client, base string, sessions []*apiclient.Session, pause, dur time.Duration, chelalPid int, dir string) load {
	var mu sync.Mutex
	out := load{writes: map[int64]write{}}
	before := cpuNow(chelalPid, dir)
	deadline := time.Now().Add(dur)
	var wg sync.WaitGroup
	for i, s := range sessions {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(i), uint64(time.Now().UnixNano())))
			for n := 0; time.Now().Before(deadline); n++ {
				body := fmt.Sprintf(`{"first_name":"Bench%d","last_name":"Writer%d","date_of_birth":"1990-01-01","gender":"female","confirm_duplicate":true}`, n, i)
				sent := time.Now()
				status, h, b, err := s.DoHeader(client, "POST", base+"/api/v1/patients", body)
				answered := time.Now()
				if err == nil && status == http.StatusCreated {
					var p struct {
						ID int64 `json:"id"`
					}
					_ = json.Unmarshal(b, &p)
					srv, srvOK := serverTiming(h)
					mu.Lock()
					out.lat = append(out.lat, answered.Sub(sent))
					if srvOK {
						out.srv = append(out.srv, srv)
					}
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
	out.cpu = cpuNow(chelalPid, dir).sub(before)
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
		var r frameReader
		first := true
		var ids []int64
		for {
			n, err := resp.Body.Read(r.buf[r.n:])
			at := time.Now()
			r.n += n
			ids = r.patients(ids[:0], first)
			if first && r.sawFrame {
				first = false
				opened.Done()
			}
			if len(ids) > 0 {
				rec.mu.Lock()
				for _, id := range ids {
					rec.byID[id] = append(rec.byID[id], at)
				}
				rec.mu.Unlock()
			}
			if err != nil {
				break
			}
		}
		if first {
			opened.Done()
		}
	}()
	return func() { resp.Body.Close() }, nil
}

// frameReader finds patient creations in a raw event stream without decoding it: the server
// writes each event as "id: N\ndata: {"kind":"patient","id":P,...,"action":"create",...}\n\n".
type frameReader struct {
	buf      [32 << 10]byte
	n        int  // bytes in buf
	sawFrame bool // a whole frame (the stream's opening "retry" frame) was read
}

var patientData = []byte(`data: {"kind":"patient","id":`)

// patients appends to ids the patient ids created in the complete lines read so far and keeps
// the incomplete last line for the next read.
func (r *frameReader) patients(ids []int64, first bool) []int64 {
	b := r.buf[:r.n]
	if first && bytes.Contains(b, []byte("\n\n")) {
		r.sawFrame = true
	}
	for {
		nl := bytes.IndexByte(b, '\n')
		if nl < 0 {
			break
		}
		line := b[:nl]
		b = b[nl+1:]
		if !bytes.HasPrefix(line, patientData) || !bytes.Contains(line, []byte(`"action":"create"`)) {
			continue
		}
		var id int64
		for _, c := range line[len(patientData):] {
			if c < '0' || c > '9' {
				break
			}
			id = id*10 + int64(c-'0')
		}
		ids = append(ids, id)
	}
	r.n = copy(r.buf[:], b)
	if r.n == len(r.buf) { // a line longer than the buffer: not an event of ours
		r.n = 0
	}
	return ids
}

// serverTiming reads the server's own time for a request from its "Server-Timing: app;dur=MS"
// header (false: none).
func serverTiming(h http.Header) (time.Duration, bool) {
	for _, metric := range strings.Split(h.Get("Server-Timing"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(metric), ";")
		if name != "app" {
			continue
		}
		for _, p := range strings.Split(params, ";") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(p), "dur="); ok {
				ms, err := strconv.ParseFloat(v, 64)
				return time.Duration(ms * float64(time.Millisecond)), err == nil
			}
		}
	}
	return 0, false
}

// memory sums the PSS (KiB) of the Chelal process and its PostgreSQL's processes; it also
// returns Chelal's own.
func memory(chelalPid int, dir string) (total, own, procs int) {
	pg, _ := proc.Postgres(dir)
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if !(pid == chelalPid || slices.Contains(pg, pid) || proc.Parent(pid) == chelalPid) {
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

// pin puts this bench on CPU 0 and the server (Chelal, the postmaster and its backends; the
// backends it starts later inherit the postmaster's CPU) on CPU 1, every thread of each.
func pin(chelalPid int, dir string) error {
	pg, err := proc.Postgres(dir)
	if err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	if err := proc.Pin("0", os.Getpid()); err != nil {
		return err
	}
	return proc.Pin("1", append(pg, chelalPid)...)
}

// readersCPU is the CPU time the stream readers' process has used so far.
var readersCPU func() time.Duration

// cpuTimes is CPU time (user + system) spent by the Chelal process, its PostgreSQL (the
// postmaster and its live backends) and this bench (its writers and its stream readers).
type cpuTimes struct{ chelal, postgres, bench time.Duration }

func (a cpuTimes) sub(b cpuTimes) cpuTimes {
	return cpuTimes{a.chelal - b.chelal, a.postgres - b.postgres, a.bench - b.bench}
}

// cpuNow reads the CPU times so far. A PostgreSQL backend that ends between two readings
// takes its time with it; the pool's connections and the listener live through a phase.
func cpuNow(chelalPid int, dir string) cpuTimes {
	var out cpuTimes
	out.chelal = proc.CPU(chelalPid)
	pg, _ := proc.Postgres(dir)
	for _, pid := range pg {
		out.postgres += proc.CPU(pid)
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		out.bench = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	if readersCPU != nil {
		out.bench += readersCPU()
	}
	return out
}
