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
