package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db/dbtest"
)

// echoInput exercises decodeJSON through a test-only route.
type echoInput struct {
	Name    string `json:"name"`
	Age     int    `json:"age"`
	Address struct {
		City string `json:"city"`
	} `json:"address"`
	Tags []string `json:"tags,omitempty"`
}

// testErrors are what GET /api/v1/test/error/{kind} fails with.
var testErrors = map[string]error{
	"not_found":    fmt.Errorf("get patient 7: %w", apperr.ErrNotFound),
	"conflict":     apperr.New(apperr.ErrConflict, "That time slot is already booked.").WithCode("double-booking"),
	"stale":        fmt.Errorf("update: %w", apperr.Wrap(apperr.ErrConflict, errors.New("version 3 != 4"), "The record changed meanwhile.").WithCode("stale-version")),
	"invalid":      apperr.Fields{{Field: "first_name", Code: apperr.CodeRequired, Message: "Required."}, {Field: "date_of_birth", Code: apperr.CodeInvalid, Message: "Not a date."}}.Err(),
	"forbidden":    apperr.ErrForbidden,
	"unauthorized": apperr.New(apperr.ErrUnauthorized, "A one-time code is required.").WithCode("otp-required"),
	"too_many":     apperr.ErrTooManyRequests,
	"unavailable":  apperr.ErrUnavailable,
	"internal":     fmt.Errorf("query: %w", errors.New("secret-cause: password=hunter2")),
	"internal_msg": apperr.New(apperr.ErrInternal, "secret internal message"),
	"deadline":     fmt.Errorf("query: %w", context.DeadlineExceeded),
}

// testRoutes are routes production never serves, to drive helpers and middleware.
func testRoutes(s *server) []route {
	echo := func(w http.ResponseWriter, r *http.Request) {
		var in echoInput
		if err := decodeJSON(r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeJSON(w, r, http.StatusOK, in)
	}
	ok := func(w http.ResponseWriter, r *http.Request) {
		s.writeJSON(w, r, http.StatusOK, map[string]bool{"ok": true})
	}
	return []route{
		{method: "POST", path: "/api/v1/test/echo", perm: PermPublic, op: "testEcho", tag: "test", summary: "Echo", in: echoInput{}, out: echoInput{}, handler: echo},
		{method: "POST", path: "/api/v1/test/small", perm: PermPublic, op: "testSmall", tag: "test", summary: "Echo, 64 bytes at most", in: echoInput{}, out: echoInput{}, maxBody: 64, handler: echo},
		{method: "GET", path: "/api/v1/test/panic", perm: PermPublic, op: "testPanic", tag: "test", summary: "Panics with ?boom", handler: func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Query().Has("boom") {
				w.Header().Set("Content-Type", "application/json")
				panic("boom: the handler failed")
			}
			ok(w, r)
		}},
		{method: "GET", path: "/api/v1/test/abort", perm: PermPublic, op: "testAbort", tag: "test", summary: "Aborts", handler: func(w http.ResponseWriter, r *http.Request) {
			panic(http.ErrAbortHandler)
		}},
		{method: "GET", path: "/api/v1/test/late-panic", perm: PermPublic, op: "testLatePanic", tag: "test", summary: "Panics mid-answer", handler: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"partial":`)
			panic("late")
		}},
		{method: "GET", path: "/api/v1/test/error/{kind}", perm: PermPublic, op: "testError", tag: "test", summary: "Fails with a kind", errs: []int{404}, handler: func(w http.ResponseWriter, r *http.Request) {
			err, found := testErrors[r.PathValue("kind")]
			if !found {
				err = apperr.ErrNotFound
			}
			s.writeError(w, r, err)
		}},
		{method: "GET", path: "/api/v1/test/private", perm: PermAuthenticated, op: "testPrivate", tag: "test", summary: "Needs a login", handler: ok},
	}
}

// newTestServer returns a server with the test routes and a captured log.
func newTestServer(t *testing.T, d Deps) (*server, *logBuffer) {
	t.Helper()
	log, buf := testLogger(t)
	d.Log = log
	if d.Version == "" {
		d.Version = "1.2.3-test"
	}
	return newServer(d, testRoutes), buf
}

func TestHealth(t *testing.T) {
	t.Parallel()
	healthy := dbtest.New(t)
	closed := dbtest.New(t)
	closed.Close()

	tests := []struct {
		name     string
		deps     Deps
		status   int
		database string
	}{
		{"database answers", Deps{DB: healthy}, http.StatusOK, "ok"},
		{"pool closed", Deps{DB: closed}, http.StatusServiceUnavailable, "unavailable"},
		{"no database", Deps{}, http.StatusServiceUnavailable, "unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, _ := newTestServer(t, tc.deps)
			w := serve(t, s.handler, request{method: "GET", target: "/api/v1/health"})
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d: %s", w.Code, tc.status, w.Body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type %q", ct)
			}
			body := decodeBody(t, w)
			if body["database"] != tc.database || body["version"] != "1.2.3-test" {
				t.Errorf("body %v, want database %q and version 1.2.3-test", body, tc.database)
			}
			wantStatus := "ok"
			if tc.status != http.StatusOK {
				wantStatus = "unavailable"
			}
			if body["status"] != wantStatus {
				t.Errorf("status field %v, want %q", body["status"], wantStatus)
			}
		})
	}
}

// TestHealthPublicHandler goes through New, the constructor the CLI calls.
func TestHealthPublicHandler(t *testing.T) {
	t.Parallel()
	h := New(Deps{DB: dbtest.New(t), Version: "9.9.9"})
	w := serve(t, h, request{method: "GET", target: "/api/v1/health"})
	if w.Code != http.StatusOK || decodeBody(t, w)["version"] != "9.9.9" {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
}

func TestRouting(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Deps{})
	tests := []struct {
		name   string
		req    request
		status int
		slug   string
		allow  string
	}{
		{"unknown API route", request{method: "GET", target: "/api/v1/nope"}, 404, "not-found", ""},
		{"unknown API version", request{method: "GET", target: "/api/v2/health"}, 404, "not-found", ""},
		{"API root", request{method: "GET", target: "/api/"}, 404, "not-found", ""},
		{"unknown POST", request{method: "POST", target: "/api/v1/nope", body: "{}"}, 404, "not-found", ""},
		{"non-API path", request{method: "GET", target: "/index.html"}, 404, "not-found", ""},
		{"site root", request{method: "GET", target: "/"}, 404, "not-found", ""},
		{"wrong method", request{method: "POST", target: "/api/v1/health", body: "{}"}, 405, "method-not-allowed", "GET, HEAD"},
		{"DELETE on a POST route", request{method: "DELETE", target: "/api/v1/test/echo"}, 405, "method-not-allowed", "POST"},
		{"fail closed without auth", request{method: "GET", target: "/api/v1/test/private"}, 401, "unauthorized", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := serve(t, s.handler, tc.req)
			problemOfType(t, w, tc.status, tc.slug)
			if got := w.Header().Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}
}

func TestErrorKinds(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t, Deps{})
	tests := []struct {
		kind   string
		status int
		typ    string // problem type slug
		detail string // part of the detail
		fields int
	}{
		{"not_found", 404, "not-found", "does not exist", 0},
		{"conflict", 409, "double-booking", "already booked", 0},
		{"stale", 409, "stale-version", "changed meanwhile", 0},
		{"invalid", 422, "invalid", "invalid", 2},
		{"forbidden", 403, "forbidden", "not allowed", 0},
		{"unauthorized", 401, "otp-required", "one-time code", 0},
		{"too_many", 429, "too-many-requests", "try again", 0},
		{"unavailable", 503, "unavailable", "unavailable", 0},
		{"internal", 500, "internal", "request id", 0},
		{"internal_msg", 500, "internal", "request id", 0},
		{"deadline", 503, "unavailable", "too long", 0},
	}
	for _, tc := range tests {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			w := serve(t, s.handler, request{method: "GET", target: "/api/v1/test/error/" + tc.kind})
			p := problemOfType(t, w, tc.status, tc.typ)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, tc.detail)
			}
			if strings.Contains(w.Body.String(), "secret") || strings.Contains(w.Body.String(), "version 3") {
				t.Errorf("the cause leaked to the client: %s", w.Body)
			}
			if len(p.Errors) != tc.fields {
				t.Errorf("%d field errors, want %d: %s", len(p.Errors), tc.fields, w.Body)
			}
			if p.Instance != "/api/v1/test/error/"+tc.kind {
				t.Errorf("instance %q", p.Instance)
			}
		})
	}
	t.Run("internal cause logged with the request id", func(t *testing.T) {
		t.Parallel()
		w := serve(t, s.handler, request{method: "GET", target: "/api/v1/test/error/internal", header: map[string]string{RequestIDHeader: "trace-internal-1"}})
		problemOf(t, w, 500)
		found := false
		for line := range strings.Lines(logs.String()) {
			if strings.Contains(line, "hunter2") && strings.Contains(line, "trace-internal-1") {
				found = true
			}
		}
		if !found {
			t.Errorf("no log line with the cause and the request id:\n%s", logs)
		}
	})
}

func TestDecodeJSON(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Deps{})
	huge := `{"name":"` + strings.Repeat("a", int(DefaultMaxBodyBytes)) + `"}`
	tests := []struct {
		name   string
		req    request
		status int
		slug   string
		detail string // part of the detail
		field  string // the field named in errors, if any
		code   string
	}{
		{"oversize with length", request{method: "POST", target: "/api/v1/test/echo", body: huge}, 413, "payload-too-large", "1048576 bytes", "", ""},
		{"oversize chunked", request{method: "POST", target: "/api/v1/test/echo", body: huge, chunked: true}, 413, "payload-too-large", "1048576 bytes", "", ""},
		{"oversize for the route's limit", request{method: "POST", target: "/api/v1/test/small", body: `{"name":"` + strings.Repeat("b", 100) + `"}`, chunked: true}, 413, "payload-too-large", "64 bytes", "", ""},
		{"malformed", request{method: "POST", target: "/api/v1/test/echo", body: `{"name": "x",, }`}, 400, "bad-request", "offset 14", "", ""},
		{"truncated", request{method: "POST", target: "/api/v1/test/echo", body: `{"name": "x"`}, 400, "bad-request", "ends early", "", ""},
		{"empty", request{method: "POST", target: "/api/v1/test/echo", header: map[string]string{"Content-Type": "application/json"}}, 400, "bad-request", "empty", "", ""},
		{"two values", request{method: "POST", target: "/api/v1/test/echo", body: `{"name":"x"} {"name":"y"}`}, 400, "bad-request", "one JSON value", "", ""},
		{"wrong type", request{method: "POST", target: "/api/v1/test/echo", body: `{"name":"x","age":"twelve"}`}, 422, "invalid", "wrong type", "age", apperr.CodeInvalidType},
		{"wrong nested type", request{method: "POST", target: "/api/v1/test/echo", body: `{"address":{"city":5}}`}, 422, "invalid", "wrong type", "address.city", apperr.CodeInvalidType},
		{"not an object", request{method: "POST", target: "/api/v1/test/echo", body: `[1,2]`}, 422, "invalid", "must be a JSON object", "$", apperr.CodeInvalidType},
		{"unknown field", request{method: "POST", target: "/api/v1/test/echo", body: `{"name":"x","is_admin":true}`}, 400, "bad-request", "is_admin", "is_admin", apperr.CodeUnknownField},
		{"not JSON", request{method: "POST", target: "/api/v1/test/echo", body: `name=x`, header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported-media-type", "application/json", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := serve(t, s.handler, tc.req)
			p := problemOfType(t, w, tc.status, tc.slug)
			if !strings.Contains(p.Detail, tc.detail) {
				t.Errorf("detail %q lacks %q", p.Detail, tc.detail)
			}
			if tc.field == "" {
				if len(p.Errors) != 0 {
					t.Errorf("unexpected field errors %v", p.Errors)
				}
				return
			}
			if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.code || p.Errors[0].Message == "" {
				t.Errorf("field errors %+v, want one for %q with code %q", p.Errors, tc.field, tc.code)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		w := serve(t, s.handler, request{method: "POST", target: "/api/v1/test/echo", body: `{"name":"Abebe","age":41,"address":{"city":"Adama"}}` + "\n"})
		if w.Code != 200 {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		b := decodeBody(t, w)
		if b["name"] != "Abebe" || b["age"] != float64(41) {
			t.Errorf("echo %v", b)
		}
	})
}

func TestPanicRecovery(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t, Deps{})
	srv := httptest.NewServer(s.handler)
	t.Cleanup(srv.Close)
	get := func(path string) (*http.Response, []byte, error) {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			return nil, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp, b, err
	}

	for i := range 3 {
		resp, body, err := get("/api/v1/test/panic?boom=1")
		if err != nil {
			t.Fatalf("panic request %d: %v", i, err)
		}
		rec := httptest.NewRecorder()
		for k, v := range resp.Header {
			rec.Header()[k] = v
		}
		rec.WriteHeader(resp.StatusCode)
		rec.Body.Write(body)
		p := problemOf(t, rec, http.StatusInternalServerError)
		if strings.Contains(string(body), "boom") {
			t.Errorf("the panic value leaked: %s", body)
		}
		if !strings.Contains(p.Detail, p.RequestID) {
			t.Errorf("detail %q does not quote the request id", p.Detail)
		}
		if resp.Header.Get("Content-Security-Policy") == "" {
			t.Error("no security headers on the 500")
		}

		resp, body, err = get("/api/v1/test/panic")
		if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), `"ok":true`) {
			t.Fatalf("after the panic, the same route answered %v %v %s", err, resp, body)
		}
	}
	if !strings.Contains(logs.String(), "panic serving request") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the panic and its stack were not logged:\n%s", logs)
	}

	// http.ErrAbortHandler aborts the answer: the client sees a broken connection.
	if resp, _, err := get("/api/v1/test/abort"); err == nil {
		t.Errorf("abort: got a whole answer %d", resp.StatusCode)
	}
	// A panic after the answer began cannot become a problem: the connection is cut.
	if _, body, err := get("/api/v1/test/late-panic"); err == nil {
		t.Errorf("late panic: got a whole answer %q", body)
	}
	if resp, _, err := get("/api/v1/test/panic"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the server stopped serving: %v", err)
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Deps{})
	want := map[string]string{
		"Content-Security-Policy":    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
		"X-Content-Type-Options":     "nosniff",
		"Referrer-Policy":            "no-referrer",
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
		"Permissions-Policy":         "camera=(self), microphone=(self), geolocation=()",
	}
	tests := []struct {
		name   string
		target string
		status int
		cache  string
	}{
		{"200 API", "/api/v1/openapi.json", 200, "no-store"},
		{"404 API", "/api/v1/nope", 404, "no-store"},
		{"404 UI", "/patients/7", 404, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := serve(t, s.handler, request{method: "GET", target: tc.target})
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			for k, v := range want {
				if got := w.Header().Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if got := w.Header().Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
		})
	}
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

func TestRequestID(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Deps{})
	tests := []struct {
		name, incoming string
		kept           bool
	}{
		{"none", "", false},
		{"sane", "abc-DEF-123", true},
		{"64 chars", strings.Repeat("a", 64), true},
		{"65 chars", strings.Repeat("a", 65), false},
		{"bad characters", "abc def", false},
		{"injection", "x\"}\n{\"level\":\"ERROR", false},
		{"underscore", "a_b", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			hdr := map[string]string{}
			if tc.incoming != "" {
				hdr[RequestIDHeader] = tc.incoming
			}
			w := serve(t, s.handler, request{method: "GET", target: "/api/v1/nope", header: hdr})
			p := problemOf(t, w, 404)
			got := w.Header().Get(RequestIDHeader)
			if tc.kept && got != tc.incoming {
				t.Errorf("id %q, want the incoming %q", got, tc.incoming)
			}
			if !tc.kept && !uuidRE.MatchString(got) {
				t.Errorf("id %q is not a fresh UUID v4", got)
			}
			if p.RequestID != got {
				t.Errorf("problem id %q, header %q", p.RequestID, got)
			}
		})
	}
}

func TestAccessLog(t *testing.T) {
	t.Parallel()
	s, logs := newTestServer(t, Deps{})
	w := serve(t, s.handler, request{
		method: "POST", target: "/api/v1/test/echo?token=sekrit-token",
		body: `{"name":"sekrit-body"}`, header: map[string]string{RequestIDHeader: "access-log-1"},
	})
	if w.Code != 200 {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	var line string
	for l := range strings.Lines(logs.String()) {
		if strings.Contains(l, `"access-log-1"`) && strings.Contains(l, `"http request"`) {
			line = l
		}
	}
	if line == "" {
		t.Fatalf("no access log line:\n%s", logs)
	}
	for _, want := range []string{`"method":"POST"`, `"path":"/api/v1/test/echo"`, `"status":200`, `"bytes":`, `"duration":`, `"remote_ip":"192.0.2.1"`} {
		if !strings.Contains(line, want) {
			t.Errorf("access log lacks %s: %s", want, line)
		}
	}
	if strings.Contains(logs.String(), "sekrit") {
		t.Errorf("the log holds the query or the body:\n%s", logs)
	}
}

func TestRouteTableRefusesBadRoutes(t *testing.T) {
	t.Parallel()
	ok := func(w http.ResponseWriter, r *http.Request) {}
	tests := []struct {
		name string
		rt   route
		want string
	}{
		{"no permission", route{method: "GET", path: "/api/v1/x", op: "getX", tag: "x", summary: "X", handler: ok}, "no permission"},
		{"no handler", route{method: "GET", path: "/api/v1/x", perm: PermPublic, op: "getX", tag: "x", summary: "X"}, "no handler"},
		{"no operationId", route{method: "GET", path: "/api/v1/x", perm: PermPublic, tag: "x", summary: "X", handler: ok}, "operationId"},
		{"duplicate operationId", route{method: "GET", path: "/api/v1/x", perm: PermPublic, op: "getHealth", tag: "x", summary: "X", handler: ok}, "getHealth"},
		{"not under /api/", route{method: "GET", path: "/x", perm: PermPublic, op: "getX", tag: "x", summary: "X", handler: ok}, "/api/"},
		{"undescribable body", route{method: "POST", path: "/api/v1/x", perm: PermPublic, op: "postX", tag: "x", summary: "X", in: make(chan int), handler: ok}, "cannot be described"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				v := recover()
				if v == nil {
					t.Fatal("newServer accepted the route")
				}
				if msg := fmt.Sprint(v); !strings.Contains(msg, tc.want) {
					t.Errorf("panic %q lacks %q", msg, tc.want)
				}
			}()
			newServer(Deps{}, func(*server) []route { return []route{tc.rt} })
		})
	}
}

func TestNewHTTPServer(t *testing.T) {
	t.Parallel()
	log, logs := testLogger(t)
	srv := NewHTTPServer("127.0.0.1:0", http.NotFoundHandler(), log)
	if srv.ReadHeaderTimeout != 10*time.Second || srv.ReadTimeout != 30*time.Second ||
		srv.WriteTimeout != 60*time.Second || srv.IdleTimeout != 120*time.Second || srv.MaxHeaderBytes != 64<<10 {
		t.Errorf("limits %+v", srv)
	}
	if srv.Addr != "127.0.0.1:0" || srv.Handler == nil || srv.ErrorLog == nil {
		t.Fatalf("server %+v", srv)
	}
	srv.ErrorLog.Print("http: TLS handshake error from 192.0.2.9:1: EOF")
	if !strings.Contains(logs.String(), `"level":"WARN"`) || !strings.Contains(logs.String(), "TLS handshake error") {
		t.Errorf("ErrorLog is not bridged to slog: %s", logs)
	}
}
