package db_test

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/lan"
)

// TestExternalDatabaseOverVerifiedTLS: an external PostgreSQL that serves TLS with a
// certificate from the clinic's own root is used with DATABASE_URL's sslmode=verify-full and
// sslrootcert (the README's example): the connection is encrypted, and a server whose
// certificate another root signed, or that is reached by a name its certificate lacks, is
// refused before any password or row crosses the network.
//
// Not parallel: StartEmbedded points the process-wide TMPDIR into its folder; TMPDIR is put
// back (t.Setenv) before the parallel tests run.
func TestExternalDatabaseOverVerifiedTLS(t *testing.T) {
	t.Setenv("TMPDIR", os.Getenv("TMPDIR"))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	dir := filepath.Join(dbtest.Root(), fmt.Sprintf("tls-%d", os.Getpid()))
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	certs := filepath.Join(dir, "certs")
	if err := os.MkdirAll(certs, 0o700); err != nil {
		t.Fatal(err)
	}
	root, err := lan.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := root.Issue(lan.Names{DNS: []string{"localhost"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(leaf.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(certs, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	certFile := write("server.crt", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[0]}))
	keyFile := write("server.key", pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}))
	rootFile := write("clinic-root.crt", root.PEM())
	other, err := lan.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	otherFile := write("other-root.crt", other.PEM())

	e, err := db.StartEmbedded(ctx, db.EmbeddedOptions{
		Dir:         filepath.Join(dir, "pg"),
		BinariesDir: filepath.Join(dbtest.Root(), "bin"),
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ephemeral:   true,
		Parameters:  map[string]string{"ssl": "on", "ssl_cert_file": certFile, "ssl_key_file": keyFile},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Stop() })

	url := func(host, rootCert string) string {
		u := strings.Replace(e.DSN(), "@127.0.0.1:", "@"+host+":", 1)
		return strings.Replace(u, "sslmode=disable", "sslmode=verify-full&sslrootcert="+rootCert, 1)
	}
	d, err := db.Open(ctx, db.OpenOptions{ExternalURL: url("localhost", rootFile)})
	if err != nil {
		t.Fatalf("verify-full with the clinic's root: %v", err)
	}
	var ssl bool
	var version string
	err = d.Pool.QueryRow(ctx, `SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`).Scan(&ssl, &version)
	d.Pool.Close()
	if err != nil || !ssl || !strings.HasPrefix(version, "TLSv1.") {
		t.Fatalf("the connection: ssl %v %q (%v)", ssl, version, err)
	}

	for name, u := range map[string]string{
		"a root that did not sign the server's certificate": url("localhost", otherFile),
		"a name the certificate lacks":                      url("127.0.0.1", rootFile),
	} {
		if d, err := db.Open(ctx, db.OpenOptions{ExternalURL: u}); err == nil {
			d.Pool.Close()
			t.Errorf("%s: connected", name)
		} else if !strings.Contains(err.Error(), "certificate") {
			t.Errorf("%s: %v, want a certificate error", name, err)
		}
	}
}
