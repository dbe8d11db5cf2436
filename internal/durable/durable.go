// Package durable writes the small files Chelal keeps beside its records (keys, certificates,
// PostgreSQL's settings, markers, journals) so that a crash or a power cut leaves either the
// old file or the new one whole, never a truncated one.
//
//	durable.WriteFile(path, data, 0o600) // then, where the new name itself must survive:
//	durable.SyncDir(filepath.Dir(path))
package durable

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
)

// WriteFile replaces path with data atomically: it writes a temporary file of its own in
// path's folder with mode perm, syncs it and renames it over path. Two writers of one path
// never share a temporary file; a failure removes it and leaves path as it was. The rename
// is durable only once the folder is synced (SyncDir). Errors name path.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp := f.Name()
	err = f.Chmod(perm)
	if err == nil {
		_, err = f.Write(data)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// SyncDir makes the entries of dir (a rename, a new file) durable. Windows cannot open a
// folder to sync it (NTFS journals the renames itself): there it does nothing.
func SyncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
