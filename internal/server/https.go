package server

import (
	"net/http"
	"net/netip"
	"strings"
)

// httpsKey marks, in a request's context, a request that a trusted reverse proxy received over
// HTTPS (X-Forwarded-Proto: https).
type httpsKey struct{}

// isHTTPS says whether the client reached Chelal over HTTPS: directly (Chelal's own TLS), or
// through a trusted reverse proxy that says so. Cookies are then Secure and HSTS is sent; a
// client that forged X-Forwarded-Proto without being a trusted proxy changes nothing.
func isHTTPS(r *http.Request) bool {
	if r.TLS != nil {
		return true
	}
	v, _ := r.Context().Value(httpsKey{}).(bool)
	return v
}

// forwardedHTTPS says whether r comes from a trusted proxy that received it over HTTPS.
func forwardedHTTPS(r *http.Request, trusted []netip.Prefix) bool {
	if len(trusted) == 0 {
		return false
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !isTrusted(ap.Addr().Unmap(), trusted) {
		return false
	}
	first, _, _ := strings.Cut(r.Header.Get("X-Forwarded-Proto"), ",")
	return strings.EqualFold(strings.TrimSpace(first), "https")
}
