package db_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestEmbeddedRestartsAfterPostmasterDies kills the postmaster with SIGKILL and expects the
// supervisor to start it again on the same address within 10 s, the committed rows kept, the
// OnRestart hooks told, and a deliberate Stop not undone.
//
// Not parallel: StartEmbedded points the process-wide TMPDIR into its folder, which this test
// removes; TMPDIR is put back (t.Setenv) before the parallel tests run.
func TestEmbeddedRestartsAfterPostmasterDies(t *testing.T) {
	t.Setenv("TMPDIR", os.Getenv("TMPDIR"))
	ctx := context.Background()
	dir := filepath.Join(dbtest.Root(), fmt.Sprintf("supervise-%d", os.Getpid()))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	e, err := db.StartEmbedded(ctx, db.EmbeddedOptions{
		Dir:         dir,
		BinariesDir: filepath.Join(dbtest.Root(), "bin"),
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		// Not Ephemeral: what is tested is that acknowledged commits survive.
	})
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			_ = e.Stop()
		}
	})
	restarts := make(chan db.Restart, 4)
	e.OnRestart(func(_ context.Context, r db.Restart) { restarts <- r })
	d, err := db.Connect(ctx, e.DSN())
	if err != nil {
		t.Fatal(err)
	}
	defer d.Pool.Close()
	e.OnRestart(func(context.Context, db.Restart) { d.Pool.Reset() })
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE kept (n int)`); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `INSERT INTO kept SELECT generate_series(1, 100)`); err != nil {
		t.Fatal(err)
	}

	pid := postmasterPID(t, filepath.Join(dir, "data"))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	killed := time.Now()
	var r db.Restart
	select {
	case r = <-restarts:
	case <-time.After(10 * time.Second):
		t.Fatal("the postmaster was not restarted within 10 s")
	}
	if r.PID != pid || r.Attempts < 1 {
		t.Errorf("restart %+v, want the dead pid %d and at least one attempt", r, pid)
	}
	var n int
	for {
		err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM kept`).Scan(&n)
		if err == nil {
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("the pool did not reconnect within 10 s: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if n != 100 {
		t.Fatalf("%d of 100 committed rows after the restart", n)
	}
	if got := postmasterPID(t, filepath.Join(dir, "data")); got == pid {
		t.Fatalf("postmaster.pid still names the dead %d", pid)
	}
	t.Logf("back %s after kill -9 (%d attempts)", time.Since(killed).Round(time.Millisecond), r.Attempts)

	// A deliberate stop is final: the supervisor does not bring the server back.
	stopped = true
	if err := e.Stop(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if _, err := os.Stat(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
		t.Fatal("the server runs again after Stop")
	}
}

func postmasterPID(t *testing.T, data string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(data, "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if err != nil || pid <= 0 {
		t.Fatalf("postmaster.pid: %q", b)
	}
	return pid
}
