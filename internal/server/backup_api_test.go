package server

import (
	"testing"

	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/patients"
)

func TestBackupsThroughTheAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	dir := t.TempDir()
	a.h = New(Deps{DB: a.db, Auth: a.auth, Patients: patients.NewService(a.db), Appointments: appointments.NewService(a.db),
		Backups: BackupConfig{Dir: dir, Passphrase: "clinic passphrase"}})
	a.newUser("boss", auth.RoleAdmin)
	a.newUser("doc", auth.RoleDoctor)
	admin := a.login("boss", "10.0.0.1")
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
