package server

import (
	"net"
	"net/http"
	"net/netip"
	"os"
	"strings"
	"sync"
	"time"

	"chelal/internal/lan"
)

// A DNS-rebinding page (attacker.example, its DNS then pointed at 127.0.0.1 or the clinic's
// LAN address) is the same origin to the browser as its own site, so SameSite cookies and the
// Origin check do not stop it from reaching setup or login. What it cannot change is the Host
// header, which names the attacker's domain: the server answers only requests for a Host it
// serves, and refuses the rest before any handler.

// probMisdirected answers a request whose Host Chelal does not serve.
var probMisdirected = problemKind{http.StatusMisdirectedRequest, "misdirected-request", "Unknown host name"}

// hostAddrsTTL is how long the machine's interface addresses are trusted before they are
// read again (a DHCP lease renewed, a Wi-Fi network joined).
const hostAddrsTTL = 30 * time.Second

// hostMissRefresh is the least time between two rereads forced by an unknown address, so a
// stream of foreign Hosts cannot make every request enumerate the interfaces.
const hostMissRefresh = time.Second

// hostPolicy decides which Host headers the server answers: loopback, the desktop webview's
// "wails" hosts, the machine's interface addresses, its hostname (and hostname.local), and
// the names an administrator configured (Deps.HostNames).
type hostPolicy struct {
	fixed map[string]bool // lower-case names and canonical IP literals always allowed

	// Read the machine; replaced in tests.
	interfaceAddrs func() ([]net.Addr, error)
	hostname       func() (string, error)
	now            func() time.Time

	mu      sync.Mutex
	machine map[string]bool // interface addresses and hostnames, as of read
	read    time.Time
}

// newHostPolicy allows the standard hosts plus configured (names or IP literals, with or
// without a port; empty entries are skipped).
func newHostPolicy(configured []string) *hostPolicy {
	p := &hostPolicy{
		fixed:          map[string]bool{"localhost": true, "wails": true, "wails.localhost": true},
		interfaceAddrs: net.InterfaceAddrs,
		hostname:       os.Hostname,
		now:            time.Now,
	}
	for _, c := range configured {
		if h := canonicalHost(c); h != "" {
			p.fixed[h] = true
		}
	}
	return p
}

// canonicalHost reduces a Host header to what is compared: no port, no brackets, no
// trailing dot, lower case; an IP literal in its canonical form (IPv4-mapped unmapped, zone
// dropped). It returns "" for an empty or malformed host.
func canonicalHost(host string) string {
	host = strings.TrimSpace(host)
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if a, err := netip.ParseAddr(host); err == nil {
		return a.WithZone("").Unmap().String()
	}
	if host == "" || strings.ContainsAny(host, "/@[]: ") {
		return ""
	}
	return host
}

// allowed says whether the server answers requests for host (a Host header).
func (p *hostPolicy) allowed(host string) bool {
	h := canonicalHost(host)
	if h == "" {
		return false
	}
	if p.fixed[h] {
		return true
	}
	if a, err := netip.ParseAddr(h); err == nil && a.IsLoopback() {
		return true
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if p.machine == nil || now.Sub(p.read) >= hostAddrsTTL {
		p.readMachine(now)
	} else if !p.machine[h] && now.Sub(p.read) >= hostMissRefresh {
		p.readMachine(now) // a new address or name since the last read
	}
	return p.machine[h]
}

// readMachine reads the interface addresses and hostname; p.mu is held. A failed read leaves
// only what could be read: loopback and configured names keep working.
func (p *hostPolicy) readMachine(now time.Time) {
	m := map[string]bool{}
	if addrs, err := p.interfaceAddrs(); err == nil {
		for _, a := range addrs {
			if na, ok := lan.AddrOf(a); ok {
				m[na.String()] = true
			}
		}
	}
	if name, err := p.hostname(); err == nil {
		if n := canonicalHost(name); n != "" {
			short, _, _ := strings.Cut(n, ".")
			for _, v := range []string{n, n + ".local", short, short + ".local"} {
				m[v] = true
			}
		}
	}
	p.machine, p.read = m, now
}

// withAllowedHosts refuses, with a 421 problem, a request whose Host the policy does not
// allow: before any route, setup and login included.
func withAllowedHosts(p *hostPolicy, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !p.allowed(r.Host) {
			writeProblem(w, newProblem(r, probMisdirected,
				"This server does not answer for the host name in the address. Open Chelal by this computer's address or name, or ask an administrator to add the name (CHELAL_HOST_NAMES)."))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// HostChecker returns the Host check the server applies for the configured names, for the LAN
// listener's plain-HTTP side, which answers before the server does (internal/lan).
func HostChecker(configured []string) func(host string) bool {
	return newHostPolicy(configured).allowed
}
