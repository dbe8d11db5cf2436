package app

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	lanhttps "chelal/internal/lan"
)

func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

func serve(h http.Handler, method, target string, header ...string) *http.Response {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w.Result()
}

func body(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type problem struct {
	Type, Title, Detail string
	Status              int
}

func decodeProblem(t *testing.T, res *http.Response) problem {
	t.Helper()
	if ct := res.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	var p problem
	if err := json.NewDecoder(res.Body).Decode(&p); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestGateWhileStarting(t *testing.T) {
	g := newGate()
	g.setNote("First start: preparing <the> database")

	res := serve(g, "GET", "/")
	page := body(t, res)
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET / = %d %s, want the splash page", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{"Chelal is starting", "First start: preparing &lt;the&gt; database", `<script src="` + splashJSPath + `"></script>`} {
		if !strings.Contains(page, want) {
			t.Errorf("splash lacks %q", want)
		}
	}
	if strings.Contains(page, "http://") || strings.Contains(page, "https://") {
		t.Error("the splash refers to a remote asset")
	}
	if regexp.MustCompile(`<script>|<script [^s]|\son[a-z]+=`).MatchString(page) {
		t.Error("the splash has inline script, which the CSP forbids")
	}
	if res.Header.Get("Cache-Control") != "no-store" || !strings.Contains(res.Header.Get("Content-Security-Policy"), "default-src 'self'") {
		t.Errorf("splash headers: %v", res.Header)
	}
	// A deep link gets the splash too (it reloads into the same path).
	if res := serve(g, "GET", "/patients/12"); res.StatusCode != 200 {
		t.Errorf("GET /patients/12 = %d", res.StatusCode)
	}

	res = serve(g, "GET", splashJSPath)
	if js := body(t, res); res.StatusCode != 200 || !strings.Contains(res.Header.Get("Content-Type"), "javascript") || !strings.Contains(js, "/api/v1/health") {
		t.Fatalf("GET %s = %d %s", splashJSPath, res.StatusCode, res.Header.Get("Content-Type"))
	}

	for _, target := range []string{"/api/v1/health", "/api/v1/auth/me", "/api"} {
		res = serve(g, "GET", target)
		p := decodeProblem(t, res)
		if res.StatusCode != 503 || p.Status != 503 || p.Type != problemStarting || p.Detail != "First start: preparing <the> database" {
			t.Errorf("GET %s = %d %+v", target, res.StatusCode, p)
		}
		if res.Header.Get("Retry-After") == "" || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("GET %s headers: %v", target, res.Header)
		}
	}
	if res := serve(g, "POST", "/api/v1/auth/login"); res.StatusCode != 503 {
		t.Errorf("POST login = %d, want 503", res.StatusCode)
	}
	if res := serve(g, "POST", "/"); res.StatusCode != 503 {
		t.Errorf("POST / = %d, want 503", res.StatusCode)
	}
}

func TestGateReadyAndFailed(t *testing.T) {
	g := newGate()
	g.setFailed(errors.New("Chelal is already open on this computer"))
	res := serve(g, "GET", "/")
	page := body(t, res)
	if !strings.Contains(page, "Chelal could not start") || !strings.Contains(page, "already open on this computer") || !strings.Contains(page, `class="failed"`) {
		t.Errorf("failed splash: %s", page)
	}
	res = serve(g, "GET", "/api/v1/health")
	if p := decodeProblem(t, res); res.StatusCode != 503 || p.Type != problemStartupFailed || !strings.Contains(p.Detail, "already open") {
		t.Errorf("health after failure: %d %+v", res.StatusCode, p)
	}
	if res.Header.Get("Retry-After") != "" {
		t.Error("a failed start promises a retry")
	}
	g.setNote("ignored after failure")
	if _, note, _ := g.state(); note == "ignored after failure" {
		t.Error("a note replaced the failure")
	}

	g = newGate()
	g.setReady(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Real", "yes")
		fmt.Fprint(w, "real "+r.URL.Path)
	}))
	for _, target := range []string{"/", "/api/v1/health", splashJSPath} {
		res := serve(g, "GET", target)
		if b := body(t, res); b != "real "+target || res.Header.Get("X-Real") != "yes" {
			t.Errorf("GET %s after ready = %q", target, b)
		}
	}
}

func TestWebviewCookies(t *testing.T) {
	var seen []string
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("Cookie"))
		switch r.URL.Path {
		case "/api/v1/auth/login":
			http.SetCookie(w, &http.Cookie{Name: "chelal_session", Value: "tok1", Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode})
			http.SetCookie(w, &http.Cookie{Name: "scoped", Value: "x", Path: "/api/v1/reports"})
			w.WriteHeader(200)
		case "/api/v1/auth/logout":
			http.SetCookie(w, &http.Cookie{Name: "chelal_session", Value: "", Path: "/", MaxAge: -1})
			w.WriteHeader(204)
		case "/stream":
			http.SetCookie(w, &http.Cookie{Name: "streamed", Value: "1", Path: "/"})
			w.(http.Flusher).Flush()
		}
	})
	h := newWebviewCookies(next)

	res := serve(h, "POST", "/api/v1/auth/login", "Cookie", "forged=1")
	if res.Header.Get("Set-Cookie") != "" {
		t.Error("Set-Cookie reached the webview")
	}
	serve(h, "GET", "/api/v1/auth/me")
	serve(h, "GET", "/api/v1/reports/daily")
	serve(h, "POST", "/api/v1/auth/logout")
	serve(h, "GET", "/api/v1/auth/me", "Cookie", "chelal_session=forged")
	serve(h, "GET", "/stream")
	serve(h, "GET", "/")
	want := []string{"", "chelal_session=tok1", "scoped=x; chelal_session=tok1", "chelal_session=tok1", "", "", "streamed=1"}
	if fmt.Sprint(seen) != fmt.Sprint(want) {
		t.Errorf("cookies seen by the handler:\n got %q\nwant %q", seen, want)
	}
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func TestLANSharingOverride(t *testing.T) {
	dir := t.TempDir()
	sf := &settingsFile{path: filepath.Join(dir, SettingsFileName), log: testLog(t)}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "served "+r.URL.Path) })
	lan := newLANSharing(h, testLog(t), sf, "127.0.0.1:0")
	if info := lan.Info(); info.Enabled || len(info.Addresses) != 0 || info.QRPNGDataURL != "" {
		t.Fatalf("before restore: %+v", info)
	}
	lan.restore()
	defer lan.Close()
	info := lan.Info()
	if !info.Enabled || info.Port == 0 || len(info.Addresses) != 1 || info.Addresses[0] != "https://127.0.0.1:"+strconv.Itoa(info.Port) {
		t.Fatalf("after restore: %+v", info)
	}
	// HTTPS with a certificate from the clinic's CA, made in the data dir on this first share.
	ca, err := lanhttps.LoadCA(dir)
	if err != nil || info.Fingerprint != ca.Fingerprint() || info.NameAddress != "https://chelal.local:"+strconv.Itoa(info.Port) {
		t.Fatalf("CA %v; info fingerprint %q, name address %q", err, info.Fingerprint, info.NameAddress)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	trusting := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	res, err := trusting.Get(info.Addresses[0] + "/x")
	if err != nil {
		t.Fatalf("HTTPS with the clinic CA: %v", err)
	}
	if b := body(t, res); b != "served /x" {
		t.Errorf("LAN HTTPS answer %q", b)
	}
	res.Body.Close()
	raw, ok := strings.CutPrefix(info.QRPNGDataURL, "data:image/png;base64,")
	if !ok {
		t.Fatalf("QR %q is not a PNG data URL", info.QRPNGDataURL[:min(40, len(info.QRPNGDataURL))])
	}
	pngBytes, err := base64.StdEncoding.DecodeString(raw)
	if err != nil {
		t.Fatal(err)
	}
	if img, err := png.Decode(bytes.NewReader(pngBytes)); err != nil || img.Bounds().Dx() < 100 {
		t.Fatalf("QR PNG: %v", err)
	}
	// Plain HTTP from this very computer (loopback) is still served.
	res, err = http.Get(fmt.Sprintf("http://127.0.0.1:%d/x", info.Port))
	if err != nil {
		t.Fatal(err)
	}
	if b := body(t, res); b != "served /x" {
		t.Errorf("LAN answer over loopback HTTP %q", b)
	}
	res.Body.Close()

	info, err = lan.Set(false)
	if err != nil || info.Enabled {
		t.Fatalf("Set(false) = %+v, %v", info, err)
	}
	if _, err := os.Stat(sf.path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the override saved settings: %v", err)
	}
	c := http.Client{Timeout: 2 * time.Second}
	if _, err := c.Get(fmt.Sprintf("http://127.0.0.1:%d/x", info.Port)); err == nil {
		t.Error("still listening after Set(false)")
	}
}

func TestLANSharingPersists(t *testing.T) {
	dir := t.TempDir()
	port := freePort(t)
	sf := &settingsFile{path: filepath.Join(dir, SettingsFileName), log: testLog(t)}
	if err := sf.save(settings{LANPort: port}); err != nil {
		t.Fatal(err)
	}
	h := http.NotFoundHandler()

	lan := newLANSharing(h, testLog(t), sf, "")
	lan.restore()
	if info := lan.Info(); info.Enabled || info.Port != port {
		t.Fatalf("sharing on without being asked: %+v", info)
	}
	info, err := lan.Set(true)
	if err != nil || !info.Enabled || info.Port != port {
		t.Fatalf("Set(true) = %+v, %v", info, err)
	}
	for _, a := range info.Addresses {
		if !strings.HasPrefix(a, "https://") || strings.Contains(a, "127.0.0.1") || !strings.HasSuffix(a, ":"+strconv.Itoa(port)) {
			t.Errorf("address %q", a)
		}
	}
	if s := sf.load(); !s.LANSharing || s.LANPort != port {
		t.Errorf("saved %+v", s)
	}
	if st, err := os.Stat(sf.path); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("settings file mode: %v %v", st.Mode(), err)
	}
	if err := lan.Close(); err != nil { // the window closes: sharing stops, the choice stays
		t.Fatal(err)
	}
	if s := sf.load(); !s.LANSharing {
		t.Error("closing forgot the choice")
	}

	// The next launch restores it, then the user turns it off.
	lan = newLANSharing(h, testLog(t), sf, "")
	lan.restore()
	if !lan.Info().Enabled {
		t.Fatal("not restored at the next launch")
	}
	// A second Chelal cannot take the port: it says so.
	other := newLANSharing(h, testLog(t), sf, "")
	if info, err := other.Set(true); err == nil || info.Enabled || info.Error == "" {
		t.Errorf("second listener on the same port: %+v, %v", info, err)
	}
	if _, err := lan.Set(false); err != nil {
		t.Fatal(err)
	}
	if s := sf.load(); s.LANSharing || s.LANPort != port {
		t.Errorf("after Set(false) saved %+v", s)
	}
}

func TestSettingsUnreadable(t *testing.T) {
	dir := t.TempDir()
	sf := &settingsFile{path: filepath.Join(dir, SettingsFileName), log: testLog(t)}
	if s := sf.load(); s != (settings{}) {
		t.Errorf("missing file: %+v", s)
	}
	if err := os.WriteFile(sf.path, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s := sf.load(); s != (settings{}) {
		t.Errorf("bad file: %+v", s)
	}
	if err := sf.save(settings{LANSharing: true, LANPort: 7400}); err != nil {
		t.Fatal(err)
	}
	if s := sf.load(); s != (settings{LANSharing: true, LANPort: 7400}) {
		t.Errorf("round trip: %+v", s)
	}
}

func TestInstanceID(t *testing.T) {
	a, b := InstanceID("/home/a/.local/share/chelal"), InstanceID("/home/b/.local/share/chelal")
	if a == b || a != InstanceID("/home/a/.local/share/chelal/") {
		t.Errorf("ids %q %q", a, b)
	}
	// Wails turns it into a D-Bus name: letters, digits, '-' (made '_') only.
	if !regexp.MustCompile(`^chelal-[0-9a-f]{16}$`).MatchString(a) {
		t.Errorf("id %q", a)
	}
}

func TestVirtualInterfacesLast(t *testing.T) {
	for name, want := range map[string]bool{"eth0": false, "enp3s0": false, "wlan0": false, "wlp2s0": false, "docker0": true, "br-1a2b": true, "veth12": true, "virbr0": true, "tailscale0": true} {
		if isVirtualInterface(name) != want {
			t.Errorf("isVirtualInterface(%q) = %v", name, !want)
		}
	}
}
