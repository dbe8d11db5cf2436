package durable_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"chelal/internal/durable"
)

// TestWriteFile: a new file and a replaced one hold exactly the data with the mode asked,
// and no temporary file is left beside them; a folder that does not exist is an error that
// names the path.
func TestWriteFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "key.pem")
	for _, tc := range []struct {
		data string
		perm os.FileMode
	}{{"first\n", 0o600}, {"second, longer than the first\n", 0o644}, {"", 0o600}} {
		if err := durable.WriteFile(path, []byte(tc.data), tc.perm); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != tc.data {
			t.Fatalf("read back %q, %v; want %q", got, err, tc.data)
		}
		if st, err := os.Stat(path); err != nil || (runtime.GOOS != "windows" && st.Mode().Perm() != tc.perm) {
			t.Fatalf("mode %v, %v; want %v", st.Mode().Perm(), err, tc.perm)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("folder holds %d entries, want only the file", len(entries))
		}
	}
	missing := filepath.Join(dir, "no-such-folder", "x")
	if err := durable.WriteFile(missing, []byte("x"), 0o600); err == nil || !strings.Contains(err.Error(), missing) {
		t.Fatalf("write into a missing folder: %v", err)
	}
	if err := durable.SyncDir(dir); err != nil {
		t.Fatalf("SyncDir: %v", err)
	}
}
