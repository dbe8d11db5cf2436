package server

import (
	"net/http"
	"strings"
	"testing"
	"testing/fstest"
)

func TestUIIsServedWithFallbackToIndex(t *testing.T) {
	t.Parallel()
	dist := fstest.MapFS{
		"index.html":           {Data: []byte("<!doctype html><title>Chelal</title>")},
		"assets/index-abc1.js": {Data: []byte("console.log(1)")},
		"favicon.svg":          {Data: []byte("<svg/>")},
	}
	h := New(Deps{Frontend: dist})
	for _, tc := range []struct {
		method, target string
		status         int
		body, cache    string
	}{
		{"GET", "/", 200, "<title>Chelal</title>", "no-cache"},
		{"GET", "/patients/12", 200, "<title>Chelal</title>", "no-cache"},
		{"GET", "/login?next=%2F", 200, "<title>Chelal</title>", "no-cache"},
		{"GET", "/assets/index-abc1.js", 200, "console.log(1)", "public, max-age=31536000, immutable"},
		{"GET", "/favicon.svg", 200, "<svg/>", "no-cache"},
		{"GET", "/missing.js", 404, "problems/not-found", ""},
		{"GET", "/../../etc/passwd", 200, "<title>Chelal</title>", "no-cache"}, // cleaned to a UI route, never a file outside dist
		{"POST", "/patients", 405, "method-not-allowed", ""},
		{"GET", "/api/v1/nothing-here", 404, "problems/not-found", ""},
	} {
		w := serve(t, h, request{method: tc.method, target: tc.target})
		if w.Code != tc.status || !strings.Contains(w.Body.String(), tc.body) {
			t.Errorf("%s %s: %d %q, want %d with %q", tc.method, tc.target, w.Code, w.Body.String(), tc.status, tc.body)
		}
		if tc.cache != "" && w.Header().Get("Cache-Control") != tc.cache {
			t.Errorf("%s %s: Cache-Control %q, want %q", tc.method, tc.target, w.Header().Get("Cache-Control"), tc.cache)
		}
		if w.Header().Get("Content-Security-Policy") == "" {
			t.Errorf("%s %s: no CSP on the UI", tc.method, tc.target)
		}
	}
	// Without a built UI (a fresh clone), "/" is a plain 404 problem.
	w := serve(t, New(Deps{Frontend: fstest.MapFS{}}), request{method: "GET", target: "/"})
	if w.Code != http.StatusNotFound {
		t.Errorf("no UI: GET / = %d, want 404", w.Code)
	}
}

// The UI's assets go out in the precompressed form the browser accepts (brotli before gzip), with
// the right type and Vary; a client that accepts neither, or refuses one with q=0, gets the plain file.
func TestUIAssetsAreServedPrecompressed(t *testing.T) {
	t.Parallel()
	dist := fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>Chelal</title>")},
		"assets/app-abc1.js":    {Data: []byte("plain js")},
		"assets/app-abc1.js.br": {Data: []byte("brotli js")},
		"assets/app-abc1.js.gz": {Data: []byte("gzip js")},
		"assets/only-gz.css":    {Data: []byte("plain css")},
		"assets/only-gz.css.gz": {Data: []byte("gzip css")},
	}
	h := New(Deps{Frontend: dist})
	for _, tc := range []struct {
		target, accept, body, encoding, ctype string
	}{
		{"/assets/app-abc1.js", "gzip, deflate, br, zstd", "brotli js", "br", "text/javascript; charset=utf-8"},
		{"/assets/app-abc1.js", "gzip", "gzip js", "gzip", "text/javascript; charset=utf-8"},
		{"/assets/app-abc1.js", "br;q=0, gzip;q=0.8", "gzip js", "gzip", "text/javascript; charset=utf-8"},
		{"/assets/app-abc1.js", "", "plain js", "", "text/javascript; charset=utf-8"},
		{"/assets/app-abc1.js", "identity", "plain js", "", "text/javascript; charset=utf-8"},
		{"/assets/only-gz.css", "br, gzip", "gzip css", "gzip", "text/css; charset=utf-8"},
	} {
		w := serve(t, h, request{method: "GET", target: tc.target, header: map[string]string{"Accept-Encoding": tc.accept}})
		if w.Code != http.StatusOK || w.Body.String() != tc.body {
			t.Errorf("%s with %q: %d %q, want %q", tc.target, tc.accept, w.Code, w.Body.String(), tc.body)
		}
		if got := w.Header().Get("Content-Encoding"); got != tc.encoding {
			t.Errorf("%s with %q: Content-Encoding %q, want %q", tc.target, tc.accept, got, tc.encoding)
		}
		if got := w.Header().Get("Content-Type"); got != tc.ctype {
			t.Errorf("%s with %q: Content-Type %q, want %q", tc.target, tc.accept, got, tc.ctype)
		}
		if got := w.Header().Get("Vary"); !strings.Contains(got, "Accept-Encoding") {
			t.Errorf("%s with %q: Vary %q, want Accept-Encoding", tc.target, tc.accept, got)
		}
	}
}
