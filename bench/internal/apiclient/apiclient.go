// Package apiclient is the benches' logged-in browser: a session cookie and its CSRF token,
// and requests that carry them.
package apiclient

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"chelal/internal/server"
)

// Session is one logged-in client.
type Session struct {
	cookie *http.Cookie
	csrf   string
}

// Login logs user in at base (http://host:port).
func Login(base, user, password string) (*Session, error) {
	body, _ := json.Marshal(map[string]string{"username": user, "password": password})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		return nil, fmt.Errorf("login: %d %v", resp.StatusCode, err)
	}
	for _, c := range resp.Cookies() {
		if c.Name == server.SessionCookie {
			return &Session{cookie: c, csrf: out.CSRFToken}, nil
		}
	}
	return nil, fmt.Errorf("login: no session cookie")
}

// WithCookie is the session of an existing cookie, for GET requests only (it has no CSRF
// token): another process's clients of a session logged in here.
func WithCookie(c *http.Cookie) *Session { return &Session{cookie: c} }

// Cookie is the session's cookie (for a request made by hand, such as an event stream).
func (s *Session) Cookie() *http.Cookie { return s.cookie }

// Do sends a request with the session (a JSON body and the CSRF token for writes; header
// holds extra name, value pairs) and returns the status and the answer's body.
func (s *Session) Do(c *http.Client, method, url, body string, header ...string) (int, []byte, error) {
	status, _, b, err := s.DoHeader(c, method, url, body, header...)
	return status, b, err
}

// DoHeader is Do that also returns the answer's header.
func (s *Session) DoHeader(c *http.Client, method, url, body string, header ...string) (int, http.Header, []byte, error) {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.AddCookie(s.cookie)
	if method != "GET" {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(server.CSRFHeader, s.csrf)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b, err
}
