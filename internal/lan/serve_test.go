package lan

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestServerWithTheClinicsOwnCertificate: --tls-cert/--tls-key serve the clinic's own
// certificate (no CA is made, nothing offered at /welcome), its names are reported for the
// Host check, and a renewed file is picked up without a restart.
func TestServerWithTheClinicsOwnCertificate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pki, err := NewCA(time.Now()) // the clinic's PKI, not Chelal's
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	issue := func(name string) {
		c, err := pki.Issue(Names{DNS: []string{name}, IPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		keyDER, _ := x509.MarshalPKCS8PrivateKey(c.PrivateKey)
		if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Certificate[0]}), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	issue("chelal.clinic.lan")

	if _, err := NewServer(http.NotFoundHandler(), func(h http.Handler) *http.Server { return &http.Server{Handler: h} }, Options{DataDir: dir, CertFile: certFile}); err == nil {
		t.Error("a certificate without its key was accepted")
	}
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app") })
	s, err := NewServer(app, func(h http.Handler) *http.Server { return &http.Server{Handler: h} }, Options{DataDir: dir, CertFile: certFile, KeyFile: keyFile})
	if err != nil {
		t.Fatal(err)
	}
	if s.CA != nil {
		t.Error("a CA was made although the clinic brought its certificate")
	}
	if _, err := LoadCA(dir); err == nil {
		t.Error("a CA was written to the data dir")
	}
	if names := s.HostNames(); !slices.Contains(names, "chelal.clinic.lan") {
		t.Errorf("HostNames %v", names)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.Serve(ln) }()
	t.Cleanup(func() { _ = s.Close() })

	pool := x509.NewCertPool()
	pool.AddCert(pki.Cert)
	get := func() (*http.Response, error) {
		c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
		return c.Get("https://" + ln.Addr().String() + "/")
	}
	res, err := get()
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if cn := res.TLS.PeerCertificates[0].DNSNames; !slices.Equal(cn, []string{"chelal.clinic.lan"}) {
		t.Errorf("served %v", cn)
	}
	// Plain HTTP from loopback is Chelal itself; there is no welcome page to offer.
	res, err = http.Get("http://" + ln.Addr().String() + "/welcome")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "app" {
		t.Errorf("plain HTTP from loopback: %q", b)
	}

	// The clinic renews its certificate: the next look at the files serves the new one.
	s.file.mu.Lock()
	s.file.recheck = 0
	s.file.mu.Unlock()
	issue("chelal2.clinic.lan")
	later := time.Now().Add(2 * time.Second)
	_ = os.Chtimes(certFile, later, later)
	fc := s.hostNames
	deadline := time.Now().Add(5 * time.Second)
	for !slices.Contains(fc(), "chelal2.clinic.lan") {
		if time.Now().After(deadline) {
			t.Fatalf("the renewed certificate file was not picked up: %v", fc())
		}
		time.Sleep(200 * time.Millisecond)
	}
	if !strings.Contains(strings.Join(s.HostNames(), ","), "chelal2") {
		t.Error("HostNames did not follow the renewal")
	}
}
