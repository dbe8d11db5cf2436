// Package updatetest lets a test binary stand for a candidate Chelal executable in the tests
// of an update (internal/update's and the API's).
package updatetest

import (
	"os"
	"path/filepath"
)

// VersionFile is the file beside a copy of the test binary that holds what the copy prints
// as its version (as `chelal version` prints its version and schema).
const VersionFile = "fake-version"

// StandIn is called first in a TestMain: run as `<copy> version`, the test binary prints the
// VersionFile beside it and exits (3 when there is none); otherwise StandIn returns.
func StandIn() {
	if len(os.Args) != 2 || os.Args[1] != "version" {
		return
	}
	exe, _ := os.Executable()
	b, err := os.ReadFile(filepath.Join(filepath.Dir(exe), VersionFile))
	if err != nil {
		os.Exit(3)
	}
	os.Stdout.Write(b)
	os.Exit(0)
}
