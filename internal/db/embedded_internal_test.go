package db

import (
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckDataDirNeverAcceptsWhatTheLibraryWouldWipe(t *testing.T) {
	t.Parallel()
	write := func(t *testing.T, dir, name, content string) {
		t.Helper()
		if err := os.MkdirAll(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		wantErr string
	}{
		{"missing", func(t *testing.T, dir string) {}, ""},
		{"empty", func(t *testing.T, dir string) { _ = os.MkdirAll(dir, 0o700) }, ""},
		{"same major", func(t *testing.T, dir string) { write(t, dir, "PG_VERSION", "18\n") }, ""},
		{"older major", func(t *testing.T, dir string) { write(t, dir, "PG_VERSION", "16\n") }, "PostgreSQL 16 cluster"},
		{"newer major", func(t *testing.T, dir string) { write(t, dir, "PG_VERSION", "19\n") }, "PostgreSQL 19 cluster"},
		{"not a cluster", func(t *testing.T, dir string) { write(t, dir, "notes.txt", "x") }, "holds no PostgreSQL cluster"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(tempDir(t), "data")
			c.prepare(t, dir)
			err := checkDataDir(dir)
			if c.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want one mentioning %q", err, c.wantErr)
			}
			if strings.Contains(c.name, "major") && !errors.Is(err, ErrMajorVersion) {
				t.Fatalf("error %v is not ErrMajorVersion", err)
			}
		})
	}
}

func TestExtractOnceIsCompleteOrRedone(t *testing.T) {
	t.Parallel()
	sum, err := bundledSum()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	dir := filepath.Join(tempDir(t), "bin-"+sum[:8])
	// A half-done extraction (pg_ctl present, marker absent) must be redone, not trusted.
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin", "pg_ctl"), []byte("truncated"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := extractOnce(openBundledArchive, dir, log); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"bin/pg_ctl", "bin/initdb", "bin/postgres", completeMarker} {
		st, err := os.Stat(filepath.Join(dir, f))
		if err != nil {
			t.Fatalf("%s missing after extraction: %v", f, err)
		}
		if f == "bin/pg_ctl" && st.Size() < 1000 {
			t.Fatal("the truncated pg_ctl was kept")
		}
	}
	// The library symlinks were recreated by the bundle script and survive extraction.
	if _, err := os.Stat(filepath.Join(dir, "lib", "libicuuc.so.60")); err != nil {
		t.Fatalf("shared library symlink missing: %v", err)
	}
	// A complete extraction is not repeated.
	marker, _ := os.Stat(filepath.Join(dir, completeMarker))
	if err := extractOnce(openBundledArchive, dir, log); err != nil {
		t.Fatal(err)
	}
	again, _ := os.Stat(filepath.Join(dir, completeMarker))
	if !again.ModTime().Equal(marker.ModTime()) {
		t.Fatal("a complete extraction was redone")
	}
}

func TestPasswordFileIsPrivateAndKept(t *testing.T) {
	t.Parallel()
	root := tempDir(t)
	file, data := filepath.Join(root, "password"), filepath.Join(root, "data")
	pw, err := loadOrCreatePassword(file, data)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(file)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("password file mode %v, want 0600", st.Mode().Perm())
	}
	if len(pw) < 32 {
		t.Fatalf("password %d characters, want at least 32", len(pw))
	}
	again, err := loadOrCreatePassword(file, data)
	if err != nil || again != pw {
		t.Fatalf("second load: %q, %v; want the same password", again, err)
	}
	// A cluster without its password file is reported, never given a new password.
	if err := os.Remove(file); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(data, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(data, "PG_VERSION"), []byte("18\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreatePassword(file, data); err == nil || !strings.Contains(err.Error(), "password file") {
		t.Fatalf("missing password file of an existing cluster: %v", err)
	}
}

// TestExtractedBinariesAreVerified: a binary changed after extraction (same size, one byte
// flipped; truncated; missing) is noticed at the next start and extracted again, instead of
// being run (a damaged postgres segfaults).
func TestExtractedBinariesAreVerified(t *testing.T) {
	t.Parallel()
	sum, err := bundledSum()
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	cases := []struct {
		name   string
		damage func(t *testing.T, dir string)
	}{
		{"byte flipped", func(t *testing.T, dir string) {
			f, err := os.OpenFile(filepath.Join(dir, "bin", "postgres"), os.O_RDWR, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			b := make([]byte, 1)
			_, _ = f.ReadAt(b, 5000)
			b[0] ^= 0xff
			if _, err := f.WriteAt(b, 5000); err != nil {
				t.Fatal(err)
			}
		}},
		{"truncated library", func(t *testing.T, dir string) {
			libs, _ := filepath.Glob(filepath.Join(dir, "lib", "libicuuc.so.*.*"))
			if len(libs) == 0 {
				t.Fatal("no ICU library in the bundle")
			}
			if err := os.Truncate(libs[0], 100); err != nil {
				t.Fatal(err)
			}
		}},
		{"missing", func(t *testing.T, dir string) {
			if err := os.Remove(filepath.Join(dir, "bin", "pg_ctl")); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(tempDir(t), "bin-"+sum[:8])
			if err := extractOnce(openBundledArchive, dir, log); err != nil {
				t.Fatal(err)
			}
			started := time.Now()
			if err := verifyManifest(dir); err != nil {
				t.Fatalf("a fresh extraction does not verify: %v", err)
			}
			t.Logf("verifying the extracted binaries took %v", time.Since(started))
			c.damage(t, dir)
			if err := verifyManifest(dir); err == nil {
				t.Fatal("the damage was not noticed")
			}
			if err := extractOnce(openBundledArchive, dir, log); err != nil {
				t.Fatal(err)
			}
			if err := verifyManifest(dir); err != nil {
				t.Fatalf("not repaired by the next start: %v", err)
			}
		})
	}
}

// tempDir is t.TempDir made while no embedded server is starting: startInTemp points the
// process-wide TMPDIR into a cluster's folder during a start, and a test folder made then would
// vanish with that cluster (a parallel recovery test removes its own).
func tempDir(t *testing.T) string {
	t.Helper()
	tmpdirMu.Lock()
	defer tmpdirMu.Unlock()
	return t.TempDir()
}
