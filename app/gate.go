package app

import (
	"encoding/json"
	"html/template"
	"net/http"
	"strings"
	"sync"

	"chelal/internal/server"
)

// Paths the splash serves for itself. They live under a prefix the UI never uses, and only
// while Chelal starts: once the real handler is in place they are not served any more.
const (
	splashPrefix   = "/_chelal-splash/"
	splashJSPath   = splashPrefix + "splash.js"
	splashRetrySec = "2"
)

// Problem types of the gate (same base as the server's problems).
const (
	problemStarting      = server.ProblemTypeBase + "starting"
	problemStartupFailed = server.ProblemTypeBase + "startup-failed"
)

// gate is the handler the window and the LAN listener are given from the first instant. Until
// the real handler exists it answers by itself: a splash page for the UI's paths, a 503
// problem for the API; once ready it hands every request to the real handler.
type gate struct {
	mu    sync.RWMutex
	ready http.Handler // the real handler, once started
	note  string       // what is happening now, shown on the splash
	err   error        // why starting failed, shown on the splash
}

func newGate() *gate {
	return &gate{note: "Starting…"}
}

// setNote records a progress note for the splash.
func (g *gate) setNote(note string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ready == nil && g.err == nil {
		g.note = note
	}
}

// setReady sends every request from now on to h.
func (g *gate) setReady(h http.Handler) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.ready = h
}

// setFailed makes the splash say why Chelal could not start.
func (g *gate) setFailed(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.err = err
}

func (g *gate) state() (http.Handler, string, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	return g.ready, g.note, g.err
}

func (g *gate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ready, note, err := g.state()
	if ready != nil {
		ready.ServeHTTP(w, r)
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", server.ContentSecurityPolicy)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store") // the splash must never stand in for the app later
	switch {
	case r.URL.Path == "/api" || strings.HasPrefix(r.URL.Path, "/api/"):
		writeStartProblem(w, r, note, err)
	case r.URL.Path == splashJSPath:
		h.Set("Content-Type", "text/javascript; charset=utf-8")
		_, _ = w.Write([]byte(splashJS))
	case r.Method != http.MethodGet && r.Method != http.MethodHead:
		writeStartProblem(w, r, note, err)
	default:
		// Every page path gets the splash (200, so the webview injects its runtime as it does
		// into the app's own index.html); its script reloads the same path once Chelal is ready.
		h.Set("Content-Type", "text/html; charset=utf-8")
		page := splashPage{Title: "Chelal is starting…", Note: note, Script: splashJSPath}
		if err != nil {
			page.Title, page.Note, page.Failed = "Chelal could not start", err.Error(), true
		}
		_ = splashTemplate.Execute(w, page)
	}
}

// writeStartProblem answers an API request made before the API exists: 503 while starting
// (with Retry-After), and the same status with another type once starting has failed.
func writeStartProblem(w http.ResponseWriter, r *http.Request, note string, err error) {
	p := struct {
		Type     string `json:"type"`
		Title    string `json:"title"`
		Status   int    `json:"status"`
		Detail   string `json:"detail"`
		Instance string `json:"instance,omitempty"`
	}{problemStarting, "Chelal is starting", http.StatusServiceUnavailable, note, r.URL.Path}
	if err != nil {
		p.Type, p.Title, p.Detail = problemStartupFailed, "Chelal could not start", err.Error()
	} else {
		w.Header().Set("Retry-After", splashRetrySec)
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(p)
}

type splashPage struct {
	Title, Note, Script string
	Failed              bool
}

// The splash is self-contained: no remote asset, no inline script (the CSP forbids it), the
// style inline (the CSP allows inline style). Its script is served by the gate itself.
var splashTemplate = template.Must(template.New("splash").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chelal</title>
<style>
html,body{height:100%;margin:0}
body{display:flex;align-items:center;justify-content:center;background:#f4f7f8;color:#1d2b33;
 font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",Ubuntu,Cantarell,sans-serif}
main{text-align:center;max-width:34rem;padding:2rem}
.mark{width:72px;height:72px;margin:0 auto 1.5rem;border-radius:18px;background:#0f766e;position:relative}
.mark:before,.mark:after{content:"";position:absolute;background:#fff;border-radius:3px}
.mark:before{left:30px;top:14px;width:12px;height:44px}
.mark:after{left:14px;top:30px;width:44px;height:12px}
h1{font-size:1.6rem;font-weight:600;margin:0 0 .75rem}
p{margin:0 0 1.5rem;line-height:1.5;color:#44555f}
.bar{height:6px;width:16rem;margin:0 auto;border-radius:3px;background:#d5e3e6;overflow:hidden}
.bar i{display:block;height:100%;width:35%;border-radius:3px;background:#0f766e;animation:slide 1.2s ease-in-out infinite}
@keyframes slide{0%{margin-left:-35%}100%{margin-left:100%}}
body.failed .mark{background:#b42318}
body.failed .bar{display:none}
body.failed p{color:#7a271a}
</style>
</head>
<body{{if .Failed}} class="failed"{{end}}>
<main>
<div class="mark" aria-hidden="true"></div>
<h1 id="title">{{.Title}}</h1>
<p id="note" role="status" aria-live="polite">{{.Note}}</p>
<div class="bar" aria-hidden="true"><i></i></div>
</main>
<script src="{{.Script}}"></script>
</body>
</html>
`))

// splashJS polls the health endpoint: the gate answers it with a 503 problem whose detail is
// the progress note; the real server answers 200 once the database is up, and then the page
// reloads into the app.
const splashJS = `(function () {
  "use strict";
  var title = document.getElementById("title");
  var note = document.getElementById("note");
  if (document.body.className === "failed") return;
  function later(ms) { setTimeout(poll, ms); }
  function poll() {
    fetch("/api/v1/health", { cache: "no-store", headers: { "Accept": "application/json" } })
      .then(function (r) {
        if (r.ok) { window.location.reload(); return; }
        return r.json().then(function (p) {
          if (p && p.type && /\/startup-failed$/.test(p.type)) {
            document.body.className = "failed";
            title.textContent = p.title;
            note.textContent = p.detail;
            return;
          }
          if (p && p.detail && /\/starting$/.test(p.type || "")) note.textContent = p.detail;
          later(300);
        }, function () { later(500); });
      }, function () { later(1000); });
  }
  later(300);
})();
`
