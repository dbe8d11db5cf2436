// Command telemed measures video-call signalling on a real `chelal serve`: N calls at once
// (default 10), each a doctor's and a nurse's browser joined to one session (their signal
// streams), passing what WebRTC passes through Chelal: an offer (a ~3 KB SDP) and its answer,
// then ICE candidates both ways, every I (default 50 ms) per side for D. It reports
//
//   - join latency: the stream's request to its welcome event;
//   - signalling latency, from a message's POST to its arrival on the other side's stream,
//     p50/p95/p99, and the messages passed per second;
//   - Chelal's CPU (its process and its PostgreSQL's, from /proc) over the signalling phase,
//     and idle with the calls open.
//
// Media never passes through Chelal (peer to peer; no TURN is built in), so there is none to
// measure here. Figures, not a test: nothing here fails on time.
//
//	go build -o bin/chelal . && go run ./bench/telemed -bin bin/chelal -d 20s
//
// As root, Chelal is run as nobody (PostgreSQL refuses root).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/benchserve"
	"chelal/bench/internal/stats"
)

const admin, password = "benchadmin", "bench password 1234"

func main() {
	bin := flag.String("bin", "bin/chelal", "chelal executable")
	calls := flag.Int("n", 10, "simultaneous calls")
	every := flag.Duration("i", 50*time.Millisecond, "interval between a side's ICE candidates")
	d := flag.Duration("d", 20*time.Second, "duration of the signalling phase")
	flag.Parse()
	if err := run(*bin, *calls, *every, *d); err != nil {
		fmt.Fprintln(os.Stderr, "bench/telemed:", err)
		os.Exit(1)
	}
}

// side is one browser of a call: its session, its stream, its peer id, what it received.
type side struct {
	s     *apiclient.Session
	peer  string
	other string
	got   chan received
	close func()
}

type received struct {
	event string
	data  []byte
	at    time.Time
}

func run(bin string, n int, every, dur time.Duration) error {
	srv, err := benchserve.New(bin, "chelal-bench-telemed-", admin, password)
	if err != nil {
		return err
	}
	defer srv.Close()
	p, dir, addr := srv.Cmd, srv.Dir, srv.Addr
	base := "http://" + addr
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4 * n}}

	boss, err := apiclient.Login(base, admin, password)
	if err != nil {
		return err
	}
	call := func(method, path string, body any, out any) error {
		b, _ := json.Marshal(body)
		if body == nil {
			b = nil
		}
		st, ans, err := boss.Do(client, method, base+path, string(b))
		if err != nil || st >= 300 {
			return fmt.Errorf("%s %s: %d %v %s", method, path, st, err, ans)
		}
		if out != nil {
			return json.Unmarshal(ans, out)
		}
		return nil
	}
	var roles struct {
		Items []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"items"`
	}
	if err := call("GET", "/api/v1/roles", nil, &roles); err != nil {
		return err
	}
	roleID := map[string]int64{}
	for _, r := range roles.Items {
		roleID[r.Name] = r.ID
	}
	var doctor struct {
		User struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	for _, u := range []struct{ name, role string }{{"drbench", "doctor"}, {"nursebench", "nurse"}} {
		var out any = &doctor
		if u.role == "nurse" {
			out = nil
		}
		if err := call("POST", "/api/v1/users", map[string]any{"username": u.name, "password": password, "first_name": "Bench", "last_name": u.role,
			"email": u.name + "@clinic.test", "role_id": roleID[u.role]}, out); err != nil {
			return err
		}
	}
	sessions := make([]int64, n)
	for i := range sessions {
		var pt struct {
			ID int64 `json:"id"`
		}
		if err := call("POST", "/api/v1/patients", map[string]any{"first_name": "Simu", "last_name": "Bench" + strconv.Itoa(i), "date_of_birth": "1980-01-01",
			"gender": "female", "confirm_duplicate": true}, &pt); err != nil {
			return err
		}
		var appt struct {
			VideoSessionID int64 `json:"video_session_id"`
		}
		if err := call("POST", "/api/v1/appointments", map[string]any{"patient_id": pt.ID, "doctor_id": doctor.User.ID, "walk_in": true, "video": true}, &appt); err != nil {
			return err
		}
		sessions[i] = appt.VideoSessionID
	}
	fmt.Printf("telemed: %d calls, a candidate every %s per side, %s of signalling, on %s\n", n, every, dur, addr)

	// Join: the doctor of each call, then the nurse (who offers).
	var joins []time.Duration
	calls := make([][2]*side, n)
	for i, id := range sessions {
		for j, who := range []string{"drbench", "nursebench"} {
			s, err := apiclient.Login(base, who, password)
			if err != nil {
				return err
			}
			sd, took, err := join(base, id, s)
			if err != nil {
				return err
			}
			joins = append(joins, took)
			calls[i][j] = sd
		}
		doc, nurse := calls[i][0], calls[i][1]
		if ev := <-doc.got; ev.event != "peer-joined" {
			return fmt.Errorf("call %d: doctor got %s, want peer-joined", i, ev.event)
		}
		doc.other, nurse.other = nurse.peer, doc.peer
	}
	defer func() {
		for _, c := range calls {
			c[0].close()
			c[1].close()
		}
	}()
	fmt.Printf("join (stream to welcome): p50 %.2f ms, p95 %.2f ms, max %.2f ms\n", stats.Pct(joins, 0.5), stats.Pct(joins, 0.95), stats.Pct(joins, 1))

	idle := cpu(p.Process.Pid, dir, 3*time.Second)
	fmt.Printf("CPU with %d calls open, idle: Chelal %.1f%%, its PostgreSQL %.1f%% (of one core)\n", n, idle.chelal, idle.pg)

	sdp := strings.Repeat("a=candidate:0 1 udp 2122260223 192.168.1.20 54321 typ host generation 0\r\n", 40) // ~3 KB, an offer's size
	cand := map[string]any{"candidate": "candidate:842163049 1 udp 1677729535 192.168.1.20 46154 typ host generation 0 ufrag EEtu network-cost 999", "sdpMid": "0", "sdpMLineIndex": 0}
	var mu sync.Mutex
	var lat []time.Duration
	var sent int
	var wg sync.WaitGroup
	stopAt := time.Now().Add(dur)
	load := startCPU(p.Process.Pid, dir)
	for i, c := range calls {
		for j, me := range c {
			you := c[1-j]
			wg.Go(func() {
				// The receiver: each message carries its send time.
				go func() {
					for ev := range you.got {
						if ev.event != "signal" {
							continue
						}
						var m struct {
							Data struct {
								Sent int64 `json:"sent"`
							} `json:"data"`
						}
						if json.Unmarshal(ev.data, &m) == nil && m.Data.Sent > 0 {
							mu.Lock()
							lat = append(lat, ev.at.Sub(time.Unix(0, m.Data.Sent)))
							mu.Unlock()
						}
					}
				}()
				path := fmt.Sprintf("%s/api/v1/telemedicine/sessions/%d/signal", base, sessions[i])
				kind, data := "offer", map[string]any{"type": "offer", "sdp": sdp}
				if j == 0 {
					kind, data = "answer", map[string]any{"type": "answer", "sdp": sdp}
				}
				for k := 0; time.Now().Before(stopAt); k++ {
					if k > 0 {
						kind, data = "candidate", maps.Clone(cand) // each message its own (it carries its send time)
					}
					data["sent"] = time.Now().UnixNano()
					b, _ := json.Marshal(map[string]any{"peer": me.peer, "to": me.other, "kind": kind, "data": data})
					if st, ans, err := me.s.Do(client, "POST", path, string(b)); err != nil || st != http.StatusNoContent {
						fmt.Fprintf(os.Stderr, "signal: %d %v %s\n", st, err, ans)
						return
					}
					mu.Lock()
					sent++
					mu.Unlock()
					time.Sleep(every)
				}
			})
		}
	}
	wg.Wait()
	used := load()
	time.Sleep(500 * time.Millisecond) // the last messages arrive
	mu.Lock()
	defer mu.Unlock()
	fmt.Printf("signalling: %d messages sent, %d received (%.0f/s), latency p50 %.2f ms, p95 %.2f ms, p99 %.2f ms, max %.2f ms\n",
		sent, len(lat), float64(len(lat))/dur.Seconds(), stats.Pct(lat, 0.5), stats.Pct(lat, 0.95), stats.Pct(lat, 0.99), stats.Pct(lat, 1))
	fmt.Printf("CPU while signalling: Chelal %.1f%%, its PostgreSQL %.1f%% (of one core; %d cores here)\n", used.chelal, used.pg, runtime.NumCPU())
	return nil
}

// join opens session id's signal stream as s and waits for the welcome.
func join(base string, id int64, s *apiclient.Session) (*side, time.Duration, error) {
	req, err := http.NewRequest("GET", fmt.Sprintf("%s/api/v1/telemedicine/sessions/%d/signal", base, id), nil)
	if err != nil {
		return nil, 0, err
	}
	req.AddCookie(s.Cookie())
	began := time.Now()
	resp, err := (&http.Client{Transport: &http.Transport{}}).Do(req)
	if err != nil {
		return nil, 0, err
	}
	if resp.StatusCode != 200 {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("join %d: %d", id, resp.StatusCode)
	}
	sd := &side{s: s, got: make(chan received, 4096), close: func() { resp.Body.Close() }}
	welcome := make(chan []byte, 1)
	go func() {
		defer close(sd.got)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		event := ""
		for sc.Scan() {
			line := sc.Bytes()
			switch {
			case bytes.HasPrefix(line, []byte("event: ")):
				event = string(line[7:])
			case bytes.HasPrefix(line, []byte("data: ")):
				at := time.Now()
				data := slices.Clone(line[6:])
				if event == "welcome" {
					welcome <- data
				} else {
					sd.got <- received{event: event, data: data, at: at}
				}
			}
		}
	}()
	select {
	case b := <-welcome:
		var w struct {
			Peer string `json:"peer"`
		}
		if err := json.Unmarshal(b, &w); err != nil {
			return nil, 0, err
		}
		sd.peer = w.Peer
		return sd, time.Since(began), nil
	case <-time.After(10 * time.Second):
		resp.Body.Close()
		return nil, 0, fmt.Errorf("join %d: no welcome within 10 s", id)
	}
}

type usage struct{ chelal, pg float64 }

// cpu measures the CPU used over wait.
func cpu(pid int, dir string, wait time.Duration) usage {
	done := startCPU(pid, dir)
	time.Sleep(wait)
	return done()
}

// startCPU starts a CPU measurement of Chelal and its PostgreSQL (percent of one core); the
// returned function ends it.
func startCPU(pid int, dir string) func() usage {
	c0, p0 := ticks(pid, dir)
	began := time.Now()
	return func() usage {
		c1, p1 := ticks(pid, dir)
		secs := time.Since(began).Seconds() * 100 // clock ticks (USER_HZ 100)
		return usage{chelal: float64(c1-c0) / secs * 100, pg: float64(p1-p0) / secs * 100}
	}
}

// ticks are the user+system clock ticks of Chelal (pid; with setpriv, its child) and of its
// PostgreSQL's processes.
func ticks(pid int, dir string) (chelal, pg int64) {
	postmaster := 0
	if b, err := os.ReadFile(filepath.Join(dir, "pg", "data", "postmaster.pid")); err == nil {
		postmaster, _ = strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+2:]))
		if len(f) < 13 {
			continue
		}
		ppid, _ := strconv.Atoi(f[1])
		u, _ := strconv.ParseInt(f[11], 10, 64)
		s, _ := strconv.ParseInt(f[12], 10, 64)
		switch {
		case p == postmaster || (postmaster != 0 && ppid == postmaster):
			pg += u + s
		case p == pid || ppid == pid:
			chelal += u + s
		}
	}
	return chelal, pg
}
