package server

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"chelal/internal/auth"
)

// djangoHash is testPassword hashed by Django's PBKDF2PasswordHasher (computed with Python's
// hashlib.pbkdf2_hmac, not by the code under test).
const djangoHash = "pbkdf2_sha256$260000$seasalt123$kxU6il220OIKJLp1MtFkmidiZcUA9xAc+gqAq+Ln5CE="

func (a *api) setStoredHash(username, hash string) {
	a.t.Helper()
	a.exec(`UPDATE auth_user SET password = $2 WHERE username = $1`, username, hash)
}

func (a *api) storedHash(username string) string {
	a.t.Helper()
	var h string
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT password FROM auth_user WHERE username = $1`, username).Scan(&h); err != nil {
		a.t.Fatal(err)
	}
	return h
}

// A user imported from the original Chelal logs in with their old password; the Django hash is
// replaced by Argon2id at that first success (and only then), and the new hash works after it.
func TestDjangoPasswordUpgradedAtFirstLogin(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("oldnurse", auth.RoleNurse)
	a.setStoredHash("oldnurse", djangoHash)

	expect(t, a.anonymous("10.0.0.1").do("POST", "/api/v1/auth/login", map[string]any{"username": "oldnurse", "password": "not the password"}), 401)
	if got := a.storedHash("oldnurse"); got != djangoHash {
		t.Fatalf("after a wrong password the hash is %q, want the Django hash untouched", got)
	}
	a.login("oldnurse", "10.0.0.1")
	if got := a.storedHash("oldnurse"); !strings.HasPrefix(got, "$argon2id$") {
		t.Fatalf("after the first login the hash is %q, want Argon2id", got)
	}
	a.login("oldnurse", "10.0.0.2")

	// Django's unusable password opens nothing (and is no server error).
	a.newUser("nopass", auth.RoleNurse)
	a.setStoredHash("nopass", "!XyZunusable")
	expect(t, a.anonymous("10.0.0.3").do("POST", "/api/v1/auth/login", map[string]any{"username": "nopass", "password": testPassword}), 401)
}

// The lockout applies to imported users as to any other: after five wrong passwords even the
// right one is refused, and the Django hash stays as it was.
func TestDjangoPasswordLockout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("olddoc", auth.RoleDoctor)
	a.setStoredHash("olddoc", djangoHash)
	for i := 0; i < 5; i++ {
		expect(t, a.anonymous("172.16.1.9").do("POST", "/api/v1/auth/login", map[string]any{"username": "olddoc", "password": fmt.Sprintf("guess %d", i)}), 401)
	}
	expect(t, a.anonymous("172.16.1.10").do("POST", "/api/v1/auth/login", map[string]any{"username": "olddoc", "password": testPassword}), 429)
	if got := a.storedHash("olddoc"); got != djangoHash {
		t.Fatalf("hash %q after a locked login, want the Django hash", got)
	}
}
