package e2e

import (
	"context"
	"net/http"
	"os"
	"os/exec"
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
	// One bit flipped near its end: verify-backup calls it damaged.
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	raw[len(raw)-3] ^= 0x08
	damaged := filepath.Join(data, "damaged.chelal-backup")
	mustWrite(t, damaged, string(raw))
	chownR(t, data)
	if out, code := runChelal(t, false, env, "verify-backup", damaged); code == 0 || !strings.Contains(out, "damaged backup") {
		t.Fatalf("verify-backup of a damaged file: exit %d\n%s", code, out)
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
	// Chelal is on its old database, whole; or, had the restore finished before the kill, on
	// the whole restored one: never on a half-loaded one.
	_, switched := os.Stat(filepath.Join(data, "pg", "database"))
	want := "Changed"
	if switched == nil {
		want = "Backup"
		t.Log("the restore finished before the kill; checking it is whole")
	}
	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	var last string
	if err := conn.QueryRow(ctx, `SELECT last_name FROM core_patient WHERE id = 1`).Scan(&last); err != nil || last != want {
		t.Fatalf("after a killed restore: %q %v, want %q", last, err, want)
	}
	_ = conn.Close(ctx)
	c.stop(t)
	if switched == nil {
		return // the rest of this test restores again, which needs the old database current
	}

	// As if restoring on a new computer: its secret.key differs from the backup's.
	keyPath := filepath.Join(data, "secret.key")
	backedUpKey, err := os.ReadFile(keyPath)
	if err != nil {
		t.Fatal(err)
	}
	otherKey := strings.Repeat("ab", 32) + "\n"
	mustWrite(t, keyPath, otherKey)
	_ = os.Chmod(keyPath, 0o600)
	chownR(t, data)
	out, code = runChelal(t, false, env, "restore", file)
	if code != 0 || !strings.Contains(out, "previous database") || !strings.Contains(out, "kept as") {
		t.Fatalf("restore: exit %d\n%s", code, out)
	}
	if k, err := os.ReadFile(keyPath); err != nil || string(k) != string(backedUpKey) {
		t.Fatalf("secret.key after the restore: %q (%v), want the backup's", k, err)
	}
	if kept, _ := filepath.Glob(keyPath + ".before-restore-*"); len(kept) != 1 {
		t.Fatalf("the computer's own key was not kept: %v", kept)
	} else if k, _ := os.ReadFile(kept[0]); string(k) != otherKey {
		t.Fatalf("kept key %q", k)
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

// TestBackupFaults: a disk that fills up during a backup, and a backup killed half-way, leave
// no file that claims to be a backup, and the clinic's data untouched.
func TestBackupFaults(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	// Enough rows that the compressed backup cannot fit in 64 KiB.
	if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, known_allergies)
		SELECT 'CHL-' || lpad(g::text, 6, '0') || '-0', md5(g::text), md5((g * 7)::text), DATE '1950-01-01' + g % 20000, 'other', md5((g * 13)::text)
		  FROM generate_series(1, 20000) g`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	// A full disk: a 64 KiB file system as the backup folder.
	tiny, err := os.MkdirTemp(workDir, "tiny-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs", tiny).CombinedOutput(); err != nil {
		t.Fatalf("mount a small file system: %v: %s", err, out)
	}
	defer exec.Command("umount", tiny).Run()
	out, code := runChelal(t, false, env, "backup", "--out", tiny)
	if code == 0 || !strings.Contains(out, "no space left") {
		t.Fatalf("backup onto a full disk: exit %d\n%s", code, out)
	}
	if left, _ := filepath.Glob(filepath.Join(tiny, "*")); len(left) != 0 {
		t.Fatalf("a failed backup left files: %v", left)
	}

	// Killed half-way: whatever is left is not named as a backup.
	dir := filepath.Join(data, "backups")
	kill := command(false, env, "backup")
	if err := kill.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	_ = syscall.Kill(-kill.Process.Pid, syscall.SIGKILL)
	_ = kill.Wait()
	// A file named as a backup is whole (it is renamed only once written and synced), even if
	// the kill came before its verification: verifying it now succeeds. Anything else is a
	// .partial file, which no listing takes for a backup.
	named, _ := filepath.Glob(filepath.Join(dir, "*.chelal-backup"))
	for _, f := range named {
		if out, code := runChelal(t, false, env, "verify-backup", f); code != 0 {
			t.Fatalf("a killed backup left %s, which is not a whole backup:\n%s", f, out)
		}
	}
	// What the kill left behind goes with the next backup, once it is clearly dead.
	partials, _ := filepath.Glob(filepath.Join(dir, "*.partial"))
	old := time.Now().Add(-time.Hour)
	for _, p := range partials {
		_ = os.Chtimes(p, old, old)
	}
	// The data is untouched and the next backup works.
	out, code = runChelal(t, false, env, "backup")
	if code != 0 || !strings.Contains(out, "verified:") {
		t.Fatalf("backup after the faults: exit %d\n%s", code, out)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "*.partial")); len(left) != 0 {
		t.Fatalf("stale partial backups left: %v", left)
	}

	// A restore killed while it loads the tables (at its first progress line): Chelal stays on
	// its current database, which still holds everything.
	backups, _ := filepath.Glob(filepath.Join(dir, "*.chelal-backup"))
	if len(backups) == 0 {
		t.Fatal("no backup to restore")
	}
	restore := command(false, env, "restore", backups[len(backups)-1])
	stderr, err := restore.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := restore.Start(); err != nil {
		t.Fatal(err)
	}
	progress := make([]byte, 0, 4096)
	buf := make([]byte, 512)
	for !strings.Contains(string(progress), "restoring [") {
		n, err := stderr.Read(buf)
		if err != nil {
			t.Fatalf("restore ended before loading: %v\n%s", err, progress)
		}
		progress = append(progress, buf[:n]...)
	}
	_ = syscall.Kill(-restore.Process.Pid, syscall.SIGKILL)
	_ = restore.Wait()
	if _, err := os.Stat(filepath.Join(data, "pg", "database")); err == nil {
		t.Fatal("a restore killed while loading switched Chelal to its database")
	}

	c = startServe(t, data)
	conn = connect(t, embeddedDSN(t, data))
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM core_patient`).Scan(&n); err != nil || n != 20000 {
		t.Fatalf("patients after the faults: %d (%v)", n, err)
	}
	_ = conn.Close(ctx)
	c.stop(t)
}

// TestManualBackupToAFullOrUnpluggedFolder: a backup started from the UI into a full folder (a
// real 64 KiB file system) answers 507, into an unplugged one (the drive's mount point gone)
// 503, each with the reason, leaves nothing behind, and notifies the administrators.
func TestManualBackupToAFullOrUnpluggedFolder(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	if out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test"); code != 0 {
		t.Fatalf("admin create: %d\n%s", code, out)
	}
	usb, err := os.MkdirTemp(workDir, "usb-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs", usb).CombinedOutput(); err != nil {
		t.Fatalf("mount a small file system: %v: %s", err, out)
	}
	mounted := true
	defer func() {
		if mounted {
			_ = exec.Command("umount", usb).Run()
		}
	}()
	folder := filepath.Join(usb, "chelal-backups")
	if err := os.Mkdir(folder, 0o777); err != nil {
		t.Fatal(err)
	}
	_ = os.Chmod(folder, 0o777)
	c := startServe(t, data, "CHELAL_BACKUP_DIR="+folder, "CHELAL_BACKUP_SCHEDULE=off")
	ctx := context.Background()
	conn := connect(t, embeddedDSN(t, data))
	if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, known_allergies)
		SELECT 'CHL-' || lpad(g::text, 6, '0') || '-0', md5(g::text), md5((g * 7)::text), DATE '1950-01-01' + g % 20000, 'other', md5((g * 13)::text)
		  FROM generate_series(1, 20000) g`); err != nil {
		t.Fatal(err)
	}
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	var problem struct {
		Type   string `json:"type"`
		Detail string `json:"detail"`
	}
	if st := admin.call("POST", "/api/v1/backups", nil, &problem); st != http.StatusInsufficientStorage ||
		!strings.HasSuffix(problem.Type, "/backup-folder-full") || !strings.Contains(problem.Detail, "no space left") {
		t.Fatalf("backup into a full folder: %d %+v", st, problem)
	}
	if left, _ := filepath.Glob(filepath.Join(folder, "chelal-*")); len(left) != 0 {
		t.Fatalf("a failed backup left files: %v", left)
	}

	// Unplugged: the drive is gone and its mount point with it.
	if out, err := exec.Command("umount", usb).CombinedOutput(); err != nil {
		t.Fatalf("umount: %v: %s", err, out)
	}
	mounted = false
	if err := os.Remove(usb); err != nil {
		t.Fatal(err)
	}
	problem.Type, problem.Detail = "", ""
	if st := admin.call("POST", "/api/v1/backups", nil, &problem); st != http.StatusServiceUnavailable ||
		!strings.HasSuffix(problem.Type, "/backup-folder-unavailable") || !strings.Contains(problem.Detail, "no such file") {
		t.Fatalf("backup into an unplugged folder: %d %+v", st, problem)
	}
	if _, err := os.Stat(usb); err == nil {
		t.Fatal("the backup recreated the unplugged drive's folder")
	}
	var notes int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM core_notification n JOIN auth_user u ON u.id = n.user_id
		 WHERE u.username = 'amina' AND n.notification_type = 'backup_failed'`).Scan(&notes); err != nil || notes != 2 {
		t.Fatalf("administrators notified %d times (%v), want 2", notes, err)
	}
	_ = conn.Close(ctx)
}
