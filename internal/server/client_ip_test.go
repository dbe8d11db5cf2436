package server

import (
	"net/http"
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	t.Parallel()
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, remote, host, xff string
		trusted                 []netip.Prefix
		want                    string // "" means no IP
	}{
		{"peer", "192.168.1.20:5555", "clinic", "", nil, "192.168.1.20"},
		{"IPv6 peer", "[fe80::1]:5555", "clinic", "", nil, "fe80::1"},
		{"IPv4-mapped peer", "[::ffff:192.168.1.7]:80", "clinic", "", nil, "192.168.1.7"},
		{"forwarded header ignored by default", "192.168.1.20:5555", "clinic", "203.0.113.9", nil, "192.168.1.20"},
		{"forwarded header from an untrusted peer", "192.168.1.20:5555", "clinic", "203.0.113.9", proxies, "192.168.1.20"},
		{"trusted proxy", "10.1.2.3:5555", "clinic", "203.0.113.9", proxies, "203.0.113.9"},
		{"trusted proxy chain", "10.1.2.3:5555", "clinic", "198.51.100.1, 203.0.113.9, 10.9.9.9", proxies, "203.0.113.9"},
		{"forged hop ignored", "10.1.2.3:5555", "clinic", "garbage, 203.0.113.9", proxies, "203.0.113.9"},
		{"unparsable nearest hop", "10.1.2.3:5555", "clinic", "203.0.113.9, garbage", proxies, "10.1.2.3"},
		{"trusted proxy without header", "10.1.2.3:5555", "clinic", "", proxies, "10.1.2.3"},
		{"desktop webview", "192.0.2.1:1234", "wails", "", nil, "127.0.0.1"},
		{"desktop webview (WebView2)", "192.0.2.1:1234", "wails.localhost", "", nil, "127.0.0.1"},
		{"same address, another host", "192.0.2.1:1234", "clinic", "", nil, "192.0.2.1"},
		{"bad remote address", "pipe", "clinic", "", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/api/v1/health", nil)
			r.RemoteAddr, r.Host = tc.remote, tc.host
			if tc.xff != "" {
				r.Header.Set("X-Forwarded-For", tc.xff)
			}
			got := clientIP(r, tc.trusted)
			if tc.want == "" {
				if got.IsValid() {
					t.Errorf("got %v, want no IP", got)
				}
				return
			}
			if got != netip.MustParseAddr(tc.want) {
				t.Errorf("got %v, want %s", got, tc.want)
			}
		})
	}
}

// TestClientIPThroughMiddleware checks that handlers see the address the middleware computed
// with the configured trusted proxies.
func TestClientIPThroughMiddleware(t *testing.T) {
	t.Parallel()
	var seen netip.Addr
	h := withClientIP([]netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		seen = ClientIP(r)
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "10.0.0.5:1000"
	r.Header.Set("X-Forwarded-For", "198.51.100.7")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if seen != netip.MustParseAddr("198.51.100.7") {
		t.Errorf("handler saw %v", seen)
	}
	plain := httptest.NewRequest("GET", "/", nil)
	plain.RemoteAddr = "10.0.0.5:1000"
	plain.Header.Set("X-Forwarded-For", "198.51.100.7")
	if got := ClientIP(plain); got != netip.MustParseAddr("10.0.0.5") {
		t.Errorf("outside the middleware ClientIP = %v, want the peer", got)
	}
}
