package lan

import (
	"crypto/ecdsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCACreatedOnceKeptSecretAndLoaded(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if _, err := LoadCA(dir); !errors.Is(err, ErrNoCA) {
		t.Fatalf("LoadCA of an empty dir: %v, want ErrNoCA", err)
	}
	ca, created, err := LoadOrCreateCA(dir)
	if err != nil || !created {
		t.Fatalf("LoadOrCreateCA: created %v, %v", created, err)
	}
	st, err := os.Stat(filepath.Join(dir, CAKeyFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("CA key mode %v (%v), want 0600", st.Mode().Perm(), err)
	}
	c := ca.Cert
	if !c.IsCA || !c.MaxPathLenZero || c.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA: IsCA %v MaxPathLenZero %v KeyUsage %v", c.IsCA, c.MaxPathLenZero, c.KeyUsage)
	}
	if k, ok := c.PublicKey.(*ecdsa.PublicKey); !ok || k.Curve.Params().Name != "P-256" {
		t.Errorf("CA key is %T, want ECDSA P-256", c.PublicKey)
	}
	if life := c.NotAfter.Sub(c.NotBefore); life < 19*365*24*time.Hour {
		t.Errorf("CA lives %v, want about 20 years", life)
	}
	again, created, err := LoadOrCreateCA(dir)
	if err != nil || created || again.Fingerprint() != ca.Fingerprint() {
		t.Fatalf("second LoadOrCreateCA: created %v, err %v, same %v", created, err, again.Fingerprint() == ca.Fingerprint())
	}
	if fp := ca.Fingerprint(); len(fp) != 95 || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint %q is not 32 colon-separated hex pairs", fp)
	}
}

func TestIssueCoversNamesForServerAuthOnly(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	names := Names{DNS: []string{"chelal.local", "localhost"}, IPs: []netip.Addr{netip.MustParseAddr("10.77.0.1"), netip.MustParseAddr("fd00::7")}}
	cert, err := ca.Issue(names, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	leaf := cert.Leaf
	if leaf.IsCA || leaf.KeyUsage != x509.KeyUsageDigitalSignature || !slices.Equal(leaf.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}) {
		t.Errorf("leaf: IsCA %v KeyUsage %v ExtKeyUsage %v", leaf.IsCA, leaf.KeyUsage, leaf.ExtKeyUsage)
	}
	if leaf.NotAfter.Sub(leaf.NotBefore) > 825*24*time.Hour {
		t.Errorf("leaf lives %v: Apple refuses more than 825 days", leaf.NotAfter.Sub(leaf.NotBefore))
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	for _, name := range []string{"chelal.local", "localhost", "10.77.0.1", "fd00::7"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "attacker.example"}); err == nil {
		t.Error("the certificate verifies for a name it was not issued for")
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), DNSName: "chelal.local"}); err == nil {
		t.Error("the certificate verifies without the clinic CA")
	}
}

// fakeMachine is a machine whose addresses a test changes.
type fakeMachine struct {
	mu  sync.Mutex
	ips []string
}

func (f *fakeMachine) set(ips ...string) { f.mu.Lock(); f.ips = ips; f.mu.Unlock() }

func (f *fakeMachine) machine() Machine {
	return Machine{
		LANName:  "kliniki",
		Hostname: func() (string, error) { return "reception-pc", nil },
		InterfaceAddrs: func() ([]net.Addr, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			var out []net.Addr
			for _, s := range f.ips {
				out = append(out, &net.IPNet{IP: net.ParseIP(s), Mask: net.CIDRMask(24, 32)})
			}
			return out, nil
		},
	}
}

func TestMachineNames(t *testing.T) {
	t.Parallel()
	f := &fakeMachine{}
	f.set("127.0.0.1", "192.168.1.20", "fe80::1", "::1")
	m := f.machine()
	m.Extra = []string{"chelal.clinic.lan:443", "203.0.113.7"}
	n := m.Names()
	wantDNS := []string{"chelal.clinic.lan", "kliniki.local", "localhost", "reception-pc", "reception-pc.local"}
	if !slices.Equal(n.DNS, wantDNS) {
		t.Errorf("DNS names %v, want %v", n.DNS, wantDNS)
	}
	var ips []string
	for _, ip := range n.IPs {
		ips = append(ips, ip.String())
	}
	if want := []string{"127.0.0.1", "192.168.1.20", "203.0.113.7", "::1"}; !slices.Equal(ips, want) {
		t.Errorf("addresses %v, want %v (no link-local)", ips, want)
	}
}

func TestCertsRenewedBeforeExpiryAndReissuedOnNewAddress(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeMachine{}
	f.set("192.168.1.20")
	now := time.Now()
	c := NewCerts(ca, f.machine().Names, nil)
	c.now = func() time.Time { return now }
	first, err := c.Current(netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := c.Current(netip.Addr{}); again != first {
		t.Fatal("a second call issued a new certificate for the same names")
	}

	// DHCP gives a new address: a connection to it re-issues at once (no restart).
	f.set("192.168.1.77")
	now = now.Add(2 * time.Second)
	second, err := c.Current(netip.MustParseAddr("192.168.1.77"))
	if err != nil {
		t.Fatal(err)
	}
	if second == first || !slices.ContainsFunc(second.Leaf.IPAddresses, func(ip net.IP) bool { return ip.String() == "192.168.1.77" }) {
		t.Fatalf("after the address changed the certificate covers %v", second.Leaf.IPAddresses)
	}
	if slices.Contains(c.HostNames(), "192.168.1.20") || !slices.Contains(c.HostNames(), "kliniki.local") {
		t.Errorf("HostNames %v: want the new address and the mDNS name, not the old address", c.HostNames())
	}

	// Near its end (within renewBefore) it is renewed; before that it is kept.
	now = second.Leaf.NotAfter.Add(-renewBefore - time.Hour)
	if kept, _ := c.Current(netip.Addr{}); kept != second {
		t.Fatal("renewed too early")
	}
	now = second.Leaf.NotAfter.Add(-renewBefore + time.Hour)
	renewed, err := c.Current(netip.Addr{})
	if err != nil {
		t.Fatal(err)
	}
	if renewed == second || !renewed.Leaf.NotAfter.After(second.Leaf.NotAfter) {
		t.Fatalf("not renewed: until %v, was %v", renewed.Leaf.NotAfter, second.Leaf.NotAfter)
	}
}

// lanServer serves h the way serve does: one port, TLS and plain HTTP sorted by Split.
func lanServer(t *testing.T, certs *Certs, plain http.Handler, h http.Handler) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	tl, pl := Split(ln)
	cfg := certs.TLSConfig()
	srv := &http.Server{Handler: h, TLSConfig: cfg}
	psrv := &http.Server{Handler: plain}
	go func() { _ = srv.Serve(tlsListener(tl, cfg)) }()
	go func() { _ = psrv.Serve(pl) }()
	t.Cleanup(func() { srv.Close(); psrv.Close() })
	return ln.Addr().String()
}

func tlsListener(ln net.Listener, cfg *tls.Config) net.Listener { return tls.NewListener(ln, cfg) }

func TestHTTPSWithTheClinicCAAndPlainHTTPSorted(t *testing.T) {
	t.Parallel()
	ca, err := NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certs := NewCerts(ca, func() Names {
		return Names{DNS: []string{"localhost"}, IPs: []netip.Addr{netip.MustParseAddr("127.0.0.1")}}
	}, nil)
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			io.WriteString(w, "plain app")
			return
		}
		io.WriteString(w, "tls app "+r.Proto)
	})
	// The plain side as a LAN peer sees it: every peer counts as remote here (the test's
	// loopback stands for the LAN), so the redirect and the welcome page are what it gets.
	remote := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = "192.168.1.30:5555"
		(&Plain{Main: app, CA: ca, HostAllowed: func(h string) bool { return !strings.HasPrefix(h, "attacker.example") }}).ServeHTTP(w, r)
	})
	addr := lanServer(t, certs, remote, app)
	_, port, _ := net.SplitHostPort(addr)

	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}, ForceAttemptHTTP2: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	res, err := trusting.Get("https://" + addr + "/api/v1/health")
	if err != nil {
		t.Fatalf("HTTPS with the clinic CA: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "tls app HTTP/2.0" || res.TLS.Version < tls.VersionTLS12 {
		t.Errorf("HTTPS answer %q over TLS %x, want the app over HTTP/2", body, res.TLS.Version)
	}
	if _, err := http.Get("https://" + addr + "/"); err == nil {
		t.Error("a client without the clinic CA trusted the certificate")
	}
	old := &tls.Config{RootCAs: pool, MaxVersion: tls.VersionTLS11}
	if c, err := tls.Dial("tcp", addr, old); err == nil {
		c.Close()
		t.Error("TLS 1.1 was accepted")
	}

	res, err = trusting.Get("http://" + addr + "/patients/7?tab=vitals")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if want := "https://127.0.0.1:" + port + "/patients/7?tab=vitals"; res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != want {
		t.Errorf("plain HTTP: %d to %q, want 307 to %q", res.StatusCode, res.Header.Get("Location"), want)
	}

	res, err = trusting.Get("http://" + addr + "/welcome")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), ca.Fingerprint()) || !strings.Contains(string(page), "/welcome/"+CAFileName) {
		t.Errorf("welcome page: %d, fingerprint shown %v, download linked %v", res.StatusCode, strings.Contains(string(page), ca.Fingerprint()), strings.Contains(string(page), CAFileName))
	}
	res, err = trusting.Get("http://" + addr + "/welcome/" + CAFileName)
	if err != nil {
		t.Fatal(err)
	}
	pemBytes, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(pemBytes) != string(ca.PEM()) || res.Header.Get("Content-Type") != "application/x-x509-ca-cert" {
		t.Errorf("CA download: %q, %d bytes", res.Header.Get("Content-Type"), len(pemBytes))
	}

	req, _ := http.NewRequest("GET", "http://"+addr+"/welcome", nil)
	req.Host = "attacker.example:" + port
	res, err = trusting.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMisdirectedRequest {
		t.Errorf("plain HTTP for a foreign Host: %d, want 421", res.StatusCode)
	}
}

func TestPlainFromLoopbackOrTrustedProxyIsServed(t *testing.T) {
	t.Parallel()
	app := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "app") })
	proxy := netip.MustParsePrefix("10.0.0.5/32")
	p := &Plain{Main: app, HostAllowed: func(string) bool { return true }, Trusted: proxy.Contains}
	for _, tc := range []struct {
		peer string
		want int
	}{
		{"127.0.0.1:4000", 200},
		{"[::1]:4000", 200},
		{"10.0.0.5:4000", 200},
		{"10.0.0.6:4000", http.StatusTemporaryRedirect},
	} {
		r, _ := http.NewRequest("GET", "http://chelal.local:7300/", nil)
		r.RemoteAddr = tc.peer
		w := &recorder{h: http.Header{}}
		p.ServeHTTP(w, r)
		if w.code != tc.want {
			t.Errorf("plain request from %s: %d, want %d", tc.peer, w.code, tc.want)
		}
	}
}

type recorder struct {
	h    http.Header
	code int
}

func (r *recorder) Header() http.Header { return r.h }
func (r *recorder) Write(b []byte) (int, error) {
	if r.code == 0 {
		r.code = 200
	}
	return len(b), nil
}
func (r *recorder) WriteHeader(c int) {
	if r.code == 0 {
		r.code = c
	}
}

func TestIsLoopbackAddr(t *testing.T) {
	t.Parallel()
	for addr, want := range map[string]bool{"127.0.0.1:7300": true, "localhost:7300": true, "[::1]:7300": true, "0.0.0.0:7300": false, ":7300": false, "192.168.1.20:7300": false, "server.lan:7300": false} {
		if got, err := IsLoopbackAddr(addr); err != nil || got != want {
			t.Errorf("IsLoopbackAddr(%q) = %v, %v; want %v", addr, got, err, want)
		}
	}
}
