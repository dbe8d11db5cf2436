package server

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"chelal/internal/auth"
)

// retryAfter reads a 429's Retry-After in seconds.
func retryAfter(t *testing.T, w *httptest.ResponseRecorder) int {
	t.Helper()
	v := w.Header().Values("Retry-After")
	if len(v) != 1 {
		t.Fatalf("Retry-After %v, want one value", v)
	}
	n, err := strconv.Atoi(v[0])
	if err != nil {
		t.Fatalf("Retry-After %q: %v", v[0], err)
	}
	return n
}

func badLogin(c *client, username string) int {
	return c.do("POST", "/api/v1/auth/login", map[string]any{"username": username, "password": "not the password"}).Code
}

func goodLogin(c *client, username string) int {
	w := c.do("POST", "/api/v1/auth/login", map[string]any{"username": username, "password": testPassword})
	if w.Code == 200 {
		c.takeSession(w)
	}
	return w.Code
}

// Guessing an account's password from one workstation locks the account for the clients it
// has never logged in from, not for its known workstations, even at the guesser's address.
func TestKnownWorkstationIsNotLockedOut(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("onlyadmin", auth.RoleAdmin)
	desk := a.login("onlyadmin", "10.9.0.66") // the administrator's own workstation, known from now on
	expect(t, desk.do("POST", "/api/v1/auth/logout", nil), 204)

	guesser := a.anonymous("10.9.0.66") // the same address (a shared NAT, the server's own browser)
	for i := 0; i < 5; i++ {
		if st := badLogin(guesser, "onlyadmin"); st != 401 {
			t.Fatalf("guess %d: %d, want 401", i, st)
		}
	}
	for i := 0; i < 3; i++ { // repeatably: the known workstation's success does not lift the lock
		if st := goodLogin(a.anonymous("10.9.0.66"), "onlyadmin"); st != 429 {
			t.Fatalf("unknown client with the right password: %d, want 429", st)
		}
		if st := goodLogin(a.anonymous("10.9.0.7"), "onlyadmin"); st != 429 {
			t.Fatalf("another unknown client: %d, want 429 (the account lock holds for unknown clients)", st)
		}
		if st := goodLogin(desk, "onlyadmin"); st != 200 {
			t.Fatalf("the known workstation: %d, want 200", st)
		}
		expect(t, desk.do("POST", "/api/v1/auth/logout", nil), 204)
	}
	if locked := a.count(`
		SELECT count(*) FROM core_auditlog WHERE action = 'login_locked' AND changes->>'throttle' = 'account'`); locked == 0 {
		t.Fatalf("login_locked audit rows naming the account throttle: %d", locked)
	}
}

// A known workstation's own failures slow it down with growing delays.
func TestKnownWorkstationGrowingDelays(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	desk := a.signedIn("typist", auth.RoleNurse, "10.9.1.1")
	desk.cookie = ""
	for i := 0; i < 5; i++ {
		if st := badLogin(desk, "typist"); st != 401 {
			t.Fatalf("failure %d: %d, want 401", i, st)
		}
	}
	w := desk.do("POST", "/api/v1/auth/login", map[string]any{"username": "typist", "password": testPassword})
	expect(t, w, 429)
	if r := retryAfter(t, w); r < 1 || r > 30 {
		t.Fatalf("first delay: Retry-After %d, want 1..30", r)
	}
	// Another client is not held by this workstation's delay.
	if st := goodLogin(a.anonymous("10.9.1.2"), "typist"); st != 200 {
		t.Fatalf("another client while the workstation waits: %d, want 200", st)
	}
	// The delay passes; the next failure doubles it.
	a.exec(`
		UPDATE core_loginattempt SET attempted_at = attempted_at - interval '31 seconds' WHERE username = 'typist' AND known_device`)
	if st := badLogin(desk, "typist"); st != 401 {
		t.Fatalf("after the delay: %d, want 401", st)
	}
	w = desk.do("POST", "/api/v1/auth/login", map[string]any{"username": "typist", "password": testPassword})
	expect(t, w, 429)
	if r := retryAfter(t, w); r <= 30 || r > 60 {
		t.Fatalf("second delay: Retry-After %d, want 31..60", r)
	}
}

// The per-address cap holds unknown clients at that address, not the workstations known to
// the account they log in as.
func TestClientCapSparesKnownWorkstations(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	desk := a.signedIn("pharma", auth.RolePharmacist, "10.9.2.2")
	a.newUser("cashier1", auth.RoleCashier)
	desk.cookie = ""
	attacker := a.anonymous("10.9.2.2")
	for i := 0; i < 20; i++ {
		expect(t, attacker.do("POST", "/api/v1/auth/login", map[string]any{"username": fmt.Sprintf("user%d", i), "password": "wrong wrong wrong"}), 401)
	}
	if st := goodLogin(a.anonymous("10.9.2.2"), "cashier1"); st != 429 {
		t.Fatalf("unknown client at the capped address: %d, want 429", st)
	}
	if st := goodLogin(desk, "pharma"); st != 200 {
		t.Fatalf("known workstation at the capped address: %d, want 200", st)
	}
	// ... but it is unknown for another account, so the cap holds it there.
	if st := goodLogin(desk, "cashier1"); st != 429 {
		t.Fatalf("the workstation as another account: %d, want 429", st)
	}
}

func TestAdminListsAndClearsLoginLocks(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.9.3.1")
	a.newUser("reception", auth.RoleReceptionist)
	nurse := a.signedIn("nurse2", auth.RoleNurse, "10.9.3.2")
	for i := 0; i < 5; i++ {
		badLogin(a.anonymous("172.16.9.8"), "reception")
	}
	guesser := a.anonymous("172.16.9.9")
	for i := 0; i < 20; i++ {
		badLogin(guesser, fmt.Sprintf("someone%d", i))
	}
	expect(t, nurse.do("GET", "/api/v1/login-throttles", nil), 403)
	expect(t, nurse.do("DELETE", "/api/v1/login-throttles?username=reception", nil), 403)

	list := expect(t, admin.do("GET", "/api/v1/login-throttles", nil), 200)
	var sawAccount, sawPair, sawClient bool
	for _, it := range list["items"].([]any) {
		m := it.(map[string]any)
		switch {
		case m["scope"] == "account" && m["username"] == "reception":
			sawAccount = m["locked_until"] != nil && m["failures"] == float64(5) && m["user_id"] != nil
		case m["scope"] == "account-client" && m["username"] == "reception":
			sawPair = m["ip"] == "172.16.9.8" && m["known_workstation"] == false && m["failures"] == float64(5)
		case m["scope"] == "client":
			sawClient = m["ip"] == "172.16.9.9" && m["locked_until"] != nil && m["failures"] == float64(20)
		}
	}
	if !sawAccount || !sawPair || !sawClient {
		t.Fatalf("throttles list (account %v, account-client %v, client %v): %v", sawAccount, sawPair, sawClient, list)
	}

	expect(t, admin.do("DELETE", "/api/v1/login-throttles", nil), 422)
	expect(t, admin.do("DELETE", "/api/v1/login-throttles?ip=not-an-ip", nil), 422)
	expect(t, admin.do("DELETE", "/api/v1/login-throttles?username=Reception", nil), 204)
	// The account is free again for other clients; the guesser's address is still capped.
	if st := goodLogin(a.anonymous("10.9.3.3"), "reception"); st != 200 {
		t.Fatalf("after clearing the account: %d, want 200", st)
	}
	if st := goodLogin(a.anonymous("172.16.9.9"), "nurse2"); st != 429 {
		t.Fatalf("the capped address: %d, want 429", st)
	}
	expect(t, admin.do("DELETE", "/api/v1/login-throttles?ip=172.16.9.9", nil), 204)
	if st := goodLogin(a.anonymous("172.16.9.9"), "nurse2"); st != 200 {
		t.Fatalf("after clearing the address: %d, want 200", st)
	}
	if items := expect(t, admin.do("GET", "/api/v1/login-throttles", nil), 200)["items"].([]any); len(items) != 0 {
		t.Fatalf("throttles left after clearing: %v", items)
	}
	if unlocked := a.count(`
		SELECT count(*) FROM core_auditlog WHERE action = 'login_unlocked' AND user_id = $1`, admin.userID); unlocked != 2 {
		t.Fatalf("login_unlocked audit rows by the admin: %d, want 2", unlocked)
	}
}

// Wrong current passwords and wrong 2FA codes count like failed logins of the account from
// that client: 429 after the same limits, audited.
func TestReauthenticationIsThrottled(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("shared", auth.RoleDoctor)
	a.newUser("careful2", auth.RoleDoctor)
	ctx := context.Background()

	c := a.login("shared", "10.9.4.1")
	for i := 0; i < 5; i++ {
		w := c.do("POST", "/api/v1/auth/password", map[string]any{"current_password": fmt.Sprintf("guess %d guess", i), "new_password": "a much better passphrase"})
		expect(t, w, 422)
	}
	w := c.do("POST", "/api/v1/auth/password", map[string]any{"current_password": testPassword, "new_password": "a much better passphrase"})
	expect(t, w, 429)
	if problemType(t, w) != "login-locked" || retryAfter(t, w) < 1 {
		t.Fatalf("locked password change: %s %v", w.Body, w.Header())
	}
	// The same counter as the login's, for this browser.
	if st := goodLogin(c, "shared"); st != 429 {
		t.Fatalf("login from the browser that guessed: %d, want 429", st)
	}
	var failed, locked int
	if err := a.db.Pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE action = 'reauth_failed'), count(*) FILTER (WHERE action = 'reauth_locked')
		  FROM core_auditlog WHERE ip_address = '10.9.4.1'`).Scan(&failed, &locked); err != nil || failed != 5 || locked != 1 {
		t.Fatalf("audit: %d reauth_failed, %d reauth_locked (%v), want 5 and 1", failed, locked, err)
	}

	// 2FA: wrong codes (with the right password) on /auth/2fa/disable.
	d := a.login("careful2", "10.9.4.2")
	secret := expect(t, d.do("POST", "/api/v1/auth/2fa/setup", nil), 200)["secret"].(string)
	code, err := totp.GenerateCodeCustom(secret, time.Now(), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	codes := expect(t, d.do("POST", "/api/v1/auth/2fa/enable", map[string]any{"code": code}), 200)["recovery_codes"].([]any)
	for i := 0; i < 5; i++ {
		expect(t, d.do("POST", "/api/v1/auth/2fa/disable", map[string]any{"password": testPassword, "code": fmt.Sprintf("%06d", i)}), 422)
	}
	w = d.do("POST", "/api/v1/auth/2fa/disable", map[string]any{"password": testPassword, "code": codes[0]})
	expect(t, w, 429)
	if err := a.db.Pool.QueryRow(ctx, `
		SELECT count(*) FILTER (WHERE action = 'reauth_failed' AND changes->>'during' = '2fa-disable'), count(*) FILTER (WHERE action = 'reauth_locked')
		  FROM core_auditlog WHERE ip_address = '10.9.4.2'`).Scan(&failed, &locked); err != nil || failed != 5 || locked != 1 {
		t.Fatalf("audit: %d reauth_failed, %d reauth_locked (%v), want 5 and 1", failed, locked, err)
	}
	var enabled bool
	if err := a.db.Pool.QueryRow(ctx, `SELECT two_factor_enabled FROM auth_user WHERE username = 'careful2'`).Scan(&enabled); err != nil || !enabled {
		t.Fatalf("2FA was turned off by a throttled request (%v)", err)
	}
}

// Only the user's actions restart the idle clock: writes, and reads marked X-Chelal-Activity:
// user. Background reads (no header) do not.
func TestBackgroundRequestsDoNotExtendSession(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("idler", auth.RoleReceptionist, "10.9.5.1")
	age := func() time.Duration {
		t.Helper()
		secs := queryValue[float64](a, `SELECT extract(epoch FROM now() - last_seen_at) FROM core_session WHERE user_id = $1`, c.userID)
		return time.Duration(secs * float64(time.Second))
	}
	idle := func() {
		t.Helper()
		a.exec(`UPDATE core_session SET last_seen_at = now() - interval '10 minutes' WHERE user_id = $1`, c.userID)
		a.auth.ForgetSessions() // a direct write: the session cache cannot know of it
	}
	cases := []struct {
		name    string
		method  string
		path    string
		header  []string
		extends bool
	}{
		{"background read", "GET", "/api/v1/auth/me", nil, false},
		{"background read, other value", "GET", "/api/v1/auth/me", []string{ActivityHeader, "background"}, false},
		{"user read", "GET", "/api/v1/auth/me", []string{ActivityHeader, "user"}, true},
		{"write", "POST", "/api/v1/auth/2fa/setup", nil, true},
	}
	for _, tc := range cases {
		idle()
		w := c.do(tc.method, tc.path, nil, tc.header...)
		if w.Code != 200 {
			t.Fatalf("%s: %d %s", tc.name, w.Code, w.Body)
		}
		if got := age() < time.Minute; got != tc.extends {
			t.Errorf("%s: extended the session %v, want %v (last seen %v ago)", tc.name, got, tc.extends, age())
		}
	}
	// Background reads alone: the session ends at the idle timeout.
	a.exec(`UPDATE core_session SET last_seen_at = now() - interval '14 minutes 50 seconds' WHERE user_id = $1`, c.userID)
	a.auth.ForgetSessions()
	expect(t, c.do("GET", "/api/v1/auth/me", nil), 200)
	a.exec(`UPDATE core_session SET last_seen_at = last_seen_at - interval '20 seconds' WHERE user_id = $1`, c.userID)
	a.auth.ForgetSessions()
	expect(t, c.do("GET", "/api/v1/auth/me", nil), 401)
}

// Logging in again from a browser ends the session token it held, whoever it belonged to.
func TestLoginEndsTheBrowsersPreviousSession(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("first", auth.RoleNurse, "10.9.6.1")
	a.newUser("second", auth.RoleDoctor)
	other := a.login("first", "10.9.6.2") // another browser of the same user
	old := c.cookie
	if st := goodLogin(c, "first"); st != 200 {
		t.Fatalf("login again: %d", st)
	}
	if c.cookie == old {
		t.Fatal("the same session token after a new login")
	}
	stale := &client{a: a, ip: "10.9.6.1", cookie: old}
	expect(t, stale.do("GET", "/api/v1/auth/me", nil), 401)
	expect(t, c.do("GET", "/api/v1/auth/me", nil), 200)
	expect(t, other.do("GET", "/api/v1/auth/me", nil), 200) // other browsers keep theirs

	old = c.cookie
	if st := goodLogin(c, "second"); st != 200 {
		t.Fatalf("login as another user: %d", st)
	}
	stale.cookie = old
	expect(t, stale.do("GET", "/api/v1/auth/me", nil), 401)
	if n := a.count(`SELECT count(*) FROM core_session WHERE ip_address = '10.9.6.1'`); n != 1 {
		t.Fatalf("%d sessions of the browser, want 1", n)
	}
}
