package db

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// How the supervisor watches and restarts the embedded server. A dead postmaster is noticed
// within superviseEvery; restarts that fail (old backends still exiting, a disk still full)
// are retried after restartBackoffMin, doubling up to restartBackoffMax, until one succeeds.
const (
	superviseEvery    = 500 * time.Millisecond
	restartBackoffMin = 500 * time.Millisecond
	restartBackoffMax = 10 * time.Second
	restartTimeout    = 60 * time.Second
)

// Restart describes one recovery of the embedded server after its postmaster died (kill -9,
// a PANIC that ended in a failed crash recovery, a disk that filled up), for OnRestart hooks.
type Restart struct {
	PID      int           // the postmaster that died; 0 when its postmaster.pid was gone
	DiedAt   time.Time     // when the supervisor noticed
	Down     time.Duration // from then until the server answered again
	Attempts int           // how many starts it took
	Cause    string        // the last lines the server logged before it died; empty after a kill -9
}

// supervisor is the state of the goroutine that keeps the embedded server running.
type supervisor struct {
	mu      sync.Mutex
	hooks   []func(context.Context, Restart)
	logFile string // the server log of the running postmaster, to explain its death
	cancel  context.CancelFunc
	done    chan struct{}
}

// OnRestart registers fn to run after each automatic restart of the server (the pool drops
// its dead connections, administrators are notified). Hooks run one after the other on the
// supervisor's goroutine, in the order they were registered.
func (e *Embedded) OnRestart(fn func(ctx context.Context, r Restart)) {
	e.sup.mu.Lock()
	defer e.sup.mu.Unlock()
	e.sup.hooks = append(e.sup.hooks, fn)
}

// startSupervisor starts watching the postmaster; Stop ends the watch before it stops the
// server, so a deliberate stop is never undone.
func (e *Embedded) startSupervisor() {
	l := newLayout(e.opts.Dir)
	e.sup.logFile = newestLibraryLog(l.tmp)
	ctx, cancel := context.WithCancel(context.Background())
	e.sup.cancel, e.sup.done = cancel, make(chan struct{})
	go e.supervise(ctx, l)
}

func (e *Embedded) stopSupervisor() {
	if e.sup.cancel == nil {
		return
	}
	e.sup.cancel()
	<-e.sup.done
	e.sup.cancel = nil
}

// supervise looks at the postmaster every superviseEvery and restarts it when it is gone.
func (e *Embedded) supervise(ctx context.Context, l layout) {
	defer close(e.sup.done)
	tick := time.NewTicker(superviseEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		pid := readPostmasterPID(l.data)
		if pid > 0 && postgresAlive(pid, l.data) {
			continue
		}
		e.recover(ctx, l, pid)
	}
}

// recover restarts a server whose postmaster is gone, retrying with back-off until it answers
// (or the supervisor is stopped), then runs the OnRestart hooks.
func (e *Embedded) recover(ctx context.Context, l layout, pid int) {
	r := Restart{PID: pid, DiedAt: time.Now(), Cause: logTail(e.sup.logFile, 6)}
	e.log.Error("the embedded PostgreSQL stopped unexpectedly; restarting it", "pid", pid, "data", l.data, "server_log", r.Cause)
	stopOrphans(pid)
	delay := restartBackoffMin
	for {
		r.Attempts++
		err := e.restartServer(ctx, l)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return
		}
		e.log.Error("the embedded PostgreSQL could not be restarted; trying again", "attempt", r.Attempts, "in", delay, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(delay):
		}
		delay = min(delay*2, restartBackoffMax)
	}
	r.Down = time.Since(r.DiedAt)
	e.log.Warn("the embedded PostgreSQL was restarted", "down_for", r.Down.Round(time.Millisecond), "attempts", r.Attempts, "pid", readPostmasterPID(l.data))
	e.sup.mu.Lock()
	hooks := append([]func(context.Context, Restart){}, e.sup.hooks...)
	e.sup.mu.Unlock()
	for _, fn := range hooks {
		hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		fn(hctx, r)
		cancel()
	}
}

// restartServer starts the existing cluster again on the same port (the pool's address stays
// valid) with the same settings. It applies the start's stale-pid rules and never runs initdb
// nor touches the data: a data dir that is no longer a cluster of this major version is an
// error, retried until someone puts it back.
func (e *Embedded) restartServer(ctx context.Context, l layout) error {
	if !fileExists(filepath.Join(l.data, "PG_VERSION")) {
		return fmt.Errorf("%s holds no PostgreSQL cluster any more (no PG_VERSION); Chelal will not create a new one in its place", l.data)
	}
	if err := checkDataDir(l.data); err != nil {
		return err
	}
	if err := e.recoverStale(ctx, l); err != nil {
		return err
	}
	for _, dir := range []string{l.run, l.tmp} {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("create %s: %w", dir, err)
		}
	}
	// The dead postmaster's socket lock names its PID, which may still look alive (a zombie):
	// the first start wipes the runtime folder; a restart removes what the dead server left.
	stale, _ := filepath.Glob(filepath.Join(l.run, ".s.PGSQL.*"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove the dead server's %s: %w", f, err)
		}
	}
	logFile := filepath.Join(l.tmp, "postgres.log")
	// Not cancelled by Stop: a start cut half-way would leave a server that nobody waits for.
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), restartTimeout)
	defer cancel()
	cmd := exec.CommandContext(sctx, filepath.Join(e.binDir, "bin", "pg_ctl"), "start", "-w", "-t", strconv.Itoa(int(restartTimeout/time.Second)),
		"-D", l.data, "-l", logFile, "-o", encodeOptions(e.port, e.params))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pg_ctl start: %w: %s\n%s", err, strings.TrimSpace(string(out)), logTail(logFile, 6))
	}
	e.sup.mu.Lock()
	e.sup.logFile = logFile
	e.sup.mu.Unlock()
	return nil
}

// encodeOptions is the -o argument of pg_ctl start, written as the embedded-postgres library
// writes it for the first start, so a restarted server runs with the very same settings.
func encodeOptions(port int, params map[string]string) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	opts := []string{fmt.Sprintf("-p %d", port)}
	for _, k := range keys {
		opts = append(opts, fmt.Sprintf("-c %s=\"%s\"", k, params[k]))
	}
	return strings.Join(opts, " ")
}

// readPostmasterPID returns the PID in data's postmaster.pid, or 0 when there is none.
func readPostmasterPID(data string) int {
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// newestLibraryLog is the log the library's first start writes the server's output to (a
// temporary file in tmp, see pitfall 5), or "".
func newestLibraryLog(tmp string) string {
	logs, _ := filepath.Glob(filepath.Join(tmp, "embedded_postgres_log*"))
	var newest string
	var newestTime time.Time
	for _, f := range logs {
		if st, err := os.Stat(f); err == nil && st.ModTime().After(newestTime) {
			newest, newestTime = f, st.ModTime()
		}
	}
	return newest
}

// logTail returns the last n non-empty lines of file (read from its last 16 KiB), or "".
func logTail(file string, n int) string {
	if file == "" {
		return ""
	}
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	const window = 16 << 10
	if st, err := f.Stat(); err == nil && st.Size() > window {
		if _, err := f.Seek(-window, io.SeekEnd); err != nil {
			return ""
		}
	}
	b, err := io.ReadAll(f)
	if err != nil && !errors.Is(err, io.EOF) {
		return ""
	}
	var lines []string
	for _, line := range strings.Split(string(b), "\n") {
		if strings.TrimSpace(line) != "" {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
