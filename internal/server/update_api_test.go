package server

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"chelal/internal/auth"
	"chelal/internal/update"
	"chelal/internal/update/updatetest"
)

var releaseTestKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{9}, 32))

// updateForm is the multipart body the About screen sends.
func updateForm(t *testing.T, exe, sig []byte) ([]byte, string) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for _, p := range []struct {
		name, file string
		data       []byte
	}{{"executable", "chelal", exe}, {"signature", "chelal.sig", sig}} {
		w, err := mw.CreateFormFile(p.name, p.file)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(p.data)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes(), mw.FormDataContentType()
}

func TestUpdateFromFile(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	dir := t.TempDir()
	exe := filepath.Join(dir, "chelal")
	if err := os.WriteFile(exe, []byte("the running chelal"), 0o755); err != nil {
		t.Fatal(err)
	}
	self := "/proc/self/exe" // the test binary: a real executable of this platform
	if runtime.GOOS != "linux" {
		self, _ = os.Executable()
	}
	candidate, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	good := update.Sign(releaseTestKey, update.Platform(), sha256.Sum256(candidate))
	fakeVersion := func(schema string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, updatetest.VersionFile), []byte("chelal v9.9.9 (PostgreSQL 18.4.0 bundled)\nschema "+schema+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fakeVersion("9999")
	a.wire(Deps{Update: update.Config{Executable: exe, ReleaseKey: releaseTestKey.Public().(ed25519.PublicKey)}})
	unchanged := func(step string) {
		t.Helper()
		b, err := os.ReadFile(exe)
		if err != nil || string(b) != "the running chelal" {
			t.Fatalf("%s: the executable was replaced (%v)", step, err)
		}
		for _, p := range []string{exe + ".new", exe + ".old"} {
			if _, err := os.Stat(p); err == nil {
				t.Fatalf("%s: %s is left", step, p)
			}
		}
	}
	admin := a.signedIn("upd-admin", auth.RoleAdmin, "10.0.0.5")

	// Other roles: 403, nothing read.
	for _, role := range allRoles[1:] {
		body, ct := updateForm(t, candidate, good)
		c := a.signedIn("upd-"+role, role, "10.0.0.6")
		expect(t, c.do("POST", "/api/v1/system/update", body, "Content-Type", ct), http.StatusForbidden)
		expect(t, c.do("GET", "/api/v1/system/about", nil), http.StatusForbidden)
	}
	unchanged("other roles")

	// About: versions, schema, and that this server can update itself.
	w := admin.do("GET", "/api/v1/system/about", nil)
	expect(t, w, http.StatusOK)
	var ab about
	if err := json.Unmarshal(w.Body.Bytes(), &ab); err != nil {
		t.Fatal(err)
	}
	if ab.PostgreSQL == "" || ab.Schema == 0 || ab.Schema != ab.LatestSchema || ab.UpdateBlocked != "" || ab.Platform != update.Platform() {
		t.Fatalf("about: %+v", ab)
	}

	// A bad signature (one byte of the executable changed): 422, nothing replaced.
	tampered := bytes.Clone(candidate)
	tampered[len(tampered)/2] ^= 1
	body, ct := updateForm(t, tampered, good)
	w = admin.do("POST", "/api/v1/system/update", body, "Content-Type", ct)
	expect(t, w, http.StatusUnprocessableEntity)
	if !bytes.Contains(w.Body.Bytes(), []byte("update-tampered")) {
		t.Fatalf("not said why: %s", w.Body)
	}
	unchanged("bad signature")

	// Not a form, no signature: refused, nothing replaced.
	expect(t, admin.do("POST", "/api/v1/system/update", candidate, "Content-Type", "application/octet-stream"), http.StatusUnsupportedMediaType)
	body, ct = updateForm(t, candidate, nil)
	expect(t, admin.do("POST", "/api/v1/system/update", body, "Content-Type", ct), http.StatusUnprocessableEntity)
	unchanged("no signature")

	// An older Chelal than the records: 422, nothing replaced.
	fakeVersion("0001")
	body, ct = updateForm(t, candidate, good)
	w = admin.do("POST", "/api/v1/system/update", body, "Content-Type", ct)
	expect(t, w, http.StatusUnprocessableEntity)
	if !bytes.Contains(w.Body.Bytes(), []byte("update-downgrade")) {
		t.Fatalf("not said why: %s", w.Body)
	}
	unchanged("downgrade")

	// The administrator's update: installed beside the running one, which is kept as .old.
	fakeVersion("9999")
	body, ct = updateForm(t, candidate, good)
	w = admin.do("POST", "/api/v1/system/update", body, "Content-Type", ct)
	expect(t, w, http.StatusOK)
	var res update.Result
	if err := json.Unmarshal(w.Body.Bytes(), &res); err != nil {
		t.Fatal(err)
	}
	if res.Version != "v9.9.9" || res.Schema != 9999 || !res.RestartRequired || res.Previous != exe+".old" {
		t.Fatalf("result: %+v", res)
	}
	if b, _ := os.ReadFile(exe); !bytes.Equal(b, candidate) {
		t.Fatal("the new executable is not in place")
	}
	if b, _ := os.ReadFile(exe + ".old"); string(b) != "the running chelal" {
		t.Fatal("the previous executable is not kept")
	}
	if n := a.count(`SELECT count(*) FROM core_auditlog WHERE action = 'update_installed' AND user_id IS NOT NULL AND changes->>'to' = 'v9.9.9'`); n != 1 {
		t.Fatalf("audit rows of the update: %d, want 1", n)
	}
}

// A server built without a release key, or whose folder it cannot write, says so on About
// and refuses the upload before reading it.
func TestUpdateFromFileRefusedWithoutKey(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("upd-admin", auth.RoleAdmin, "10.0.0.5")
	w := admin.do("GET", "/api/v1/system/about", nil)
	expect(t, w, http.StatusOK)
	var ab about
	if err := json.Unmarshal(w.Body.Bytes(), &ab); err != nil {
		t.Fatal(err)
	}
	if ab.UpdateBlockedCode != "update-no-key" || ab.UpdateBlocked == "" {
		t.Fatalf("about: %+v", ab)
	}
	body, ct := updateForm(t, []byte("x"), []byte("y"))
	w = admin.do("POST", "/api/v1/system/update", body, "Content-Type", ct)
	expect(t, w, http.StatusConflict)
	if !bytes.Contains(w.Body.Bytes(), []byte("release key")) {
		t.Fatalf("not said why: %s", w.Body)
	}
}
