package db

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"syscall"
)

// Space a start needs, measured on linux-amd64 with margin: the unpacked binaries (58 MB), a
// new cluster (initdb: about 40 MB with its first WAL segment), and room for a running
// server's WAL and checkpoints.
const (
	spaceForBinaries = 80 << 20
	spaceForCluster  = 64 << 20
	spaceToRun       = 32 << 20
)

// DiskFullError is a start refused (or failed) because the disk holding the data folder is
// full: it names the folder, the free space and what is needed.
type DiskFullError struct {
	Dir  string
	Free uint64 // bytes free when measured; 0 and !Measured when unknown
	Need uint64 // bytes needed; 0 when unknown (the write that failed said so)
	// Measured says Free is known.
	Measured bool
	Err      error // the failed write, if any
}

func (e *DiskFullError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "the disk holding %s is full", e.Dir)
	if e.Measured {
		fmt.Fprintf(&b, ": %s free", mb(e.Free))
	}
	if e.Need > 0 {
		fmt.Fprintf(&b, ", and Chelal needs at least %s to start", mb(e.Need))
	}
	b.WriteString(". Free some space on that disk (or point CHELAL_DATA_DIR at a folder on another disk) and start Chelal again; nothing was deleted")
	if e.Err != nil {
		fmt.Fprintf(&b, " (%v)", e.Err)
	}
	return b.String()
}

func (e *DiskFullError) Unwrap() error { return e.Err }

func mb(n uint64) string {
	return fmt.Sprintf("%d MB", (n+(1<<20)-1)>>20)
}

// checkSpace refuses to start when the disk of dir has less free space than this start needs:
// better a clear message now than a PANIC of the server on its first write.
func checkSpace(dir string, extract, initdb bool) error {
	need := uint64(spaceToRun)
	if extract {
		need += spaceForBinaries
	}
	if initdb {
		need += spaceForCluster
	}
	free, ok := freeBytes(dir)
	if !ok || free >= need {
		return nil
	}
	return &DiskFullError{Dir: dir, Free: free, Need: need, Measured: true}
}

// diskFull turns err into a DiskFullError about dir when it says that a write found no space
// (ENOSPC from Go, "No space left on device" in the output of initdb or pg_ctl).
func diskFull(dir string, err error) error {
	var already *DiskFullError
	if err == nil || errors.As(err, &already) {
		return err
	}
	if !errors.Is(err, syscall.ENOSPC) && !strings.Contains(err.Error(), "No space left on device") && !strings.Contains(err.Error(), "could not extend file") {
		return err
	}
	free, ok := freeBytes(dir)
	return &DiskFullError{Dir: dir, Free: free, Measured: ok, Err: err}
}

// binariesExtracted says whether the bundled binaries for sum are already unpacked for opts.
func binariesExtracted(opts EmbeddedOptions, sum string) bool {
	root := opts.BinariesDir
	if root == "" {
		root = opts.Dir
	}
	return fileExists(filepath.Join(root, "bin-"+PostgresVersion+"-"+sum[:8], completeMarker))
}
