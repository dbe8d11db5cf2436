package db

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// The library's logs of the previous run: the newest is kept as postgres.previous.log (and is
// the one newestLibraryLog names), the older ones are removed.
func TestRotateLibraryLogsKeepsTheNewest(t *testing.T) {
	t.Parallel()
	tmp := t.TempDir()
	now := time.Now()
	for i, name := range []string{"embedded_postgres_log1", "embedded_postgres_log2", "embedded_postgres_log3"} {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, []byte(name), 0o600); err != nil {
			t.Fatal(err)
		}
		at := now.Add(time.Duration([]int{-3, -1, -2}[i]) * time.Hour)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	if got := newestLibraryLog(tmp); got != filepath.Join(tmp, "embedded_postgres_log2") {
		t.Fatalf("newest log: %q", got)
	}
	rotateLibraryLogs(tmp)
	left, _ := filepath.Glob(filepath.Join(tmp, "*"))
	if len(left) != 1 || filepath.Base(left[0]) != "postgres.previous.log" {
		t.Fatalf("left after rotating: %v", left)
	}
	if b, err := os.ReadFile(left[0]); err != nil || string(b) != "embedded_postgres_log2" {
		t.Fatalf("kept %q, %v; want the newest", b, err)
	}
}
