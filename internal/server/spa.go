package server

import (
	"bytes"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"chelal/internal/apperr"
)

// spa serves the built clinic UI: its files as they are, and index.html for every other
// path without a file extension (the UI's own routes, such as /patients/12), so that a
// reload or a bookmark lands in the app. Vite's hashed /assets/ never change and are cached
// for a year; index.html is revalidated every time so a new build is picked up at once.
type spa struct {
	files fs.FS
	index []byte
	s     *server
}

// newSPA returns the UI handler, or nil when dist holds no built UI (a fresh clone).
func newSPA(s *server, dist fs.FS) http.Handler {
	if dist == nil {
		return nil
	}
	index, err := fs.ReadFile(dist, "index.html")
	if err != nil {
		return nil
	}
	return &spa{files: dist, index: index, s: s}
}

func (h *spa) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeProblem(w, newProblem(r, probMethodNotAllowed, r.Method+" is not allowed here; the clinic UI is read with GET."))
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" || name == "index.html" {
		h.serveIndex(w, r)
		return
	}
	if st, err := fs.Stat(h.files, name); err == nil && !st.IsDir() {
		if strings.HasPrefix(name, "assets/") {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "no-cache")
		}
		http.ServeFileFS(w, r, h.files, name)
		return
	}
	if path.Ext(name) != "" { // a missing file, not a UI route
		writeProblem(w, newProblem(r, kindProblems[apperr.ErrNotFound], "There is no file "+r.URL.EscapedPath()+"."))
		return
	}
	h.serveIndex(w, r)
}

func (h *spa) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}
