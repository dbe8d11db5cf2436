package db_test

import (
	"context"
	"errors"
	"os"
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
	root, err := os.MkdirTemp(dbtest.Root(), "pitr-")
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
		var at time.Time
		if err := d.Pool.QueryRow(ctx, `INSERT INTO t (v) VALUES ($1) RETURNING clock_timestamp()`, v).Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}

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
	target := insert(d, "kept too").Add(10 * time.Millisecond)
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
