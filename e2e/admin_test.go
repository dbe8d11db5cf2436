package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// TestAdminFromTerminal: the recovery path of a clinic with no IT staff is the server's own
// terminal. `chelal admin create` makes an administrator, `chelal admin reset-password`
// replaces a forgotten password (audited), and both work against the real binary with the
// real argon2id parameters.
func TestAdminFromTerminal(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}

	out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test")
	if code != 0 || !strings.Contains(out, `administrator "amina" created`) {
		t.Fatalf("admin create: exit %d:\n%s", code, out)
	}
	out, code = runChelalInput(t, false, env, "short\n", "admin", "reset-password", "amina")
	if code == 0 || !strings.Contains(out, "password") {
		t.Fatalf("a weak reset was accepted: exit %d:\n%s", code, out)
	}
	out, code = runChelalInput(t, false, env, "a brand new password\n", "admin", "reset-password", "nobody-here")
	if code == 0 || !strings.Contains(out, "no user") {
		t.Fatalf("reset of an unknown user: exit %d:\n%s", code, out)
	}

	c := startServe(t, data)
	if st := login(t, c.addr, "amina", "first password 123"); st != http.StatusOK {
		t.Fatalf("login after admin create: %d", st)
	}
	c.stop(t)

	out, code = runChelalInput(t, false, env, "a brand new password\n", "admin", "reset-password", "amina")
	if code != 0 || !strings.Contains(out, "reset") {
		t.Fatalf("admin reset-password: exit %d:\n%s", code, out)
	}
	c = startServe(t, data)
	if st := login(t, c.addr, "amina", "first password 123"); st != http.StatusUnauthorized {
		t.Fatalf("old password after reset: %d, want 401", st)
	}
	if st := login(t, c.addr, "amina", "a brand new password"); st != http.StatusOK {
		t.Fatalf("new password after reset: %d, want 200", st)
	}
	conn := connect(t, embeddedDSN(t, data))
	var resets int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM core_auditlog WHERE action = 'password_reset' AND changes->>'via' = 'terminal'`).Scan(&resets); err != nil || resets != 1 {
		t.Fatalf("password_reset audit rows: %d (%v), want 1", resets, err)
	}

	// A lone administrator with 2FA on, who lost the phone and the recovery codes: the
	// password alone no longer logs in; reset-password --reset-2fa turns 2FA off (audited).
	ctx := context.Background()
	if _, err := conn.Exec(ctx, `UPDATE auth_user SET two_factor_enabled = true, two_factor_secret = 'sealed-secret-of-a-lost-phone' WHERE username = 'amina'`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO core_recoverycode (user_id, code_hash) SELECT id, 'lost-code-hash' FROM auth_user WHERE username = 'amina'`); err != nil {
		t.Fatal(err)
	}
	if st := login(t, c.addr, "amina", "a brand new password"); st == http.StatusOK {
		t.Fatal("logged in without the second factor")
	}
	c.stop(t)
	out, code = runChelalInput(t, false, env, "a third password 456\n", "admin", "reset-password", "amina", "--reset-2fa")
	if code != 0 || !strings.Contains(out, "two-factor authentication of \"amina\" is off") {
		t.Fatalf("admin reset-password --reset-2fa: exit %d:\n%s", code, out)
	}
	c = startServe(t, data)
	if st := login(t, c.addr, "amina", "a third password 456"); st != http.StatusOK {
		t.Fatalf("login after --reset-2fa: %d, want 200", st)
	}
	conn = connect(t, embeddedDSN(t, data))
	var enabled bool
	var codes, audited int
	if err := conn.QueryRow(ctx, `SELECT two_factor_enabled, (SELECT count(*) FROM core_recoverycode r WHERE r.user_id = u.id),
		       (SELECT count(*) FROM core_auditlog a WHERE a.action = 'password_reset' AND a.object_id = u.id AND (a.changes->>'two_factor_reset')::boolean)
		  FROM auth_user u WHERE username = 'amina'`).Scan(&enabled, &codes, &audited); err != nil || enabled || codes != 0 || audited != 1 {
		t.Fatalf("after --reset-2fa: 2FA on %v, %d recovery codes, %d audit rows (%v)", enabled, codes, audited, err)
	}
	c.stop(t)
}

// login posts a login to a running Chelal and checks the session cookie's attributes.
func login(t *testing.T, addr, username, password string) int {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": username, "password": password})
	resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		cookie := resp.Header.Get("Set-Cookie")
		for _, attr := range []string{"chelal_session=", "HttpOnly", "SameSite=Strict", "Path=/"} {
			if !strings.Contains(cookie, attr) {
				t.Errorf("session cookie %q lacks %s", cookie, attr)
			}
		}
		if strings.Contains(cookie, "Secure") {
			t.Errorf("session cookie %q is Secure on plain HTTP (browsers would drop it)", cookie)
		}
	}
	return resp.StatusCode
}
