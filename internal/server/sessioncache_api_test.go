package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"chelal/internal/auth"
)

// The session lookup is cached (auth.SessionCacheFor); these tests show that no ended or
// changed session outlives it: at once on the instance that made the change, within the
// window on another instance on the same database, at once there too when it listens.

// revocations are the ways a session ends or changes, each done through instance a to the
// session of user id (client c).
func revocations(t *testing.T, a *api) []struct {
	name string
	do   func(c *client, id int64)
} {
	patch := func(id int64, body map[string]any) {
		admin := a.login("cache-admin", "10.1.0.1")
		path := "/api/v1/users/" + strconv.FormatInt(id, 10)
		v := userVersion(t, expect(t, admin.do("GET", path, nil), http.StatusOK))
		expect(t, admin.do("PATCH", path, body, "If-Match", strconv.FormatInt(v, 10)), http.StatusOK)
	}
	return []struct {
		name string
		do   func(c *client, id int64)
	}{
		{"logout", func(c *client, _ int64) { expect(t, c.do("POST", "/api/v1/auth/logout", nil), http.StatusNoContent) }},
		{"deactivation", func(_ *client, id int64) { patch(id, map[string]any{"is_active": false}) }},
		{"role change", func(_ *client, id int64) { patch(id, map[string]any{"role_id": a.roles[auth.RoleNurse]}) }},
		{"password changed elsewhere", func(c *client, _ int64) {
			other := a.login(c.name(), "10.1.0.2")
			expect(t, other.do("POST", "/api/v1/auth/password", map[string]any{"current_password": testPassword, "new_password": "another long passphrase"}), http.StatusNoContent)
		}},
		{"login reset (command line)", func(c *client, _ int64) {
			if _, err := a.auth.ResetLogin(context.Background(), c.name(), "a reset long passphrase", false); err != nil {
				t.Fatal(err)
			}
		}},
		{"same browser logs in again", func(c *client, _ int64) {
			again := *c
			if st := goodLogin(&again, c.name()); st != http.StatusOK {
				t.Fatalf("login again: %d", st)
			}
		}},
	}
}

// name is the username of the client's user.
func (c *client) name() string {
	c.a.t.Helper()
	var name string
	if err := c.a.db.Pool.QueryRow(context.Background(), `SELECT username FROM auth_user WHERE id = $1`, c.userID).Scan(&name); err != nil {
		c.a.t.Fatal(err)
	}
	return name
}

// cached makes sure c's session is in the cache of the instance c talks to.
func cached(t *testing.T, c *client) {
	t.Helper()
	for range 2 {
		expect(t, c.do("GET", "/api/v1/auth/me", nil), http.StatusOK)
	}
}

func TestSessionCacheRevocationIsImmediate(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("cache-admin", auth.RoleAdmin)
	for i, tc := range revocations(t, a) {
		name := "cached-" + strconv.Itoa(i)
		id := a.newUser(name, auth.RoleDoctor)
		c := a.login(name, "10.1.0.5")
		cached(t, c)
		tc.do(c, id)
		if w := c.do("GET", "/api/v1/auth/me", nil); w.Code != http.StatusUnauthorized {
			t.Errorf("%s: the next request answered %d, want 401 at once", tc.name, w.Code)
		}
	}
}

// secondInstance is another Chelal on a's database: its own auth service (its own cache) and
// handler; copy a client and set its a to talk to it.
func secondInstance(t *testing.T, a *api) *api {
	b := &api{t: t, db: a.db, auth: testAuth(t, a.db, auth.Config{}), roles: a.roles}
	b.wire(Deps{})
	return b
}

// on is c talking to instance b.
func (c *client) on(b *api) *client {
	d := *c
	d.a = b
	return &d
}

func TestSessionCacheRevocationAcrossInstances(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	b := secondInstance(t, a)
	a.newUser("cache-admin", auth.RoleAdmin)
	for i, tc := range revocations(t, a) {
		name := "twice-" + strconv.Itoa(i)
		id := a.newUser(name, auth.RoleDoctor)
		c := a.login(name, "10.1.0.6")
		cb := c.on(b)
		cached(t, cb)
		tc.do(c, id) // through instance a
		revoked := time.Now()
		for {
			w := cb.do("GET", "/api/v1/auth/me", nil)
			if w.Code == http.StatusUnauthorized {
				break
			}
			if w.Code != http.StatusOK {
				t.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
			}
			if took := time.Since(revoked); took > auth.SessionCacheFor {
				t.Fatalf("%s: instance b still let the session through %v after it ended on a", tc.name, took)
			}
			time.Sleep(20 * time.Millisecond)
		}
		t.Logf("%s: refused by the other instance after %v", tc.name, time.Since(revoked).Round(time.Millisecond))
	}
}

// While the other instance listens for events (a stream is open there), it forgets its
// cache as soon as it hears the change: by the time its stream ends, the session is refused.
func TestSessionCacheForgottenByTheListener(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	b := secondInstance(t, a)
	srvB := httptest.NewServer(b.h)
	t.Cleanup(srvB.Close)
	a.newUser("cache-admin", auth.RoleAdmin)
	for i, tc := range revocations(t, a) {
		name := "heard-" + strconv.Itoa(i)
		id := a.newUser(name, auth.RoleDoctor)
		c := a.login(name, "10.1.0.7")
		cb := c.on(b)
		s := openStream(t, srvB.URL, cb, "")
		cached(t, cb)
		tc.do(c, id)
		for m := s.next(2 * time.Second); m.event != "end"; m = s.next(2 * time.Second) {
		}
		if w := cb.do("GET", "/api/v1/auth/me", nil); w.Code != http.StatusUnauthorized {
			t.Errorf("%s: instance b answered %d after its stream ended, want 401", tc.name, w.Code)
		}
		s.close()
	}
}

// A cached session still ends at its idle timeout, to the moment: the cache entry lasts no
// longer than what is left of it.
func TestSessionCacheKeepsTheIdleTimeout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("almost-idle", auth.RoleNurse, "10.1.0.8")
	// 300 ms of idle time left (a direct write, which the cache cannot know of: forgotten).
	a.exec(`UPDATE core_session SET last_seen_at = now() - interval '15 minutes' + interval '300 milliseconds' WHERE user_id = $1`, c.userID)
	a.auth.ForgetSessions()
	expect(t, c.do("GET", "/api/v1/auth/me", nil), http.StatusOK) // a background read: no activity
	time.Sleep(400 * time.Millisecond)
	expect(t, c.do("GET", "/api/v1/auth/me", nil), http.StatusUnauthorized)
}

// The user's activity is written at most once per interval even when the session comes from
// the cache, and a request served from the cache after the write does not write it again.
func TestSessionCacheNotesActivity(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("busy", auth.RoleNurse, "10.1.0.9")
	a.exec(`UPDATE core_session SET last_seen_at = now() - interval '10 minutes' WHERE user_id = $1`, c.userID)
	a.auth.ForgetSessions()
	expect(t, c.do("GET", "/api/v1/auth/me", nil), http.StatusOK) // cached, last seen 10 minutes ago
	expect(t, c.do("GET", "/api/v1/auth/me", nil, ActivityHeader, "user"), http.StatusOK)
	first := queryValue[time.Time](a, `SELECT last_seen_at FROM core_session WHERE user_id = $1`, c.userID)
	if time.Since(first) > time.Minute {
		t.Fatalf("the user's read from a cached session did not restart the idle time (last seen %v)", first)
	}
	time.Sleep(20 * time.Millisecond)
	expect(t, c.do("GET", "/api/v1/auth/me", nil, ActivityHeader, "user"), http.StatusOK)
	second := queryValue[time.Time](a, `SELECT last_seen_at FROM core_session WHERE user_id = $1`, c.userID)
	if !second.Equal(first) {
		t.Fatalf("last_seen_at written again %v after the last write", second.Sub(first))
	}
}
