package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"chelal/bench/internal/proc"
	"chelal/bench/internal/stats"
)

// The stream readers run in a child process (this program again, with readersEnv set), so that
// -nice can lower their priority: the clinic's 300 workstations and displays read their
// streams on their own computers, not on the server's cores. At nice 19 the readers take only
// the CPU that the server and the writers leave; what the server's writes cost on loopback (the
// kernel's receiving side runs in the writer's system call) stays the server's. The parent
// drives the child over its standard input, one command a line, each answered with one line:
//
//	open             open the streams, answer once each has its opening frame
//	close            close them
//	report WRITES    WRITES: {"id": [sent, answered]} in Unix nanoseconds; the answer is the
//	                 delivery figures of those patients' creation events (deliveryReport)
const readersEnv = "CHELAL_BENCH_EVENTS_READERS"

// readerSpec is the child's first line.
type readerSpec struct {
	Base    string
	Cookies []http.Cookie // one per ten streams
	Streams int
}

// deliveryReport is what the readers saw of the writes asked about: commit to receipt, lower
// (after the write's answer) and upper (after its request) bounds, in milliseconds.
type deliveryReport struct {
	Deliveries, Missing          int
	LowerP50, LowerP95, LowerP99 float64
	UpperP50, UpperP95, UpperP99 float64
}

// readers is the parent's handle on the child.
type readers struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

// startReaders starts the child at nice niceness (0: the bench's own priority).
func startReaders(spec readerSpec, niceness int) (*readers, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("nice", "-n", strconv.Itoa(niceness), self)
	cmd.Env = append(os.Environ(), readersEnv+"=1")
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	r := &readers{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}
	first, _ := json.Marshal(spec)
	if _, err := fmt.Fprintf(in, "%s\n", first); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// do sends one command and returns the child's answer ("error: ..." becomes an error).
func (r *readers) do(command string) (string, error) {
	if _, err := io.WriteString(r.in, command+"\n"); err != nil {
		return "", fmt.Errorf("readers: %w", err)
	}
	line, err := r.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("readers: %w", err)
	}
	line = strings.TrimSuffix(line, "\n")
	if msg, ok := strings.CutPrefix(line, "error: "); ok {
		return "", errors.New("readers: " + msg)
	}
	return line, nil
}

func (r *readers) open() error {
	_, err := r.do("open")
	return err
}

func (r *readers) close() error {
	_, err := r.do("close")
	return err
}

func (r *readers) report(writes map[int64]write) (deliveryReport, error) {
	w := make(map[int64][2]int64, len(writes))
	for id, x := range writes {
		w[id] = [2]int64{x.sent.UnixNano(), x.answered.UnixNano()}
	}
	b, _ := json.Marshal(w)
	line, err := r.do("report " + string(b))
	var out deliveryReport
	if err == nil {
		err = json.Unmarshal([]byte(line), &out)
	}
	return out, err
}

// cpu is the CPU time the child has used so far.
func (r *readers) cpu() time.Duration { return proc.CPU(r.cmd.Process.Pid) }

func (r *readers) stop() {
	r.in.Close()
	_ = r.cmd.Wait()
}

// readersMain is the child's whole run.
func readersMain() error {
	in := bufio.NewReaderSize(os.Stdin, 1<<20)
	line, err := in.ReadString('\n')
	if err != nil {
		return err
	}
	var spec readerSpec
	if err := json.Unmarshal([]byte(line), &spec); err != nil {
		return err
	}
	cookies := make([]*http.Cookie, len(spec.Cookies))
	for i := range spec.Cookies {
		cookies[i] = &spec.Cookies[i]
	}
	rec := &receipts{byID: map[int64][]time.Time{}}
	closeAll := func() {}
	answer := func(format string, a ...any) { fmt.Printf(format+"\n", a...) }
	for {
		line, err := in.ReadString('\n')
		if err != nil {
			closeAll()
			return nil // the parent is done
		}
		command, arg, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
		switch command {
		case "open":
			c, err := openStreams(spec.Base, spec.Streams, cookies, rec)
			if err != nil {
				answer("error: %v", err)
				continue
			}
			closeAll = c
			answer("opened")
		case "close":
			closeAll()
			closeAll = func() {}
			answer("closed")
		case "report":
			var w map[int64][2]int64
			if err := json.Unmarshal([]byte(arg), &w); err != nil {
				answer("error: %v", err)
				continue
			}
			b, _ := json.Marshal(rec.report(w, spec.Streams))
			answer("%s", b)
		default:
			answer("error: unknown command %q", command)
		}
	}
}

// report computes the delivery figures of the writes w (id -> sent, answered) seen by n streams.
func (rec *receipts) report(w map[int64][2]int64, n int) deliveryReport {
	var lower, upper []time.Duration
	missing := 0
	rec.mu.Lock()
	for id, at := range w {
		got := rec.byID[id]
		missing += n - len(got)
		for _, t := range got {
			lower = append(lower, max(0, time.Duration(t.UnixNano()-at[1])))
			upper = append(upper, time.Duration(t.UnixNano()-at[0]))
		}
	}
	rec.mu.Unlock()
	return deliveryReport{
		Deliveries: len(lower), Missing: missing,
		LowerP50: stats.Pct(lower, 0.5), LowerP95: stats.Pct(lower, 0.95), LowerP99: stats.Pct(lower, 0.99),
		UpperP50: stats.Pct(upper, 0.5), UpperP95: stats.Pct(upper, 0.95), UpperP99: stats.Pct(upper, 0.99),
	}
}
