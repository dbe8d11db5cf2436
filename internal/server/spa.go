package server

import (
	"bytes"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
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
			if h.serveEncoded(w, r, name) {
				return
			}
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

// encodings are the precompressed forms the UI build writes beside each asset (vite.config.ts),
// best first: a workstation on the clinic's weak Wi-Fi moves a third of the bytes.
var encodings = []struct{ token, suffix string }{{"br", ".br"}, {"gzip", ".gz"}}

// serveEncoded serves the precompressed form of an asset the client accepts, and reports
// whether it did. Every asset answer varies by Accept-Encoding, served compressed or not.
func (h *spa) serveEncoded(w http.ResponseWriter, r *http.Request, name string) bool {
	w.Header().Add("Vary", "Accept-Encoding")
	for _, enc := range encodings {
		if !acceptsEncoding(r.Header.Get("Accept-Encoding"), enc.token) {
			continue
		}
		f, err := h.files.Open(name + enc.suffix)
		if err != nil {
			continue
		}
		defer f.Close()
		rs, ok := f.(io.ReadSeeker)
		if !ok {
			continue
		}
		if ctype := mime.TypeByExtension(path.Ext(name)); ctype != "" {
			w.Header().Set("Content-Type", ctype)
		}
		w.Header().Set("Content-Encoding", enc.token)
		http.ServeContent(w, r, name, time.Time{}, rs)
		return true
	}
	return false
}

// acceptsEncoding reports whether an Accept-Encoding header accepts token (q=0 refuses it).
func acceptsEncoding(header, token string) bool {
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(name), token) {
			continue
		}
		q, ok := strings.CutPrefix(strings.ReplaceAll(params, " ", ""), "q=")
		if !ok {
			return true
		}
		v, err := strconv.ParseFloat(q, 64)
		return err == nil && v > 0
	}
	return false
}

func (h *spa) serveIndex(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	http.ServeContent(w, r, "index.html", time.Time{}, bytes.NewReader(h.index))
}
