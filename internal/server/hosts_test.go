package server

import (
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"chelal/internal/auth"
)

// fakeMachine is a machine whose addresses and hostname a test changes.
type fakeMachine struct {
	mu    sync.Mutex
	addrs []string // CIDR
	name  string
	now   time.Time
}

func (m *fakeMachine) policy(configured ...string) *hostPolicy {
	p := newHostPolicy(configured)
	p.interfaceAddrs = func() ([]net.Addr, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		var out []net.Addr
		for _, a := range m.addrs {
			ip, n, err := net.ParseCIDR(a)
			if err != nil {
				return nil, err
			}
			n.IP = ip
			out = append(out, n)
		}
		return out, nil
	}
	p.hostname = func() (string, error) {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.name, nil
	}
	p.now = func() time.Time {
		m.mu.Lock()
		defer m.mu.Unlock()
		return m.now
	}
	return p
}

func TestHostPolicy(t *testing.T) {
	t.Parallel()
	m := &fakeMachine{addrs: []string{"127.0.0.1/8", "::1/128", "192.168.1.20/24", "fe80::1c2:3ff:fe44:5566/64"},
		name: "Reception-PC", now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	p := m.policy("chelal.clinic.lan", "203.0.113.7:8443", "")
	tests := []struct {
		host string
		want bool
	}{
		{"localhost", true},
		{"localhost:7300", true},
		{"LOCALHOST.:7300", true},
		{"127.0.0.1", true},
		{"127.0.0.1:7300", true},
		{"127.8.9.10:7300", true}, // all of 127/8 is this machine
		{"[::1]:7300", true},
		{"[::1]", true},
		{"wails", true},
		{"wails.localhost", true},
		{"192.168.1.20:7300", true},
		{"192.168.1.20", true},
		{"[fe80::1c2:3ff:fe44:5566]:7300", true},
		{"reception-pc:7300", true},
		{"Reception-PC.local:7300", true},
		{"chelal.clinic.lan", true},
		{"chelal.clinic.lan:7300", true},
		{"203.0.113.7", true},

		{"evil.example", false},
		{"attacker.rebind.network:7300", false},
		{"192.168.1.21:7300", false}, // a neighbour, not this machine
		{"10.0.0.1", false},
		{"localhost.evil.example", false},
		{"reception-pc.evil.example", false},
		{"", false},
		{":7300", false},
		{"user@localhost", false},
	}
	for _, tc := range tests {
		if got := p.allowed(tc.host); got != tc.want {
			t.Errorf("allowed(%q) = %v, want %v", tc.host, got, tc.want)
		}
	}
}

// An address the machine gains (a new DHCP lease, another network) is served without a
// restart, and one it loses is refused again once the addresses are reread.
func TestHostPolicyFollowsTheInterfaces(t *testing.T) {
	t.Parallel()
	m := &fakeMachine{addrs: []string{"192.168.1.20/24"}, name: "pc", now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	p := m.policy()
	if !p.allowed("192.168.1.20:7300") || p.allowed("10.1.2.3:7300") {
		t.Fatal("first read wrong")
	}
	m.mu.Lock()
	m.addrs = []string{"10.1.2.3/16"}
	m.now = m.now.Add(hostMissRefresh)
	m.mu.Unlock()
	if !p.allowed("10.1.2.3:7300") {
		t.Error("a new address is refused after a miss")
	}
	m.mu.Lock()
	m.now = m.now.Add(hostAddrsTTL)
	m.mu.Unlock()
	if p.allowed("192.168.1.20:7300") {
		t.Error("an address the machine lost is still served")
	}
}

// A DNS-rebinding page reaches the server with its own name in Host: setup, login and every
// other route refuse it with a 421 problem before doing anything.
func TestForeignHostRefused(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	anon := a.anonymous("127.0.0.1")
	setup := setupBody()
	for _, host := range []string{"evil.example", "attacker.rebind.network:7300", "192.0.2.55"} {
		for _, rq := range []struct {
			method, path string
			body         any
		}{
			{"GET", "/api/v1/setup", nil},
			{"POST", "/api/v1/setup", setup},
			{"POST", "/api/v1/auth/login", map[string]any{"username": "admin", "password": testPassword}},
			{"GET", "/api/v1/health", nil},
			{"GET", "/", nil},
		} {
			w := anon.do(rq.method, rq.path, rq.body, "Host", host)
			problemOfType(t, w, http.StatusMisdirectedRequest, "misdirected-request")
		}
	}
	// Nothing was set up by the refused requests.
	if m := expect(t, anon.do("GET", "/api/v1/setup", nil), 200); m["needed"] != true {
		t.Fatal("a refused setup created the administrator")
	}
	expect(t, anon.do("POST", "/api/v1/setup", setup, "Host", "127.0.0.1:7300"), 201)
	c := a.anonymous("127.0.0.1")
	w := c.do("POST", "/api/v1/auth/login", map[string]any{"username": "admin", "password": testPassword}, "Host", "[::1]:7300")
	if w.Code != http.StatusOK {
		t.Fatalf("login on [::1]: %d %s", w.Code, w.Body)
	}
	c.takeSession(w)
	expect(t, c.do("GET", "/api/v1/patients", nil, "Host", "localhost:7300"), 200)
	expect(t, c.do("GET", "/api/v1/patients", nil, "Host", "wails"), 200)
	problemOf(t, c.do("GET", "/api/v1/patients", nil, "Host", "evil.example:7300"), http.StatusMisdirectedRequest)
}
