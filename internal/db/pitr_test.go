package db_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestPointInTimeRecovery: rows written before a moment come back, rows written after it do
// not; the replaced cluster is kept; a target the base backup cannot reach leaves the cluster
// as it was.
func TestPointInTimeRecovery(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newPITRCase(t, "pitr-")
	root, data, wal, bases, open, rows, insert := c.root, c.data, c.wal, c.bases, c.open, c.rows, c.insert

	d := open()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	insert(d, "before the base backup")
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE core_patient (id int); INSERT INTO core_patient VALUES (1), (2)`); err != nil {
		t.Fatal(err)
	}
	base, err := d.BaseBackup(ctx, bases)
	if err != nil {
		t.Fatal(err)
	}
	if base.StartWAL == "" || base.Bytes == 0 || !base.FinishedAt.After(base.StartedAt) {
		t.Fatalf("base backup: %+v", base)
	}
	// Verified: replayed in a scratch cluster and read back.
	check, err := db.VerifyBase(ctx, db.EmbeddedOptions{Dir: filepath.Join(data, "pg")}, filepath.Join(bases, base.File), wal, filepath.Join(root, "verify"))
	if err != nil || !check.OK || check.Database != "chelal" || check.Patients != 2 {
		t.Fatalf("verification %+v: %v", check, err)
	}
	if info, _ := db.ReadBaseBackupInfo(filepath.Join(bases, base.File)); info.Verification == nil || !info.Verification.OK {
		t.Errorf("the verification was not recorded: %+v", info.Verification)
	}
	if _, err := os.Stat(filepath.Join(root, "verify")); !os.IsNotExist(err) {
		t.Errorf("the scratch cluster was left behind: %v", err)
	}
	// A damaged copy fails its verification, and says so beside it.
	whole, _ := os.ReadFile(filepath.Join(bases, base.File))
	damaged := filepath.Join(bases, "base-damaged.tar.gz")
	_ = os.WriteFile(damaged, whole[:len(whole)/2], 0o600)
	desc, _ := os.ReadFile(filepath.Join(bases, strings.TrimSuffix(base.File, ".tar.gz")+".json"))
	_ = os.WriteFile(filepath.Join(bases, "base-damaged.json"), desc, 0o600)
	if check, err := db.VerifyBase(ctx, db.EmbeddedOptions{Dir: filepath.Join(data, "pg")}, damaged, wal, filepath.Join(root, "verify")); err == nil || check.OK {
		t.Errorf("a truncated base backup verified: %+v", check)
	}
	if info, _ := db.ReadBaseBackupInfo(damaged); info.Verification == nil || info.Verification.OK {
		t.Errorf("the failed verification was not recorded: %+v", info.Verification)
	}
	_ = os.Remove(damaged)
	_ = os.Remove(filepath.Join(bases, "base-damaged.json"))

	insert(d, "kept")
	time.Sleep(50 * time.Millisecond)
	target := insert(d, "kept too")
	time.Sleep(100 * time.Millisecond)
	insert(d, "after the target")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	previous, err := db.RecoverTo(ctx, db.RecoverOptions{Embedded: db.EmbeddedOptions{Dir: filepath.Join(data, "pg"), Parameters: db.ArchiveParameters(wal)},
		Base: filepath.Join(bases, base.File), WALDir: wal, Target: target})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(previous, "PG_VERSION")); err != nil {
		t.Errorf("the replaced cluster was not kept: %v", err)
	}
	d = open()
	want := []string{"before the base backup", "kept", "kept too"}
	if got := rows(d); !slices.Equal(got, want) {
		t.Fatalf("recovered rows %q, want %q", got, want)
	}
	insert(d, "written after the recovery") // the recovered cluster is writable
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	// The recovered timeline reaches the archive from the recovered cluster's first start
	// (the replay itself archives nothing).
	if _, err := os.Stat(filepath.Join(wal, "00000002.history")); err != nil {
		t.Errorf("the recovered timeline was not archived: %v", err)
	}

	// Before the base backup finished: refused at once; in the future: refused.
	recover := func(target time.Time) error {
		_, err := db.RecoverTo(ctx, db.RecoverOptions{Embedded: db.EmbeddedOptions{Dir: filepath.Join(data, "pg")},
			Base: filepath.Join(bases, base.File), WALDir: wal, Target: target})
		return err
	}
	if err := recover(base.StartedAt.Add(-time.Hour)); !errors.Is(err, db.ErrBeforeBase) {
		t.Errorf("a target before the base backup: %v, want ErrBeforeBase", err)
	}
	if err := recover(time.Now().Add(time.Hour)); err == nil {
		t.Error("a target in the future was accepted")
	}
	// After the last change the archive holds: the replay cannot reach it, and the cluster
	// is put back as it was.
	time.Sleep(200 * time.Millisecond)
	if err := recover(time.Now()); !errors.Is(err, db.ErrTargetNotReached) {
		t.Fatalf("a target past the archive: %v, want ErrTargetNotReached", err)
	}
	d = open()
	if got := rows(d); len(got) != 4 || got[3] != "written after the recovery" {
		t.Fatalf("after a failed recovery the rows are %q", got)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}

	// A new computer: an empty data dir, the backup folder only. The recovered cluster gets a
	// password of its own (the old one never left the old computer).
	fresh := filepath.Join(root, "new-computer")
	previous, err = db.RecoverTo(ctx, db.RecoverOptions{Embedded: db.EmbeddedOptions{Dir: filepath.Join(fresh, "pg")},
		Base: filepath.Join(bases, base.File), WALDir: wal})
	if err != nil || previous != "" {
		t.Fatalf("recovery onto a new computer: %q %v", previous, err)
	}
	d, err = db.Open(ctx, db.OpenOptions{DataDir: fresh})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	if got := rows(d); len(got) < 3 || got[0] != "before the base backup" {
		t.Fatalf("on the new computer: %q", got)
	}
}

// TestInterruptedRecoveryIsUndoneOrCompleted: a recovery killed at any of its steps leaves a
// data dir that starts, never with a trusting pg_hba.conf or recovery settings: either the
// cluster from before it (undone; a re-run of the recovery completes it) or, once the recovered
// cluster was complete, the recovered one.
func TestInterruptedRecoveryIsUndoneOrCompleted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := newPITRCase(t, "pitr-kill-")
	data, wal, bases, open, rows, insert := c.data, c.wal, c.bases, c.open, c.rows, c.insert
	pg := filepath.Join(data, "pg")
	clean := func(when string) {
		t.Helper()
		hba, err := os.ReadFile(filepath.Join(pg, "data", "pg_hba.conf"))
		if err != nil {
			t.Fatalf("%s: %v", when, err)
		}
		for _, line := range strings.Split(string(hba), "\n") {
			if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(f[0], "#") && f[len(f)-1] == "trust" {
				t.Fatalf("%s: pg_hba.conf trusts: %s", when, line)
			}
		}
		if _, err := os.Stat(filepath.Join(pg, "data", "recovery.signal")); err == nil {
			t.Fatalf("%s: recovery.signal left", when)
		}
		auto, _ := os.ReadFile(filepath.Join(pg, "data", "postgresql.auto.conf"))
		for _, line := range strings.Split(string(auto), "\n") {
			if strings.HasPrefix(line, "restore_command") || strings.HasPrefix(line, "recovery_target") {
				t.Fatalf("%s: recovery setting left in postgresql.auto.conf: %s", when, line)
			}
		}
		if _, err := os.Stat(filepath.Join(pg, "recovery-journal.json")); err == nil {
			t.Fatalf("%s: the recovery journal is left", when)
		}
		if left, _ := filepath.Glob(filepath.Join(pg, ".data-recovering-*")); len(left) > 0 {
			t.Fatalf("%s: staging left: %v", when, left)
		}
	}

	d := open()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE t (id serial PRIMARY KEY, v text NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	base, err := d.BaseBackup(ctx, bases)
	if err != nil {
		t.Fatal(err)
	}
	insert(d, "kept")
	target := insert(d, "kept too")
	time.Sleep(100 * time.Millisecond)
	insert(d, "after the target")
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	recovered := []string{"kept", "kept too"}
	killed := errors.New("killed")
	recoverTo := func(at string) (previous string, err error) {
		t.Helper()
		defer func() {
			if p := recover(); p != nil {
				if p != killed {
					panic(p)
				}
				err = killed
			}
		}()
		o := db.RecoverOptions{Embedded: db.EmbeddedOptions{Dir: pg, Parameters: db.ArchiveParameters(wal)},
			Base: filepath.Join(bases, base.File), WALDir: wal, Target: target}
		return db.RecoverTo(ctx, db.WithKillAt(o, func(step string) {
			if step == at {
				panic(killed)
			}
		}))
	}

	for i, c := range []struct {
		step     string
		complete bool // the recovery was complete: kept, not undone
	}{{"unpacked", false}, {"set-aside", false}, {"replaying", false}, {"recovered", false}, {"done", true}} {
		// The cluster in place has a row the recovery will not bring back.
		d = open()
		marker := fmt.Sprintf("written before kill %d", i)
		insert(d, marker)
		before := rows(d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		histories, _ := filepath.Glob(filepath.Join(wal, "*.history"))
		if _, err := recoverTo(c.step); !errors.Is(err, killed) {
			t.Fatalf("%s: the recovery was not stopped there: %v", c.step, err)
		}
		// The replay server outlives a killed recovery (pg_ctl detaches it) and archives
		// whatever it may for as long as it runs: a fast stop lets it finish that.
		if ctl, _ := filepath.Glob(filepath.Join(pg, "bin-*", "bin", "pg_ctl")); len(ctl) == 1 {
			if _, err := os.Stat(filepath.Join(pg, "data", "postmaster.pid")); err == nil {
				if out, err := exec.Command(ctl[0], "stop", "-w", "-m", "fast", "-D", filepath.Join(pg, "data")).CombinedOutput(); err != nil {
					t.Fatalf("%s: stop the replay server: %v\n%s", c.step, err, out)
				}
			}
		}
		d = open() // resolves the interrupted recovery
		clean(c.step + ", next start")
		got := rows(d)
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if c.complete {
			if !slices.Equal(got, recovered) {
				t.Fatalf("killed at %s: rows %q, want the recovered %q", c.step, got, recovered)
			}
			continue
		}
		if !slices.Equal(got, before) {
			t.Fatalf("killed at %s: rows %q, want those from before %q", c.step, got, before)
		}
		// An undone recovery's timeline never reaches the archive: the re-run (and any later
		// recovery) would follow it rather than the history the undo kept.
		if after, _ := filepath.Glob(filepath.Join(wal, "*.history")); !slices.Equal(after, histories) {
			t.Fatalf("killed at %s and undone: the archive's timeline histories went from %q to %q", c.step, histories, after)
		}
		// A re-run completes it.
		if _, err := recoverTo(""); err != nil {
			t.Fatalf("re-run after a kill at %s: %v", c.step, err)
		}
		d = open()
		clean(c.step + ", re-run")
		if got := rows(d); !slices.Equal(got, recovered) {
			t.Fatalf("re-run after a kill at %s: rows %q, want %q", c.step, got, recovered)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
	}

	// Killed once complete, then the recovery re-run (not a start): it completes without
	// replaying again.
	if _, err := recoverTo("done"); !errors.Is(err, killed) {
		t.Fatal(err)
	}
	started := time.Now()
	previous, err := recoverTo("")
	if err != nil || previous == "" {
		t.Fatalf("re-run after a complete recovery: %q %v", previous, err)
	}
	t.Logf("completing a finished recovery took %v", time.Since(started))
	d = open()
	defer d.Close()
	clean("done, re-run")
	if got := rows(d); !slices.Equal(got, recovered) {
		t.Fatalf("rows %q, want %q", got, recovered)
	}
}

// pitrCase is a point-in-time recovery test's data dir and backup folder (removed at the end),
// and its helpers on a table t (id, v): open Chelal's database there with WAL archiving, read
// the rows, insert one and return the clock once it is committed.
type pitrCase struct {
	root, data, wal, bases string
	open                   func() *db.DB
	rows                   func(d *db.DB) []string
	insert                 func(d *db.DB, v string) time.Time
}

func newPITRCase(t *testing.T, prefix string) pitrCase {
	t.Helper()
	ctx := context.Background()
	root, err := os.MkdirTemp(dbtest.Root(), prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(root) })
	data, wal, bases := filepath.Join(root, "data"), filepath.Join(root, "backups", "wal"), filepath.Join(root, "backups", "base")
	if err := os.MkdirAll(wal, 0o700); err != nil {
		t.Fatal(err)
	}
	open := func() *db.DB {
		t.Helper()
		d, err := db.Open(ctx, db.OpenOptions{DataDir: data, Parameters: db.ArchiveParameters(wal)})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	rows := func(d *db.DB) []string {
		t.Helper()
		r, err := d.Pool.Query(ctx, `SELECT v FROM t ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		out, err := pgx.CollectRows(r, pgx.RowTo[string])
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	insert := func(d *db.DB, v string) time.Time {
		t.Helper()
		if _, err := d.Pool.Exec(ctx, `INSERT INTO t (v) VALUES ($1)`, v); err != nil {
			t.Fatal(err)
		}
		// The clock once committed, not the statement's clock_timestamp(): a recovery target
		// is compared with commit times, and on a loaded machine the commit can come well
		// after the statement read its clock.
		var at time.Time
		if err := d.Pool.QueryRow(ctx, `SELECT clock_timestamp()`).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	return pitrCase{root: root, data: data, wal: wal, bases: bases, open: open, rows: rows, insert: insert}
}
