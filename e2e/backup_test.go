package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBackupAndRestoreCommands: `chelal backup` writes and verifies a backup, `chelal
// verify-backup` checks one, `chelal restore` brings it back into a new database and switches
// to it, keeping the old one; a restore killed half-way leaves Chelal on its old database.
func TestBackupAndRestoreCommands(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data, "CHELAL_BACKUP_PASSPHRASE=a long clinic passphrase"}
	if out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test"); code != 0 {
		t.Fatalf("admin create: %d\n%s", code, out)
	}
	// Some data, then a backup.
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('CHL-000001-3', 'Before', 'Backup', '1990-01-01', 'female')`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	out, code := runChelal(t, false, env, "backup")
	if code != 0 || !strings.Contains(out, "verified:") {
		t.Fatalf("backup: exit %d\n%s", code, out)
	}
	files, _ := filepath.Glob(filepath.Join(data, "backups", "*.chelal-backup"))
	if len(files) != 1 {
		t.Fatalf("backups: %v", files)
	}
	file := files[0]
	if _, err := os.Stat(file + ".verified.json"); err != nil {
		t.Fatalf("no verification record: %v", err)
	}
	if out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "verify-backup", file); code == 0 || !strings.Contains(out, "passphrase") {
		t.Fatalf("verify without the passphrase: exit %d\n%s", code, out)
	}
	if out, code := runChelal(t, false, env, "verify-backup", file); code != 0 || !strings.Contains(out, "is good") {
		t.Fatalf("verify-backup: exit %d\n%s", code, out)
	}

	// A change after the backup, which the restore will take back.
	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	if _, err := conn.Exec(ctx, `UPDATE core_patient SET last_name = 'Changed' WHERE id = 1`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	// A restore killed half-way: Chelal stays on its current database.
	kill := command(false, env, "restore", file)
	if err := kill.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	_ = syscall.Kill(-kill.Process.Pid, syscall.SIGKILL)
	_ = kill.Wait()
	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	var last string
	if err := conn.QueryRow(ctx, `SELECT last_name FROM core_patient WHERE id = 1`).Scan(&last); err != nil || last != "Changed" {
		t.Fatalf("after a killed restore: %q %v, want the current data", last, err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	out, code = runChelal(t, false, env, "restore", file)
	if code != 0 || !strings.Contains(out, "previous database") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	if err := conn.QueryRow(ctx, `SELECT last_name FROM core_patient WHERE id = 1`).Scan(&last); err != nil || last != "Backup" {
		t.Fatalf("after restore: %q %v, want the backed-up data", last, err)
	}
	if st := login(t, c.addr, "amina", "first password 123"); st != 200 {
		t.Fatalf("login after restore: %d", st)
	}
	var dbs int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = 'chelal'`).Scan(&dbs); err != nil || dbs != 1 {
		t.Fatalf("the previous database was not kept (%d, %v)", dbs, err)
	}
	_ = conn.Close(ctx)
	c.stop(t)
}
