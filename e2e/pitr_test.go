package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestPointInTimeRecoveryCommand: `chelal backup --base`, then changes, then Chelal is killed;
// `chelal restore --to T` brings back what was committed by T and nothing after, keeps the
// replaced data, and Chelal starts on the recovered data.
func TestPointInTimeRecoveryCommand(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	if out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test"); code != 0 {
		t.Fatalf("admin create: %d\n%s", code, out)
	}
	ctx := context.Background()
	insert := func(conn *pgx.Conn, n int, name string) time.Time {
		t.Helper()
		if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
			VALUES ($1, $2, 'Pitr', '1990-01-01', 'female')`, "PITR-"+string(rune('0'+n)), name); err != nil {
			t.Fatal(err)
		}
		return committedAt(t, conn)
	}
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	insert(conn, 1, "Before")
	_ = conn.Close(ctx)
	c.stop(t)

	out, code := runChelal(t, false, env, "backup", "--base")
	if code != 0 || !strings.Contains(out, "base backup written") || !strings.Contains(out, "base backup verified") {
		t.Fatalf("backup --base: exit %d\n%s", code, out)
	}
	if bases, _ := filepath.Glob(filepath.Join(data, "backups", "base", "base-*.tar.gz")); len(bases) != 1 {
		t.Fatalf("base backups: %v", bases)
	}

	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	target := insert(conn, 2, "Kept")
	time.Sleep(1100 * time.Millisecond)
	insert(conn, 3, "Too late")
	_ = conn.Close(ctx)
	c.kill(t) // a crash: the newest WAL was never archived, only written to pg_wal

	out, code = runChelal(t, false, env, "restore", "--to", target.UTC().Format(time.RFC3339Nano))
	if code != 0 || !strings.Contains(out, "recovered to") {
		t.Fatalf("restore --to: exit %d\n%s", code, out)
	}
	if kept, _ := filepath.Glob(filepath.Join(data, "pg", "data-before-recovery-*", "PG_VERSION")); len(kept) != 1 {
		t.Errorf("the replaced data was not kept: %v", kept)
	}

	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	rows, err := conn.Query(ctx, `SELECT first_name FROM core_patient WHERE last_name = 'Pitr' ORDER BY unique_id`)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || !slices.Equal(names, []string{"Before", "Kept"}) {
		t.Fatalf("after recovery to %s: %q (%v), want Before and Kept", target.Format(time.RFC3339Nano), names, err)
	}
	_ = conn.Close(ctx)
	if st := login(t, c.addr, "amina", "first password 123"); st != 200 {
		t.Fatalf("login after recovery: %d", st)
	}
	c.stop(t)

	// Nonsense targets are refused and change nothing.
	for _, bad := range []string{"yesterday-ish", "2001-01-01 00:00"} {
		if out, code := runChelal(t, false, env, "restore", "--to", bad); code == 0 {
			t.Errorf("restore --to %q: exit 0\n%s", bad, out)
		}
	}
}

// committedAt is the server's clock once the previous statement (autocommitted) returned: at or
// after its commit's timestamp, which is what a recovery target is compared with. The
// statement's own clock_timestamp() is not: on a loaded machine its commit can come 50 ms and
// more later, after a target taken from it, and a correct recovery then leaves the row out.
func committedAt(t *testing.T, conn *pgx.Conn) time.Time {
	t.Helper()
	var at time.Time
	if err := conn.QueryRow(context.Background(), `SELECT clock_timestamp()`).Scan(&at); err != nil {
		t.Fatal(err)
	}
	return at
}

// TestInterruptedRecoveryCommand: `chelal restore --to` killed (SIGKILL) while it replays
// leaves a data dir that starts: the next start says the recovery was undone and Chelal has the
// data as it was, with no trusting pg_hba.conf or recovery settings left; a re-run of the
// command then completes the recovery.
func TestInterruptedRecoveryCommand(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	if out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test"); code != 0 {
		t.Fatalf("admin create: %d\n%s", code, out)
	}
	ctx := context.Background()
	insert := func(conn *pgx.Conn, n int, name string) time.Time {
		t.Helper()
		if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
			VALUES ($1, $2, 'Pitr', '1990-01-01', 'female')`, "PITR-"+string(rune('0'+n)), name); err != nil {
			t.Fatal(err)
		}
		return committedAt(t, conn)
	}
	names := func() []string {
		t.Helper()
		conn := connect(t, embeddedDSN(t, data))
		defer conn.Close(ctx)
		return queryStrings(t, conn, `SELECT first_name FROM core_patient WHERE last_name = 'Pitr' ORDER BY unique_id`)
	}
	clean := func(when string) {
		t.Helper()
		pgData := filepath.Join(data, "pg", "data")
		hba, _ := os.ReadFile(filepath.Join(pgData, "pg_hba.conf"))
		for _, line := range strings.Split(string(hba), "\n") {
			if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] == "trust" {
				t.Errorf("%s: pg_hba.conf trusts: %s", when, line)
			}
		}
		if _, err := os.Stat(filepath.Join(pgData, "recovery.signal")); err == nil {
			t.Errorf("%s: recovery.signal left", when)
		}
		auto, _ := os.ReadFile(filepath.Join(pgData, "postgresql.auto.conf"))
		if strings.Contains(string(auto), "\nrestore_command") || strings.Contains(string(auto), "\nrecovery_target") {
			t.Errorf("%s: recovery settings left:\n%s", when, auto)
		}
	}
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	insert(conn, 1, "Before")
	_ = conn.Close(ctx)
	c.stop(t)
	if out, code := runChelal(t, false, env, "backup", "--base"); code != 0 {
		t.Fatalf("backup --base: exit %d\n%s", code, out)
	}
	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	target := insert(conn, 2, "Kept")
	time.Sleep(1100 * time.Millisecond)
	insert(conn, 3, "Too late")
	_ = conn.Close(ctx)
	c.stop(t)

	// Killed as soon as it says it replays: the old data dir is set aside, the recovering
	// cluster (trusting pg_hba.conf, recovery.signal) is in its place.
	cmd := command(false, env, "restore", "--to", target.UTC().Format(time.RFC3339Nano))
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "replaying the WAL archive") {
		if time.Now().After(deadline) {
			t.Fatalf("restore --to never replayed:\n%s", out.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	<-done
	if _, err := os.Stat(filepath.Join(data, "pg", "recovery-journal.json")); err != nil {
		t.Fatalf("killed while replaying, no journal is left: %v\n%s", err, out.String())
	}

	// The next start undoes it (or, had it finished meanwhile, keeps it) and says which.
	c = startServe(t, data)
	got := names()
	log := c.out.String()
	switch {
	case strings.Contains(log, "recovery was undone"):
		if !slices.Equal(got, []string{"Before", "Kept", "Too late"}) {
			t.Fatalf("undone, but the rows are %q", got)
		}
	case strings.Contains(log, "recovery had finished"):
		if !slices.Equal(got, []string{"Before", "Kept"}) {
			t.Fatalf("finished, but the rows are %q", got)
		}
	default:
		t.Fatalf("the start did not say what became of the recovery:\n%s", log)
	}
	clean("the start after the kill")
	c.stop(t)

	// A re-run completes it.
	if out, code := runChelal(t, false, env, "restore", "--to", target.UTC().Format(time.RFC3339Nano)); code != 0 || !strings.Contains(out, "recovered to") {
		t.Fatalf("re-run of restore --to: exit %d\n%s", code, out)
	}
	c = startServe(t, data)
	if got := names(); !slices.Equal(got, []string{"Before", "Kept"}) {
		t.Fatalf("after the re-run: %q", got)
	}
	clean("after the re-run")
	if st := login(t, c.addr, "amina", "first password 123"); st != 200 {
		t.Fatalf("login after recovery: %d", st)
	}
	c.stop(t)
}
