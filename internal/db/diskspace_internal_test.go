package db

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFullMessages: a start the disk cannot hold is refused with the folder, the free
// space and the need; a write that found no space says so; other failures pass unchanged.
func TestDiskFullMessages(t *testing.T) {
	t.Parallel()
	dir := tempDir(t)
	free, ok := freeBytes(dir)
	if !ok || free == 0 {
		t.Fatalf("freeBytes(%s) = %d, %v", dir, free, ok)
	}
	if err := checkSpace(dir, true, true); err != nil && free > spaceToRun+spaceForBinaries+spaceForCluster {
		t.Fatalf("checkSpace refused %s with %d bytes free: %v", dir, free, err)
	}
	other := errors.New("permission denied")
	for _, tc := range []struct {
		name string
		err  error
		full bool
	}{
		{"ENOSPC from Go", fmt.Errorf("extract: %w", syscall.ENOSPC), true},
		{"initdb output", errors.New("initdb: could not write file: No space left on device"), true},
		{"another failure", other, false},
	} {
		got := diskFull(dir, tc.err)
		var df *DiskFullError
		if errors.As(got, &df) != tc.full {
			t.Errorf("%s: %v, disk full %v", tc.name, got, !tc.full)
			continue
		}
		if tc.full && (!strings.Contains(got.Error(), "the disk holding "+dir+" is full: ") || !errors.Is(got, tc.err)) {
			t.Errorf("%s: %q", tc.name, got)
		}
		if !tc.full && got != tc.err {
			t.Errorf("%s: changed to %v", tc.name, got)
		}
	}
	msg := (&DiskFullError{Dir: "/srv/chelal/pg", Free: 5 << 20, Need: 176 << 20, Measured: true}).Error()
	if want := "the disk holding /srv/chelal/pg is full: 5 MB free, and Chelal needs at least 176 MB to start."; !strings.HasPrefix(msg, want) {
		t.Errorf("message %q, want it to start with %q", msg, want)
	}
}
