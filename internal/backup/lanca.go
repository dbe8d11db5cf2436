package backup

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"chelal/internal/durable"
	"chelal/internal/lan"
)

// caFiles are the clinic's LAN certificate authority (internal/lan), certificate then key, as
// they are named in the data dir and in a backup.
var caFiles = []string{lan.CACertFile, lan.CAKeyFile}

func caFilesPresent(dataDir string) bool {
	for _, name := range caFiles {
		st, err := os.Stat(filepath.Join(dataDir, filepath.FromSlash(name)))
		if err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// installCA puts a backup's CA into dataDir when it differs from the one there, which is kept
// aside as lan/ca.*.before-restore-TIME (workstations may trust it still). A backup without
// a CA leaves the current one alone. undo puts the previous files back.
func installCA(dataDir string, files map[string][]byte) (undo func(), err error) {
	undo = func() {}
	certPEM, okc := files[lan.CACertFile]
	keyPEM, okk := files[lan.CAKeyFile]
	if !okc && !okk {
		return undo, nil
	}
	if !okc || !okk {
		return undo, damaged("the clinic CA", "the backup holds only one of its certificate and key")
	}
	if _, err := lan.ParseCA(certPEM, keyPEM); err != nil {
		return undo, damaged("the clinic CA", "%v", err)
	}
	certPath := filepath.Join(dataDir, filepath.FromSlash(lan.CACertFile))
	if old, err := os.ReadFile(certPath); err == nil && bytes.Equal(old, certPEM) {
		return undo, nil // the same CA
	}
	if err := os.MkdirAll(filepath.Dir(certPath), 0o700); err != nil {
		return undo, fmt.Errorf("restore the clinic CA: %w", err)
	}
	suffix := ".before-restore-" + time.Now().UTC().Format("20060102-150405")
	var kept []string
	undo = func() {
		for _, name := range caFiles {
			_ = os.Remove(filepath.Join(dataDir, filepath.FromSlash(name)))
		}
		for _, name := range kept {
			path := filepath.Join(dataDir, filepath.FromSlash(name))
			_ = os.Rename(path+suffix, path)
		}
	}
	for _, name := range caFiles {
		path := filepath.Join(dataDir, filepath.FromSlash(name))
		err := os.Rename(path, path+suffix)
		switch {
		case err == nil:
			kept = append(kept, name)
		case !errors.Is(err, fs.ErrNotExist):
			undo()
			return func() {}, fmt.Errorf("keep the current clinic CA aside: %w", err)
		}
	}
	// The key first (0600, writeSync's mode); the certificate is public.
	if err := durable.WriteFile(filepath.Join(dataDir, filepath.FromSlash(lan.CAKeyFile)), keyPEM, 0o600); err != nil {
		undo()
		return func() {}, fmt.Errorf("restore the clinic CA key: %w", err)
	}
	if err := durable.WriteFile(certPath, certPEM, 0o600); err != nil {
		undo()
		return func() {}, fmt.Errorf("restore the clinic CA certificate: %w", err)
	}
	_ = os.Chmod(certPath, 0o644)
	return undo, nil
}
