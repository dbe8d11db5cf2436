package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUpgradeTakesAVerifiedBackupFirst: a newer Chelal started on a data dir left at an older
// schema (made here by the current build at migration 20, with records in it) takes a backup and
// verifies it by restoring it before migrating; every record is there afterwards. When that
// backup cannot be written, nothing is migrated and the start is refused with the reason.
func TestUpgradeTakesAVerifiedBackupFirst(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	latest, _ := latestMigrations(t)
	// records written by this build, then the data dir taken back to schema 20 (as an older
	// release left it: the down migrations keep the patients)
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		SELECT 'CHL-' || lpad(g::text, 6, '0') || '-0', 'Old', 'Record ' || g, '1980-01-01', 'female' FROM generate_series(1, 50) g`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)
	if out, code := runChelal(t, false, env, "migrate", "to", "20"); code != 0 || !strings.Contains(out, "schema version 0020") {
		t.Fatalf("migrate to 20: exit %d\n%s", code, out)
	}

	// A backup folder that cannot be written: the start is refused and the schema stays at 20.
	blocked := filepath.Join(filepath.Dir(data), "not-a-folder")
	mustWrite(t, blocked, "a file where the backup folder should be")
	b := launchServe(t, data, "CHELAL_BACKUP_DIR="+blocked, "CHELAL_PITR=off")
	<-b.done
	out, code := b.out.String(), b.cmd.ProcessState.ExitCode()
	if code == 0 || !strings.Contains(out, "backup taken before upgrading") {
		t.Fatalf("a start that cannot back up first: exit %d, want the refusal:\n%s", code, out)
	}
	if out, _ := runChelal(t, false, env, "migrate", "status"); !strings.Contains(out, "schema version 0020") {
		t.Fatalf("the schema moved although the backup failed:\n%s", out)
	}

	// The upgrade: a verified backup first, then the schema, then every record is there.
	s := startServe(t, data)
	if !strings.Contains(s.out.String(), "backup before the upgrade written and verified") {
		t.Fatalf("no backup before the upgrade in the log:\n%s", s.out.String())
	}
	files, _ := filepath.Glob(filepath.Join(data, "backups", "*.chelal-backup"))
	if len(files) != 1 {
		t.Fatalf("backups after the upgrade: %v", files)
	}
	rec, err := os.ReadFile(files[0] + ".verified.json")
	if err != nil || !strings.Contains(string(rec), `"ok": true`) {
		t.Fatalf("the backup's verification: %v %s", err, rec)
	}
	conn = connect(t, embeddedDSN(t, data))
	var n int
	var version string
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM core_patient WHERE first_name = 'Old'`).Scan(&n); err != nil || n != 50 {
		t.Fatalf("records after the upgrade: %d, %v", n, err)
	}
	if err := conn.QueryRow(ctx, `SELECT lpad(version::text, 4, '0') FROM schema_migrations`).Scan(&version); err != nil || version != latest {
		t.Fatalf("schema after the upgrade: %s, %v (want %s)", version, err, latest)
	}
	_ = conn.Close(ctx)
	s.stop(t)

	// A second start on the upgraded dir takes no new backup.
	s = startServe(t, data)
	s.stop(t)
	if files, _ := filepath.Glob(filepath.Join(data, "backups", "*.chelal-backup")); len(files) != 1 {
		t.Fatalf("a start with nothing to migrate took a backup: %v", files)
	}
}
