package server

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"chelal/internal/apperr"
)

// contextKey keys this package's values in a request context.
type contextKey int

const (
	requestIDKey contextKey = iota
	clientIPKey
)

// RequestIDHeader carries the request id both ways.
const RequestIDHeader = "X-Request-Id"

// RequestID returns the id of the request ctx belongs to, or "" outside a request.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey).(string)
	return id
}

// validRequestID accepts an incoming id of 1 to 64 characters from [A-Za-z0-9-], so a
// client's id can be logged and echoed without injecting anything.
func validRequestID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// withRequestID gives every request an id: the client's X-Request-Id when sane, a new UUID
// otherwise. The id goes into the context and the response header.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(RequestIDHeader)
		if !validRequestID(id) {
			id = uuid.NewString()
		}
		w.Header().Set(RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// The desktop webview does not come over the network: Wails hands its requests to the
// handler with this made-up remote address (the httptest default, in TEST-NET-1) and Host
// "wails" (WebKitGTK, macOS) or "wails.localhost" (WebView2). Its real client is the person at
// this very machine, so ClientIP reports it as loopback (127.0.0.1), never as the fake address.
const (
	webviewRemoteAddr = "192.0.2.1:1234"
)

func isWebview(r *http.Request) bool {
	if r.RemoteAddr != webviewRemoteAddr {
		return false
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	return host == "wails" || host == "wails.localhost"
}

// ClientIP returns the address of the client that made r: the peer's address, or, when the
// peer is one of Deps.TrustedProxies, the nearest untrusted address of X-Forwarded-For.
// It returns 127.0.0.1 for the desktop webview (the user at this machine), and the zero
// netip.Addr (IsValid false: "no IP", db.Actor.IP) when the address cannot be parsed. The server computes it
// once per request; outside the server's middleware it falls back to the peer's address.
func ClientIP(r *http.Request) netip.Addr {
	if ip, ok := r.Context().Value(clientIPKey).(netip.Addr); ok {
		return ip
	}
	return clientIP(r, nil)
}

// clientIP works out the client's address, trusting X-Forwarded-For only from trusted peers.
func clientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	if isWebview(r) {
		return netip.AddrFrom4([4]byte{127, 0, 0, 1})
	}
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	var peer netip.Addr
	if err == nil {
		peer = ap.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		peer = a.Unmap()
	} else {
		return netip.Addr{}
	}
	if !isTrusted(peer, trusted) {
		return peer
	}
	// Walk X-Forwarded-For from the nearest hop back; the first address not of a trusted
	// proxy is the client. Anything unparsable stops the walk: hops before it are forged.
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !isTrusted(client, trusted) {
			break
		}
	}
	return client
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// withClientIP stores the client's address in the context for ClientIP.
func withClientIP(trusted []netip.Prefix, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ip := clientIP(r, trusted)
		ctx := context.WithValue(r.Context(), clientIPKey, ip)
		if forwardedHTTPS(r, trusted) {
			ctx = context.WithValue(ctx, httpsKey{}, true)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// statusWriter records the status and size of an answer. It keeps http.Flusher (server-sent
// events) and, through Unwrap, everything http.ResponseController reaches. When it knows when
// the request came (withAccessLog), the answer says how long the server took until its status
// went out, as "Server-Timing: app;dur=MS" (a standard header the browser's developer tools
// show; bench/events reads it to tell the server's time from the client machine's).
type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int64
	start  time.Time
}

// observe wraps w in a statusWriter unless it already is one.
func observe(w http.ResponseWriter) *statusWriter {
	if sw, ok := w.(*statusWriter); ok {
		return sw
	}
	return &statusWriter{ResponseWriter: w}
}

func (w *statusWriter) WriteHeader(status int) {
	if w.status == 0 && status >= 200 {
		w.status = status
		w.timing()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
		w.timing()
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// timing sets the Server-Timing header, just before the status goes out.
func (w *statusWriter) timing() {
	if w.start.IsZero() {
		return
	}
	ms := float64(time.Since(w.start).Microseconds()) / 1000
	w.Header().Set("Server-Timing", "app;dur="+strconv.FormatFloat(ms, 'f', 1, 64))
}

// Flush sends buffered data to the client.
func (w *statusWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush with its error (http.ResponseController prefers it: a stream learns its
// client is gone, and no controller is made per flush).
func (w *statusWriter) FlushError() error {
	if w.status == 0 {
		w.status = http.StatusOK
		w.timing()
	}
	if f, ok := w.ResponseWriter.(interface{ FlushError() error }); ok {
		return f.FlushError()
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands over the connection (never used by the API; kept for completeness).
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer for http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// wrote says whether the status line has gone out.
func (w *statusWriter) wrote() bool { return w.status != 0 }

// withAccessLog logs one line per request: method, path (never the query, which may hold a
// token, and never a body), status, bytes, duration, request id and client IP.
func withAccessLog(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := observe(w)
		sw.start = start
		defer func() {
			status := sw.status
			if status == 0 {
				status = http.StatusOK // nothing written: net/http answers 200
			}
			level := slog.LevelInfo
			if status >= 500 {
				level = slog.LevelError
			}
			ip := ""
			if a := ClientIP(r); a.IsValid() {
				ip = a.String()
			}
			log.LogAttrs(r.Context(), level, "http request",
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.Int("status", status),
				slog.Int64("bytes", sw.bytes),
				slog.Duration("duration", time.Since(start)),
				slog.String("request_id", RequestID(r.Context())),
				slog.String("remote_ip", ip))
		}()
		next.ServeHTTP(sw, r)
	})
}

// ContentSecurityPolicy is sent with every answer: only this origin, no plugins, no framing.
const ContentSecurityPolicy = "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// PermissionsPolicy denies powerful browser features but the camera and microphone of this
// origin (video consultations; never another site framed in).
const PermissionsPolicy = "camera=(self), microphone=(self), geolocation=()"

// withSecurityHeaders sets the strict security headers on every answer, and no-store on the
// API so that no patient data lands in a browser or proxy cache.
func withSecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", ContentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", PermissionsPolicy)
		if isAPI(r.URL.Path) {
			h.Set("Cache-Control", "no-store")
		}
		if isHTTPS(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000")
		}
		next.ServeHTTP(w, r)
	})
}

// isAPI says whether path belongs to the JSON API.
func isAPI(path string) bool {
	return path == "/api" || strings.HasPrefix(path, "/api/")
}

// withRecovery turns a handler's panic into a 500 problem with the request id, logs the
// panic and its stack, and lets the server go on serving. http.ErrAbortHandler is passed on
// (it is how a handler aborts a response on purpose), and so is a panic after the answer
// has begun: the half-sent answer cannot be repaired, and net/http then drops the connection
// so the client does not mistake it for a whole one.
func withRecovery(log *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := observe(w)
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if err, ok := v.(error); ok && errors.Is(err, http.ErrAbortHandler) {
				panic(v)
			}
			log.LogAttrs(r.Context(), slog.LevelError, "panic serving request",
				slog.String("request_id", RequestID(r.Context())),
				slog.String("method", r.Method),
				slog.String("path", r.URL.Path),
				slog.String("panic", fmt.Sprint(v)),
				slog.String("stack", string(debug.Stack())))
			if sw.wrote() {
				panic(http.ErrAbortHandler)
			}
			writeProblem(sw, newProblem(r, kindProblems[apperr.ErrInternal], "An unexpected error occurred. Quote request id "+RequestID(r.Context())+" to support."))
		}()
		next.ServeHTTP(sw, r)
	})
}

// limitBody caps r's body at n bytes: a declared length over n is refused at once with 413,
// and reading past n fails with *http.MaxBytesError, which decodeJSON turns into 413.
func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > n {
			writeProblem(w, tooLargeProblem(r, n))
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		next.ServeHTTP(w, r)
	})
}
