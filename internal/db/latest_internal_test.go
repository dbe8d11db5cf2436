package db

import (
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"chelal/migrations"
)

// LatestMigration is the highest NNNN of the migration files (what `chelal version` prints,
// and what an update compares with the records).
func TestLatestMigration(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations: %v %v", names, err)
	}
	var want uint64
	for _, n := range names {
		v, err := strconv.ParseUint(strings.SplitN(n, "_", 2)[0], 10, 32)
		if err != nil {
			t.Fatal(n, err)
		}
		want = max(want, v)
	}
	got, err := LatestMigration()
	if err != nil || uint64(got) != want {
		t.Fatalf("LatestMigration() = %d, %v; want %d", got, err, want)
	}
}
