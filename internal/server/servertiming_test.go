package server

import (
	"strconv"
	"strings"
	"testing"
)

// TestServerTiming: an answer says how long the server took, as "Server-Timing: app;dur=MS"
// (bench/events reads it), for an answer with a status and for one that only writes a body.
func TestServerTiming(t *testing.T) {
	t.Parallel()
	s, _ := newTestServer(t, Deps{})
	for _, target := range []string{"/api/v1/health", "/api/v1/no-such-route"} {
		w := serve(t, s.handler, request{method: "GET", target: target})
		v := w.Header().Get("Server-Timing")
		dur, ok := strings.CutPrefix(v, "app;dur=")
		ms, err := strconv.ParseFloat(dur, 64)
		if !ok || err != nil || ms < 0 || ms > 60_000 {
			t.Errorf("GET %s (%d): Server-Timing %q, want app;dur=MS", target, w.Code, v)
		}
	}
}
