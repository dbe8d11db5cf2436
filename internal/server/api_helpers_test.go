package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// testPassword satisfies the password policy; every test user has it.
const testPassword = "correct horse battery"

// api is a whole Chelal API on its own fresh database, for one test.
type api struct {
	t     *testing.T
	h     http.Handler
	db    *db.DB
	auth  *auth.Service
	roles map[string]int64
}

// newAPI builds the API as Chelal does (Wire), with cheap password hashing (the real
// parameters are tested in internal/auth; here they would only slow the scenarios down).
func newAPI(t *testing.T, cfg auth.Config) *api {
	t.Helper()
	d := dbtest.New(t)
	a := &api{t: t, db: d, auth: testAuth(t, d, cfg), roles: roleIDs(t, d)}
	a.wire(Deps{})
	return a
}

// wire rebuilds the API over the same database and auth service with deps (a backup folder,
// say); unexpected errors (500s) are logged into the test's output unless deps has a log.
func (a *api) wire(deps Deps) {
	a.t.Helper()
	if deps.Log == nil {
		deps.Log = errorLog(a.t)
	}
	_, a.h = Wire(a.db, a.auth, deps)
}

// testAuth is the auth service of the API tests: a fixed key and cheap password hashing; its
// profile images go to a temporary folder unless cfg names one.
func testAuth(tb testing.TB, d *db.DB, cfg auth.Config) *auth.Service {
	tb.Helper()
	box, err := auth.NewSecretBox(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		tb.Fatal(err)
	}
	if cfg.ProfileImageDir == "" {
		cfg.ProfileImageDir = tb.TempDir()
	}
	hasher := auth.NewHasher(auth.PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 4)
	return auth.NewService(d, hasher, box, cfg)
}

// roleIDs maps each role's name to its id.
func roleIDs(tb testing.TB, d *db.DB) map[string]int64 {
	tb.Helper()
	rows, err := d.Pool.Query(context.Background(), `SELECT name, id FROM core_role`)
	if err != nil {
		tb.Fatal(err)
	}
	ids, err := db.CollectMap[string, int64](rows)
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

// errorLog sends a test's error logs (the causes of 500s) to its output.
func errorLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelError}))
}

// testWriter sends log lines to the test's output.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// setupBody is a first-run setup (POST /api/v1/setup) that is accepted: the clinic and its
// first administrator.
func setupBody() map[string]any {
	return map[string]any{"clinic_name": "Kisumu Rural Clinic", "username": "admin", "email": "admin@kisumu.test",
		"password": testPassword, "first_name": "Amina", "last_name": "Otieno"}
}

// newUser creates a user of role (by the system, not through the API) and returns its id.
func (a *api) newUser(username, role string) int64 {
	a.t.Helper()
	u, err := a.auth.CreateUser(context.Background(), db.Actor{}, auth.CreateUserParams{
		Username: username, Email: username + "@clinic.test", Password: testPassword,
		FirstName: "Test", LastName: role, RoleID: a.roles[role],
	})
	if err != nil {
		a.t.Fatalf("create %s: %v", username, err)
	}
	return u.ID
}

// signedIn creates a user of role and logs them in from ip.
func (a *api) signedIn(username, role, ip string) *client {
	a.t.Helper()
	a.newUser(username, role)
	return a.login(username, ip)
}

// count runs a query that counts rows (SELECT count(*) ...) and fails the test if it cannot.
func (a *api) count(query string, args ...any) int {
	a.t.Helper()
	return queryValue[int](a, query, args...)
}

// queryValue is the one value a query on the test's database answers (an id, a time, a
// setting); a failure ends the test.
func queryValue[T any](a *api, query string, args ...any) T {
	a.t.Helper()
	var v T
	if err := a.db.Pool.QueryRow(context.Background(), query, args...).Scan(&v); err != nil {
		a.t.Fatalf("%s: %v", query, err)
	}
	return v
}

// exec runs a statement on the test's database directly (a fixture the API does not make, a
// clock moved back); a failure ends the test. The session cache cannot know of such a write:
// after one that changes a session, call a.auth.ForgetSessions.
func (a *api) exec(sql string, args ...any) {
	a.t.Helper()
	if _, err := a.db.Pool.Exec(context.Background(), sql, args...); err != nil {
		a.t.Fatalf("%s: %v", sql, err)
	}
}

// client is one browser: its session cookie, CSRF token and address.
type client struct {
	a      *api
	cookie string
	csrf   string
	ip     string
	userID int64
	device string // the device cookie: a known workstation of the accounts it logged in as
}

// anonymous is a client with no session, from ip.
func (a *api) anonymous(ip string) *client { return &client{a: a, ip: ip} }

// login logs username in from ip and fails the test if that does not work.
func (a *api) login(username, ip string) *client {
	a.t.Helper()
	c := a.anonymous(ip)
	w := c.do("POST", "/api/v1/auth/login", map[string]any{"username": username, "password": testPassword})
	if w.Code != http.StatusOK {
		a.t.Fatalf("login %s: %d %s", username, w.Code, w.Body)
	}
	c.takeSession(w)
	return c
}

// takeSession keeps the session cookie and CSRF token a login answered with.
func (c *client) takeSession(w *httptest.ResponseRecorder) {
	c.a.t.Helper()
	for _, ck := range w.Result().Cookies() {
		if ck.Name == SessionCookie {
			c.cookie = ck.Value
		}
		if ck.Name == DeviceCookie {
			c.device = ck.Value
		}
	}
	var body struct {
		CSRFToken string `json:"csrf_token"`
		User      struct {
			ID int64 `json:"id"`
		} `json:"user"`
	}
	if err := json.Unmarshal(w.Body.Bytes(), &body); err != nil {
		c.a.t.Fatalf("login answer: %v: %s", err, w.Body)
	}
	if c.cookie == "" || body.CSRFToken == "" {
		c.a.t.Fatalf("login gave no session cookie or CSRF token: %v %s", w.Header(), w.Body)
	}
	c.csrf, c.userID = body.CSRFToken, body.User.ID
}

// do sends a request; body is JSON-encoded unless it is a string (sent as is) or nil. The
// session's CSRF token is sent on unsafe methods unless a header overrides it.
func (c *client) do(method, target string, body any, header ...string) *httptest.ResponseRecorder {
	c.a.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.a.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	r := newRequest(method, target, rd)
	r.RemoteAddr = c.ip + ":40000"
	if c.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: c.cookie})
	}
	if c.device != "" && strings.HasPrefix(target, "/api/v1/auth/") { // the cookie's Path
		r.AddCookie(&http.Cookie{Name: DeviceCookie, Value: c.device})
	}
	if c.csrf != "" && unsafeMethod(method) {
		r.Header.Set(CSRFHeader, c.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" && header[i] != "Host" {
			r.Header.Del(header[i])
		} else {
			setHeader(r, header[i], header[i+1])
		}
	}
	w := httptest.NewRecorder()
	c.a.h.ServeHTTP(w, r)
	return w
}

// expect fails the test unless w has status; it returns the decoded JSON body (if any).
func expect(t *testing.T, w *httptest.ResponseRecorder, status int) map[string]any {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d: %s", w.Code, status, w.Body)
	}
	if w.Body.Len() == 0 || !strings.Contains(w.Header().Get("Content-Type"), "json") {
		return nil
	}
	return decodeBody(t, w)
}

// hasFieldError says whether a problem answer's errors name field, with code (any code when
// code is "").
func hasFieldError(m map[string]any, field, code string) bool {
	errs, _ := m["errors"].([]any)
	for _, e := range errs {
		e, _ := e.(map[string]any)
		if e["field"] == field && (code == "" || e["code"] == code) {
			return true
		}
	}
	return false
}

// expectFieldErrors fails the test (what: the request) unless the problem p has an error on
// each of fields.
func expectFieldErrors(t *testing.T, what string, p map[string]any, fields ...string) {
	t.Helper()
	for _, f := range fields {
		if !hasFieldError(p, f, "") {
			t.Errorf("%s: no error on %s: %v", what, f, p["errors"])
		}
	}
}

// problemType returns the last segment of a problem answer's type.
func problemType(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := expect(t, w, w.Code)
	typ, _ := m["type"].(string)
	return typ[strings.LastIndexByte(typ, '/')+1:]
}

// version reads the version of the user in an answer {"user": {...}}.
func userVersion(t *testing.T, m map[string]any) int64 {
	t.Helper()
	u, ok := m["user"].(map[string]any)
	if !ok {
		t.Fatalf("no user in %v", m)
	}
	return int64(u["version"].(float64))
}

// logBuffer is a goroutine-safe sink for a test's slog output.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// testLogger returns a logger writing JSON lines into a buffer the test can read.
func testLogger(t *testing.T) (*slog.Logger, *logBuffer) {
	t.Helper()
	b := &logBuffer{}
	return slog.New(slog.NewJSONHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug})), b
}

// request describes one call to the handler.
type request struct {
	method, target, body string
	header               map[string]string
	chunked              bool // send the body without a Content-Length
}

// serve runs req against h and returns the recorded answer.
func serve(t *testing.T, h http.Handler, req request) *httptest.ResponseRecorder {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := newRequest(req.method, req.target, body)
	for k, v := range req.header {
		setHeader(r, k, v)
	}
	if req.chunked {
		r.ContentLength = -1
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// newRequest is a request to the test handler: for localhost (httptest's example.com is not a
// host Chelal serves), and JSON when it has a body.
func newRequest(method, target string, body io.Reader) *http.Request {
	r := httptest.NewRequest(method, target, body)
	r.Host = "localhost"
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	return r
}

// setHeader sets a header of r; "Host" sets the host it is for.
func setHeader(r *http.Request, name, value string) {
	if name == "Host" {
		r.Host = value
		return
	}
	r.Header.Set(name, value)
}

// problemOf checks that w is an RFC 9457 problem with status and the request id, and returns it.
func problemOf(t *testing.T, w *httptest.ResponseRecorder, status int) Problem {
	t.Helper()
	if w.Code != status {
		t.Fatalf("status %d, want %d; body %s", w.Code, status, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json; body %s", ct, w.Body)
	}
	var raw map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &raw); err != nil {
		t.Fatalf("problem is not JSON: %v: %s", err, w.Body)
	}
	for _, k := range []string{"type", "title", "status", "detail", "request_id"} {
		if _, ok := raw[k]; !ok {
			t.Errorf("problem lacks %q: %s", k, w.Body)
		}
	}
	var p Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatalf("problem: %v", err)
	}
	if p.Status != status {
		t.Errorf("problem status %d, want %d", p.Status, status)
	}
	if !strings.HasPrefix(p.Type, ProblemTypeBase) {
		t.Errorf("problem type %q does not start with %q", p.Type, ProblemTypeBase)
	}
	if p.Title == "" || p.Detail == "" {
		t.Errorf("problem without title or detail: %s", w.Body)
	}
	id := w.Header().Get(RequestIDHeader)
	if id == "" {
		t.Errorf("no %s header", RequestIDHeader)
	}
	if p.RequestID != id {
		t.Errorf("problem request_id %q, header %q", p.RequestID, id)
	}
	return p
}

// problemOfType is problemOf for a problem whose type ends in slug ("not-found").
func problemOfType(t *testing.T, w *httptest.ResponseRecorder, status int, slug string) Problem {
	t.Helper()
	p := problemOf(t, w, status)
	if p.Type != ProblemTypeBase+slug {
		t.Errorf("problem type %q, want %q: %s", p.Type, ProblemTypeBase+slug, w.Body)
	}
	return p
}

// decodeBody decodes w's JSON body into a map.
func decodeBody(t *testing.T, w *httptest.ResponseRecorder) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(w.Body.Bytes(), &m); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, w.Body)
	}
	return m
}
