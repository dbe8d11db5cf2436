package backup_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"chelal/internal/backup"
	"chelal/internal/db/dbtest"
	"chelal/internal/lan"
)

// TestBackupCarriesTheClinicCA: the LAN CA goes into every backup (its key unreadable in an
// encrypted one) and comes back with a restore, so a computer rebuilt after a disk failure
// keeps the authority every workstation trusts; the CA it had is kept aside.
func TestBackupCarriesTheClinicCA(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := populated(t)
	oldComputer, _ := newDataDir(t)
	ca, _, err := lan.LoadOrCreateCA(oldComputer)
	if err != nil {
		t.Fatal(err)
	}
	const pass = "correct horse battery staple"
	path, raw := makeBackup(t, src, backup.Options{ChelalVersion: "test", DataDir: oldComputer, Passphrase: pass})
	keyPEM, _ := os.ReadFile(filepath.Join(oldComputer, lan.CAKeyFile))
	if bytes.Contains(raw, keyPEM[40:80]) {
		t.Fatal("the encrypted backup shows the CA key")
	}
	res, err := backup.Check(bytes.NewReader(raw), pass)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range res.Manifest.Files {
		names = append(names, f.Name)
	}
	if len(names) != 4 {
		t.Fatalf("files in the backup %v, want secret.key, the CA's two and the image", names)
	}

	newComputer := t.TempDir()
	own, _, err := lan.LoadOrCreateCA(newComputer)
	if err != nil {
		t.Fatal(err)
	}
	dst := dbtest.NewEmpty(t)
	if _, _, err := backup.Restore(ctx, path, dst.DSN(), backup.RestoreOptions{MigrateUp: true, DataDir: newComputer, Passphrase: pass}); err != nil {
		t.Fatal(err)
	}
	restored, err := lan.LoadCA(newComputer)
	if err != nil || restored.Fingerprint() != ca.Fingerprint() {
		t.Fatalf("CA after the restore: %v (same as the backup's: %v)", err, err == nil && restored.Fingerprint() == ca.Fingerprint())
	}
	if st, err := os.Stat(filepath.Join(newComputer, lan.CAKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("restored CA key mode: %v", err)
	}
	kept, _ := filepath.Glob(filepath.Join(newComputer, lan.CACertFile+".before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("the computer's own CA was not kept aside: %v", kept)
	}
	if b, _ := os.ReadFile(kept[0]); !bytes.Equal(b, own.PEM()) {
		t.Fatal("the kept CA certificate is not the computer's own")
	}

	// Half a CA is damage, and changes nothing.
	other := t.TempDir()
	if _, _, err := backup.InstallFiles(other, map[string][]byte{lan.CACertFile: ca.PEM()}); !errors.Is(err, backup.ErrDamaged) {
		t.Fatalf("a backup with the CA certificate but no key: %v", err)
	}
	if _, err := lan.LoadCA(other); !errors.Is(err, lan.ErrNoCA) {
		t.Fatalf("after a refused CA: %v", err)
	}
}
