package server

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"

	"chelal/internal/auth"
	"chelal/internal/db/dbtest"
	"chelal/internal/patients"
)

// TestSecureCookieAndHSTSOnlyOverHTTPS: the session cookie is Secure and HSTS is sent when
// the browser reached Chelal over HTTPS (its own TLS, or a trusted reverse proxy saying
// X-Forwarded-Proto: https), never on plain HTTP, and a forged X-Forwarded-Proto from anyone
// else changes nothing. Behind the proxy the audit log records the client's address.
func TestSecureCookieAndHSTSOnlyOverHTTPS(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	hasher := auth.NewHasher(auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	svc := auth.NewService(d, hasher, box, auth.Config{ProfileImageDir: t.TempDir()})
	a := &api{t: t, db: d, auth: svc, roles: map[string]int64{}}
	log := slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
	a.h = New(Deps{Log: log, DB: d, Auth: svc, Patients: patients.NewService(d),
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32")}})
	var doctor int64
	if err := d.Pool.QueryRow(context.Background(), `SELECT id FROM core_role WHERE name = 'doctor'`).Scan(&doctor); err != nil {
		t.Fatal(err)
	}
	a.roles["doctor"] = doctor

	tests := []struct {
		name, peer, proto string
		tls               bool
		secure            bool
		auditIP           string
	}{
		{"Chelal's own TLS", "192.168.1.30", "", true, true, "192.168.1.30"},
		{"plain HTTP (loopback)", "127.0.0.1", "", false, false, "127.0.0.1"},
		{"forged X-Forwarded-Proto from a workstation", "192.168.1.31", "https", false, false, "192.168.1.31"},
		{"trusted proxy over HTTPS", "10.0.0.5", "https", false, true, "192.168.1.44"},
		{"trusted proxy over HTTP", "10.0.0.5", "http", false, false, "192.168.1.44"},
	}
	for i, tc := range tests {
		user := "doc" + string(rune('a'+i))
		a.newUser(user, "doctor")
		body := `{"username":"` + user + `","password":"` + testPassword + `"}`
		r := httptest.NewRequest("POST", "/api/v1/auth/login", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		r.RemoteAddr, r.Host = tc.peer+":40000", "localhost"
		if tc.tls {
			r.TLS = &tls.ConnectionState{Version: tls.VersionTLS13, HandshakeComplete: true}
		}
		if tc.proto != "" {
			r.Header.Set("X-Forwarded-Proto", tc.proto)
			r.Header.Set("X-Forwarded-For", "192.168.1.44")
		}
		w := httptest.NewRecorder()
		a.h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			t.Fatalf("%s: login %d %s", tc.name, w.Code, w.Body)
		}
		var session *http.Cookie
		for _, c := range w.Result().Cookies() {
			if c.Name == SessionCookie {
				session = c
			}
		}
		if session == nil || session.Secure != tc.secure {
			t.Errorf("%s: session cookie %+v, want Secure=%v", tc.name, session, tc.secure)
		}
		if hsts := w.Header().Get("Strict-Transport-Security"); (hsts != "") != tc.secure {
			t.Errorf("%s: Strict-Transport-Security %q, want sent=%v", tc.name, hsts, tc.secure)
		}
		var ip string
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := d.Pool.QueryRow(ctx, `SELECT host(ip_address) FROM core_auditlog WHERE action = 'login' AND user_id = (SELECT id FROM auth_user WHERE username = $1) ORDER BY id DESC LIMIT 1`, user).Scan(&ip)
		cancel()
		if err != nil || ip != tc.auditIP {
			t.Errorf("%s: audited from %q (%v), want %s", tc.name, ip, err, tc.auditIP)
		}
	}
}

// TestHostCheckerForThePlainSide: the LAN listener's plain-HTTP side refuses what the server
// refuses (a DNS-rebinding name) and answers the configured names (the mDNS name among them).
func TestHostCheckerForThePlainSide(t *testing.T) {
	t.Parallel()
	check := HostChecker([]string{"kliniki.local", "chelal.clinic.lan"})
	for host, want := range map[string]bool{
		"kliniki.local:7300": true, "KLINIKI.local.": true, "chelal.clinic.lan": true, "localhost:7300": true, "127.0.0.1:7300": true,
		"chelal.local": false, "attacker.example:7300": false, "": false,
	} {
		if got := check(host); got != want {
			t.Errorf("HostChecker(%q) = %v, want %v", host, got, want)
		}
	}
}
