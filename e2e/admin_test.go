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
