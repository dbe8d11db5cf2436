package server

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chelal/internal/auth"
	"chelal/internal/backup"
)

func TestBackupsThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	dir := t.TempDir()
	a.wire(Deps{Backups: BackupConfig{Dir: dir, Passphrase: "clinic passphrase"}})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	a.newUser("doc", auth.RoleDoctor)
	if items := expect(t, admin.do("GET", "/api/v1/backups", nil), 200)["items"].([]any); len(items) != 0 {
		t.Fatalf("fresh install lists backups: %v", items)
	}
	made := expect(t, admin.do("POST", "/api/v1/backups", nil), 201)
	v, _ := made["verification"].(map[string]any)
	if v == nil || v["ok"] != true || v["rows"].(float64) == 0 {
		t.Fatalf("backup: %v", made)
	}
	items := expect(t, admin.do("GET", "/api/v1/backups", nil), 200)["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["file"] != made["file"] {
		t.Fatalf("list: %v", items)
	}
	expect(t, a.login("doc", "10.0.0.2").do("POST", "/api/v1/backups", nil), 403)
}

// TestBackupFolderThroughTheAPI: an administrator moves the backup folder; the choice is kept
// for the next start; a relative, unwritable or blank folder is refused and changes nothing;
// a folder fixed by the environment cannot move.
func TestBackupFolderThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	data := t.TempDir()
	folder := backup.LoadFolder(data, "")
	a.wire(Deps{Backups: BackupConfig{Folder: folder}})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	got := expect(t, admin.do("GET", "/api/v1/backups/folder", nil), 200)
	if got["dir"] != filepath.Join(data, "backups") || got["fixed_by"] != "" {
		t.Fatalf("default folder: %v", got)
	}
	usb := filepath.Join(t.TempDir(), "usb", "chelal-backups")
	got = expect(t, admin.do("PUT", "/api/v1/backups/folder", map[string]any{"dir": usb}), 200)
	if got["dir"] != usb {
		t.Fatalf("moved: %v", got)
	}
	if st, err := os.Stat(usb); err != nil || !st.IsDir() {
		t.Fatalf("the folder was not created: %v", err)
	}
	if d := backup.LoadFolder(data, "").Dir(); d != usb {
		t.Errorf("the choice was not kept for the next start: %q", d)
	}
	blocker := filepath.Join(t.TempDir(), "a-file")
	if err := os.WriteFile(blocker, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	// Inside the data folder (beside or in the database files): a restore or a lost disk
	// would take the backups with the data.
	inData := []any{data, filepath.Join(data, "pg", "backups"), filepath.Join(data, "media", "..", "usb")}
	for _, bad := range append([]any{"relative/path", "", "   ", filepath.Join(blocker, "sub"), strings.Repeat("/x", 600), 42}, inData...) {
		w := admin.do("PUT", "/api/v1/backups/folder", map[string]any{"dir": bad})
		if w.Code != 422 {
			t.Errorf("folder %q: %d %s", bad, w.Code, w.Body)
		}
	}
	if d := folder.Dir(); d != usb {
		t.Errorf("a refused folder changed the folder to %q", d)
	}
	for _, d := range inData {
		if _, err := os.Stat(d.(string)); d != data && err == nil {
			t.Errorf("a refused folder inside the data folder was created: %s", d)
		}
	}
	expect(t, admin.do("PUT", "/api/v1/backups/folder", map[string]any{"dir": usb}, CSRFHeader, ""), 403)

	fixed := backup.LoadFolder(data, "/srv/backups")
	a.wire(Deps{Backups: BackupConfig{Folder: fixed}})
	admin = a.login("boss", "10.0.0.1")
	if problemType(t, admin.do("PUT", "/api/v1/backups/folder", map[string]any{"dir": usb})) != "backup-folder-fixed" {
		t.Error("a folder fixed by CHELAL_BACKUP_DIR moved")
	}
}

// TestRestoreNeedsTheEmbeddedServer: with an external server the UI cannot restore (the
// terminal does, into an empty database), and says so.
func TestRestoreNeedsTheEmbeddedServer(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	if got := expect(t, admin.do("GET", "/api/v1/backups/restore", nil), 200); got["state"] != "idle" {
		t.Errorf("status before any restore: %v", got)
	}
	if problemType(t, admin.do("POST", "/api/v1/backups/restore", map[string]any{"file": "x.chelal-backup"})) != "restore-unavailable" {
		t.Error("a restore on an external server was not refused")
	}
}

// TestDisksAndLeftoversThroughTheAPI: the backups list shows the backup folder's disk space
// and the leftovers; an administrator removes a leftover by name (twice: 404), nobody else can.
func TestDisksAndLeftoversThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	dir := t.TempDir()
	a.wire(Deps{Backups: BackupConfig{Dir: dir}})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	a.newUser("doc", auth.RoleDoctor)
	temp := filepath.Join(backup.WALDir(dir), "archtemp.000000010000000000000001.1.2")
	if err := os.MkdirAll(filepath.Dir(temp), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(temp, []byte("half a segment"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-48 * time.Hour)
	_ = os.Chtimes(temp, old, old)
	got := expect(t, admin.do("GET", "/api/v1/backups", nil), 200)
	disks := got["disks"].([]any)
	if len(disks) != 1 || disks[0].(map[string]any)["name"] != "backups" || disks[0].(map[string]any)["total_bytes"].(float64) == 0 {
		t.Fatalf("disks: %v", disks)
	}
	left := got["leftovers"].([]any)
	if len(left) != 1 || left[0].(map[string]any)["name"] != filepath.Base(temp) || left[0].(map[string]any)["bytes"].(float64) != 14 {
		t.Fatalf("leftovers: %v", left)
	}
	path := "/api/v1/backups/leftovers/" + filepath.Base(temp)
	expect(t, a.login("doc", "10.0.0.2").do("DELETE", path, nil), 403)
	expect(t, admin.do("DELETE", path, nil), 204)
	if _, err := os.Stat(temp); !os.IsNotExist(err) {
		t.Fatalf("the leftover is still there: %v", err)
	}
	expect(t, admin.do("DELETE", path, nil), 404)
	expect(t, admin.do("DELETE", "/api/v1/backups/leftovers/..%2Fchelal.lock", nil), 404)
}

// TestFailingManualBackup: a backup started by hand into a folder that is gone (a USB drive
// unplugged: its mount point removed) answers 503 with the reason, writes nothing elsewhere,
// and tells the administrators, as a scheduled backup does.
func TestFailingManualBackup(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	usb := filepath.Join(t.TempDir(), "usb")
	dir := filepath.Join(usb, "chelal-backups")
	a.wire(Deps{Backups: BackupConfig{Dir: dir}})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	w := admin.do("POST", "/api/v1/backups", nil)
	if w.Code != 503 || problemType(t, w) != "backup-folder-unavailable" || !strings.Contains(w.Body.String(), dir) ||
		!strings.Contains(w.Body.String(), "no such file or directory") {
		t.Fatalf("backup into an unplugged folder: %d %s", w.Code, w.Body)
	}
	if _, err := os.Stat(usb); err == nil {
		t.Fatal("the backup recreated the unplugged drive's folder")
	}
	if notes := a.count(`SELECT count(*) FROM core_notification n JOIN auth_user u ON u.id = n.user_id
		 WHERE u.username = 'boss' AND n.notification_type = 'backup_failed' AND n.message LIKE '%' || $1 || '%'`, dir); notes != 1 {
		t.Fatalf("administrators notified %d times, want once", notes)
	}
}
