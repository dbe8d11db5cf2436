package app

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
)

// webviewCookies keeps the webview's cookies on its behalf. WebKitGTK stores no cookie for the
// wails:// scheme the window is served on (measured: neither Set-Cookie, whatever its
// SameSite, nor document.cookie), so the session cookie of a login would be lost and every
// API call would answer 401. This handler is a browser's cookie jar in front of the handler:
// it takes Set-Cookie off every answer into an in-memory jar and adds the jar's cookies to
// every request. Only the webview's requests pass through it (the LAN listener is given the
// handler without it), and the jar lives as long as the window: closing Chelal logs out.
type webviewCookies struct {
	next http.Handler
	jar  *cookiejar.Jar // safe for concurrent use
}

func newWebviewCookies(next http.Handler) *webviewCookies {
	jar, _ := cookiejar.New(nil) // never fails with nil options
	return &webviewCookies{next: next, jar: jar}
}

// jarURL is the URL the jar files the webview's cookies under: the jar only knows http(s),
// and the window's origin is wails://wails. Never https: the server marks cookies Secure
// only under TLS, which the webview never uses.
func jarURL(r *http.Request) *url.URL {
	return &url.URL{Scheme: "http", Host: "wails", Path: r.URL.Path}
}

func (h *webviewCookies) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	u := jarURL(r)
	r = r.Clone(r.Context())
	r.Header.Del("Cookie")
	for _, c := range h.jar.Cookies(u) {
		r.AddCookie(c)
	}
	h.next.ServeHTTP(&cookieCatcher{ResponseWriter: w, jar: h.jar, url: u}, r)
}

// cookieCatcher moves the answer's Set-Cookie headers into the jar just before the header
// is sent. It keeps http.Flusher (server-sent events) and Unwrap for http.ResponseController.
type cookieCatcher struct {
	http.ResponseWriter
	jar  *cookiejar.Jar
	url  *url.URL
	done bool
}

func (c *cookieCatcher) catch() {
	if c.done {
		return
	}
	c.done = true
	h := c.ResponseWriter.Header()
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	var cookies []*http.Cookie
	for _, line := range lines {
		if ck, err := http.ParseSetCookie(line); err == nil {
			cookies = append(cookies, ck)
		}
	}
	c.jar.SetCookies(c.url, cookies)
	h.Del("Set-Cookie")
}

func (c *cookieCatcher) WriteHeader(status int) {
	c.catch()
	c.ResponseWriter.WriteHeader(status)
}

func (c *cookieCatcher) Write(b []byte) (int, error) {
	c.catch()
	return c.ResponseWriter.Write(b)
}

func (c *cookieCatcher) Flush() {
	c.catch()
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (c *cookieCatcher) Unwrap() http.ResponseWriter { return c.ResponseWriter }
