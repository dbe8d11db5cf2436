package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"chelal/internal/auth"
)

func TestSetupOnlyOnce(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	anon := a.anonymous("10.0.0.5")
	if m := expect(t, anon.do("GET", "/api/v1/setup", nil), 200); m["needed"] != true {
		t.Fatalf("fresh install: setup needed = %v", m["needed"])
	}
	setup := setupBody()

	// Bad input changes nothing: every bad field is reported at once.
	bad := map[string]any{"clinic_name": "", "username": "ad min", "email": "nope", "password": "short"}
	p := expect(t, anon.do("POST", "/api/v1/setup", bad), 422)
	expectFieldErrors(t, "setup", p, "clinic_name", "username", "email", "password")

	// Two at once: exactly one wins.
	var wg sync.WaitGroup
	codes := make([]int, 2)
	for i := range codes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := map[string]any{}
			for k, v := range setup {
				s[k] = v
			}
			s["username"], s["email"] = fmt.Sprintf("admin%d", i), fmt.Sprintf("admin%d@kisumu.test", i)
			codes[i] = anon.do("POST", "/api/v1/setup", s).Code
		}()
	}
	wg.Wait()
	if !(codes[0] == 201 && codes[1] == 409 || codes[0] == 409 && codes[1] == 201) {
		t.Fatalf("two simultaneous setups answered %v, want one 201 and one 409", codes)
	}
	if m := expect(t, anon.do("GET", "/api/v1/setup", nil), 200); m["needed"] != false {
		t.Fatal("setup still needed after it was done")
	}
	w := anon.do("POST", "/api/v1/setup", setup)
	expect(t, w, 409)
	if got := problemType(t, w); got != "already-set-up" {
		t.Errorf("second setup: type %q", got)
	}
	if users := a.count(`SELECT count(*) FROM auth_user`); users != 1 {
		t.Fatalf("%d users after setups, want 1", users)
	}
}

func TestPasswordRules(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	for _, tc := range []struct {
		password, code string
	}{
		{strings.Repeat("a1", 5) + "b", "too_short"}, // 11
		{strings.Repeat("ab", 64) + "c", "too_long"}, // 129
		{strings.Repeat("x", 20), "invalid"},         // one repeated character
		{"", "required"},                             // missing
		{"dora-the-explorer", "invalid"},             // = username
	} {
		w := admin.do("POST", "/api/v1/users", map[string]any{"username": "dora-the-explorer", "email": "d@clinic.test",
			"password": tc.password, "role_id": a.roles["nurse"]})
		p := expect(t, w, 422)
		if !hasFieldError(p, "password", tc.code) {
			t.Errorf("password %q: errors %v, want password/%s", tc.password, p["errors"], tc.code)
		}
	}
	// 12 and 128 characters are fine (counted in characters, not bytes).
	for i, pw := range []string{"ñandú-ölçü-é", strings.Repeat("ab", 63) + "cd"} {
		w := admin.do("POST", "/api/v1/users", map[string]any{"username": "ok" + strconv.Itoa(i), "email": fmt.Sprintf("ok%d@clinic.test", i),
			"password": pw, "role_id": a.roles["nurse"]})
		expect(t, w, 201)
	}
	if n := a.count(`SELECT count(*) FROM auth_user WHERE username = 'dora-the-explorer'`); n != 0 {
		t.Fatalf("a refused user was stored (%d)", n)
	}
}

func TestChangePasswordEndsOtherSessions(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	here := a.signedIn("nurse1", auth.RoleNurse, "10.0.0.1")
	there := a.login("nurse1", "10.0.0.2")

	w := here.do("POST", "/api/v1/auth/password", map[string]any{"current_password": "not my password", "new_password": "a much better passphrase"})
	expect(t, w, 422)
	expect(t, there.do("GET", "/api/v1/auth/me", nil), 200) // a failed change ends nothing

	w = here.do("POST", "/api/v1/auth/password", map[string]any{"current_password": testPassword, "new_password": "a much better passphrase"})
	expect(t, w, 204)
	expect(t, here.do("GET", "/api/v1/auth/me", nil), 200)
	expect(t, there.do("GET", "/api/v1/auth/me", nil), 401)

	old := a.anonymous("10.0.0.3").do("POST", "/api/v1/auth/login", map[string]any{"username": "nurse1", "password": testPassword})
	expect(t, old, 401)
	fresh := a.anonymous("10.0.0.3").do("POST", "/api/v1/auth/login", map[string]any{"username": "nurse1", "password": "a much better passphrase"})
	expect(t, fresh, 200)
}

func TestLoginLockout(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("reception", auth.RoleReceptionist)
	guesser := a.anonymous("172.16.0.9")
	for i := 0; i < 5; i++ {
		w := guesser.do("POST", "/api/v1/auth/login", map[string]any{"username": "reception", "password": fmt.Sprintf("guess number %d", i)})
		expect(t, w, 401)
	}
	// Locked: even the right password is not checked, from any address.
	w := a.anonymous("172.16.0.10").do("POST", "/api/v1/auth/login", map[string]any{"username": "Reception", "password": testPassword})
	expect(t, w, 429)
	retry, err := strconv.Atoi(w.Header().Get("Retry-After"))
	if err != nil || retry < 1 || retry > 15*60 {
		t.Fatalf("Retry-After %q, want 1..900 seconds", w.Header().Get("Retry-After"))
	}
	// An unknown account behaves the same: a lockout does not reveal whether it exists.
	for i := 0; i < 5; i++ {
		expect(t, guesser.do("POST", "/api/v1/auth/login", map[string]any{"username": "ghost", "password": "wrong wrong wrong"}), 401)
	}
	ghost := guesser.do("POST", "/api/v1/auth/login", map[string]any{"username": "ghost", "password": "wrong wrong wrong"})
	expect(t, ghost, 429)
	if ghost.Header().Get("Retry-After") == "" {
		t.Fatal("unknown account's lockout has no Retry-After")
	}

	// Every attempt is an audit row with the address.
	var failed, locked int
	err = a.db.Pool.QueryRow(context.Background(), `
		SELECT count(*) FILTER (WHERE action = 'login_failed'), count(*) FILTER (WHERE action = 'login_locked')
		  FROM core_auditlog WHERE ip_address IN ('172.16.0.9', '172.16.0.10')`).Scan(&failed, &locked)
	if err != nil || failed != 10 || locked != 2 {
		t.Fatalf("audit: %d login_failed and %d login_locked rows (%v), want 10 and 2", failed, locked, err)
	}
}

func TestLoginLockoutPerAddress(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("pharma", auth.RolePharmacist)
	attacker := a.anonymous("172.16.5.5")
	for i := 0; i < 20; i++ { // 20 different names: no account reaches its own limit
		expect(t, attacker.do("POST", "/api/v1/auth/login", map[string]any{"username": fmt.Sprintf("user%d", i), "password": "wrong wrong wrong"}), 401)
	}
	expect(t, attacker.do("POST", "/api/v1/auth/login", map[string]any{"username": "pharma", "password": testPassword}), 429)
	// Another workstation is not punished.
	expect(t, a.anonymous("172.16.5.6").do("POST", "/api/v1/auth/login", map[string]any{"username": "pharma", "password": testPassword}), 200)
}

func TestSessionTimeouts(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("doc", auth.RoleDoctor)

	idle := a.login("doc", "10.0.0.1")
	expect(t, idle.do("GET", "/api/v1/auth/me", nil), 200)
	a.exec(`UPDATE core_session SET last_seen_at = now() - interval '16 minutes' WHERE user_id = $1`, idle.userID)
	a.auth.ForgetSessions() // the clock jump is a direct write: the session cache cannot know of it
	w := idle.do("GET", "/api/v1/auth/me", nil)
	expect(t, w, 401)
	if got := problemType(t, w); got != "session-expired" {
		t.Errorf("idle session: type %q, want session-expired", got)
	}

	old := a.login("doc", "10.0.0.1")
	a.exec(`UPDATE core_session SET created_at = now() - interval '12 hours 1 minute'`)
	a.auth.ForgetSessions()
	expect(t, old.do("GET", "/api/v1/auth/me", nil), 401)

	// Logout ends the session for good.
	c := a.login("doc", "10.0.0.1")
	expect(t, c.do("POST", "/api/v1/auth/logout", nil), 204)
	expect(t, c.do("GET", "/api/v1/auth/me", nil), 401)
}

func TestDeactivatedUserIsLoggedOutAtOnce(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	id := a.newUser("leaver", auth.RoleCashier)
	leaver := a.login("leaver", "10.0.0.2")
	expect(t, leaver.do("GET", "/api/v1/auth/me", nil), 200)

	u := expect(t, admin.do("GET", "/api/v1/users/"+strconv.FormatInt(id, 10), nil), 200)
	w := admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(id, 10), map[string]any{"is_active": false}, "If-Match", strconv.FormatInt(userVersion(t, u), 10))
	expect(t, w, 200)
	expect(t, leaver.do("GET", "/api/v1/auth/me", nil), 401)
	expect(t, a.anonymous("10.0.0.2").do("POST", "/api/v1/auth/login", map[string]any{"username": "leaver", "password": testPassword}), 401)

	// The last administrator cannot lock everyone out.
	me := expect(t, admin.do("GET", "/api/v1/auth/me", nil), 200)
	w = admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(admin.userID, 10), map[string]any{"is_active": false, "version": userVersion(t, me)})
	expect(t, w, 409)
	expect(t, admin.do("GET", "/api/v1/auth/me", nil), 200)
}

func TestStaleUserEditIsRefused(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	id := a.newUser("nurse2", auth.RoleNurse)
	path := "/api/v1/users/" + strconv.FormatInt(id, 10)
	v := userVersion(t, expect(t, admin.do("GET", path, nil), 200))

	expect(t, admin.do("PATCH", path, map[string]any{"first_name": "Grace", "version": v}), 200)
	w := admin.do("PATCH", path, map[string]any{"first_name": "Overwritten", "version": v}) // the same, stale, version
	expect(t, w, 409)
	if got := problemType(t, w); got != "stale-version" {
		t.Errorf("stale edit: type %q", got)
	}
	u := expect(t, admin.do("GET", path, nil), 200)["user"].(map[string]any)
	if u["first_name"] != "Grace" {
		t.Fatalf("first_name %v after a stale edit, want Grace", u["first_name"])
	}
	// A missing version is refused, an unknown user is 404, a malformed id is 404.
	expect(t, admin.do("PATCH", path, map[string]any{"first_name": "X"}), 422)
	expect(t, admin.do("PATCH", "/api/v1/users/999999", map[string]any{"first_name": "X", "version": 1}), 404)
	expect(t, admin.do("GET", "/api/v1/users/abc", nil), 404)
	expect(t, admin.do("PATCH", path, map[string]any{"role_id": 999999, "version": v + 1}), 422)
	expect(t, admin.do("PATCH", path, map[string]any{"email": "boss@clinic.test", "version": v + 1}), 409) // taken
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("doc", auth.RoleDoctor, "10.0.0.1")
	body := map[string]any{"language_preference": "fr", "version": 1}
	for name, hdr := range map[string][]string{
		"missing": {CSRFHeader, ""},
		"wrong":   {CSRFHeader, strings.Repeat("A", 43)},
	} {
		w := c.do("PATCH", "/api/v1/auth/me", body, hdr...)
		expect(t, w, 403)
		if got := problemType(t, w); got != "csrf" {
			t.Errorf("%s token: type %q, want csrf", name, got)
		}
	}
	// Another site's page posting with the user's cookie is refused by its Origin too.
	expect(t, c.do("PATCH", "/api/v1/auth/me", body, "Origin", "http://evil.example"), 403)
	u := expect(t, c.do("GET", "/api/v1/auth/me", nil), 200)["user"].(map[string]any)
	if u["language_preference"] != "en" {
		t.Fatal("a refused request changed the language")
	}
	m := expect(t, c.do("PATCH", "/api/v1/auth/me", body, "Origin", "http://localhost"), 200)
	if m["user"].(map[string]any)["language_preference"] != "fr" {
		t.Fatal("the language did not change with a valid token")
	}
}

func TestTwoFactor(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("careful", auth.RoleDoctor, "10.0.0.1")

	e := expect(t, c.do("POST", "/api/v1/auth/2fa/setup", nil), 200)
	secret := e["secret"].(string)
	if !strings.HasPrefix(e["otpauth_url"].(string), "otpauth://totp/") {
		t.Fatalf("otpauth url %v", e["otpauth_url"])
	}
	qr, err := base64.StdEncoding.DecodeString(e["qr_png"].(string))
	if err != nil || !bytes.HasPrefix(qr, []byte("\x89PNG")) {
		t.Fatalf("qr_png is not a PNG (%v)", err)
	}
	stored := queryValue[string](a, `SELECT two_factor_secret FROM auth_user WHERE username = 'careful'`)
	if strings.Contains(stored, secret) {
		t.Fatal("the 2FA secret is stored in clear in the database")
	}

	code := func(at time.Time) string {
		t.Helper()
		s, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	now := time.Now()
	expect(t, c.do("POST", "/api/v1/auth/2fa/enable", map[string]any{"code": "000000x"}), 422)
	rec := expect(t, c.do("POST", "/api/v1/auth/2fa/enable", map[string]any{"code": code(now)}), 200)
	codes := rec["recovery_codes"].([]any)
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes, want 10", len(codes))
	}

	login := func(otpCode string) (int, string) {
		w := a.anonymous("10.0.0.2").do("POST", "/api/v1/auth/login", map[string]any{"username": "careful", "password": testPassword, "otp": otpCode})
		if w.Code == 200 {
			return 200, ""
		}
		return w.Code, problemType(t, w)
	}
	if st, typ := login(""); st != 401 || typ != "otp-required" {
		t.Fatalf("login without otp: %d %s, want 401 otp-required", st, typ)
	}
	if halfway := a.count(`SELECT count(*) FROM core_auditlog WHERE action = 'login_otp_required' AND ip_address = '10.0.0.2'`); halfway != 1 {
		t.Fatalf("the attempt that still needs its code: %d audit rows, want 1", halfway)
	}
	// The code used to enable is spent: replay refused.
	if st, typ := login(code(now)); st != 401 || typ != "otp-invalid" {
		t.Fatalf("replayed code: %d %s, want 401 otp-invalid", st, typ)
	}
	next := code(now.Add(30 * time.Second))
	if st, _ := login(next); st != 200 {
		t.Fatalf("fresh code: %d, want 200", st)
	}
	if st, typ := login(next); st != 401 || typ != "otp-invalid" {
		t.Fatalf("the same code twice: %d %s, want 401 otp-invalid", st, typ)
	}
	// A recovery code works once, typed in any case, with or without its dash.
	rc := codes[0].(string)
	if st, _ := login(strings.ToUpper(strings.ReplaceAll(rc, "-", ""))); st != 200 {
		t.Fatalf("recovery code: %d, want 200", st)
	}
	if st, _ := login(rc); st != 401 {
		t.Fatalf("spent recovery code: %d, want 401", st)
	}
	if hashes := a.count(`SELECT count(*) FROM core_recoverycode rc JOIN auth_user u ON u.id = rc.user_id WHERE u.username = 'careful' AND encode(code_hash, 'escape') LIKE '%' || $1 || '%'`, rc); hashes != 0 {
		t.Fatalf("recovery codes stored in clear (%d)", hashes)
	}

	// Turning it off needs the password and a code.
	expect(t, c.do("POST", "/api/v1/auth/2fa/disable", map[string]any{"password": "wrong wrong wrong", "code": codes[1]}), 422)
	expect(t, c.do("POST", "/api/v1/auth/2fa/disable", map[string]any{"password": testPassword, "code": codes[1]}), 204)
	if st, _ := login(""); st != 200 {
		t.Fatalf("login after 2FA was turned off: %d", st)
	}
}

func TestAuditRowsCarryUserAndIP(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	ctx := context.Background()
	bossID := a.newUser("boss", auth.RoleAdmin)
	docID := a.newUser("doc", auth.RoleDoctor)
	admin := a.login("boss", "192.168.1.10")

	created := expect(t, admin.do("POST", "/api/v1/users", map[string]any{"username": "newnurse", "email": "nn@clinic.test",
		"password": testPassword, "role_id": a.roles["nurse"]}), 201)["user"].(map[string]any)
	newID := int64(created["id"].(float64))
	expect(t, admin.do("PATCH", "/api/v1/users/"+strconv.FormatInt(newID, 10), map[string]any{"last_name": "Wanjiru", "version": created["version"]}), 200)
	expect(t, a.anonymous("192.168.1.77").do("POST", "/api/v1/auth/login", map[string]any{"username": "doc", "password": "not the password"}), 401)

	patientID := queryValue[int64](a, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ('CHL-000001-0', 'Baraka', 'Mwangi', '1990-04-02', 'male') RETURNING id`)
	doc := a.login("doc", "192.168.1.42")
	chart := expect(t, doc.do("GET", "/api/v1/patients/"+strconv.FormatInt(patientID, 10), nil), 200)
	if chart["unique_id"] != "CHL-000001-0" || chart["date_of_birth"] != "1990-04-02" {
		t.Fatalf("chart: %v", chart)
	}
	expect(t, doc.do("GET", "/api/v1/patients/999999", nil), 404)

	for _, tc := range []struct {
		what, sql string
		args      []any
	}{
		{"user create", `action = 'create' AND model_name = 'auth_user' AND object_id = $1 AND user_id = $2 AND ip_address = '192.168.1.10'`, []any{newID, bossID}},
		{"user update", `action = 'update' AND model_name = 'auth_user' AND object_id = $1 AND user_id = $2 AND ip_address = '192.168.1.10'
			AND changes->'new'->>'last_name' = 'Wanjiru' AND changes->'old'->>'last_name' = ''`, []any{newID, bossID}},
		{"login failure", `action = 'login_failed' AND object_id = $1 AND user_id IS NULL AND ip_address = '192.168.1.77' AND changes->>'username' = 'doc'`, []any{docID}},
		{"login", `action = 'login' AND object_id = $1 AND user_id = $1 AND ip_address = '192.168.1.42'`, []any{docID}},
		{"chart view", `action = 'view' AND model_name = 'core_patient' AND object_id = $1 AND user_id = $2 AND ip_address = '192.168.1.42'`, []any{patientID, docID}},
	} {
		var n int
		if err := a.db.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE `+tc.sql, tc.args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", tc.what, err)
		}
		if n != 1 {
			t.Errorf("%s: %d audit rows, want 1", tc.what, n)
		}
	}
	if leaked := a.count(`SELECT count(*) FROM core_auditlog WHERE changes::text LIKE '%argon2id%'`); leaked != 0 {
		t.Fatalf("%d audit rows hold a password hash", leaked)
	}

	// The administrators' view, filtered and paginated.
	page := expect(t, admin.do("GET", fmt.Sprintf("/api/v1/audit?model_name=core_patient&object_id=%d&action=view", patientID), nil), 200)
	items := page["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["username"] != "doc" || items[0].(map[string]any)["ip_address"] != "192.168.1.42" {
		t.Fatalf("audit filter: %v", items)
	}
	first := expect(t, admin.do("GET", "/api/v1/audit?limit=2", nil), 200)
	cursor, _ := first["next_cursor"].(string)
	if len(first["items"].([]any)) != 2 || cursor == "" {
		t.Fatalf("first page: %v", first)
	}
	second := expect(t, admin.do("GET", "/api/v1/audit?limit=2&cursor="+cursor, nil), 200)
	a1 := first["items"].([]any)[1].(map[string]any)["id"].(float64)
	b0 := second["items"].([]any)[0].(map[string]any)["id"].(float64)
	if b0 >= a1 {
		t.Fatalf("second page starts at id %v, not after %v", b0, a1)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	if got := expect(t, admin.do("GET", "/api/v1/audit?from="+today+"&to="+today+"&user_id="+strconv.FormatInt(docID, 10), nil), 200); len(got["items"].([]any)) < 2 {
		t.Fatalf("today's rows of doc: %v", got)
	}
	for _, q := range []string{"limit=0x", "limit=1000", "limit=-1", "cursor=%27%3B--", "from=yesterday", "object_id=1.5", "model_name=" + strings.Repeat("m", 101)} {
		expect(t, admin.do("GET", "/api/v1/audit?"+q, nil), 422)
	}
	expect(t, doc.do("GET", "/api/v1/audit", nil), 403)
}

func TestSQLMetacharactersAreData(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("boss", auth.RoleAdmin)
	for _, name := range []string{"boss' OR '1'='1", "boss'--", `boss"; DROP TABLE auth_user; --`} {
		w := a.anonymous("10.0.0.8").do("POST", "/api/v1/auth/login", map[string]any{"username": name, "password": testPassword})
		expect(t, w, 401)
	}
	admin := a.login("boss", "10.0.0.1")
	evil := "core_patient' OR 1=1; DROP TABLE core_patient; --"
	page := expect(t, admin.do("GET", "/api/v1/audit?model_name="+url.QueryEscape(evil), nil), 200)
	if len(page["items"].([]any)) != 0 {
		t.Fatalf("an injected filter matched rows: %v", page["items"])
	}
	// A username with quotes is stored and found as typed.
	w := admin.do("POST", "/api/v1/users", map[string]any{"username": "o'brien", "email": "ob@clinic.test", "password": testPassword, "role_id": a.roles["nurse"]})
	expect(t, w, 422) // quotes are not allowed in usernames: refused, not executed
	if tables := a.count(`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('auth_user', 'core_patient')`); tables != 2 {
		t.Fatalf("tables after injection attempts: %d", tables)
	}
}

func TestProfileImage(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	c := a.signedIn("me", auth.RoleNurse, "10.0.0.1")
	a.newUser("colleague", auth.RoleDoctor)
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{200, 10, 10, 255})
	var pngBytes, gifBytes bytes.Buffer
	if err := png.Encode(&pngBytes, img); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gifBytes, img, nil); err != nil {
		t.Fatal(err)
	}

	expect(t, c.do("PUT", "/api/v1/auth/me/profile-image", gifBytes.Bytes(), "Content-Type", "image/png"), 422)
	expect(t, c.do("PUT", "/api/v1/auth/me/profile-image", gifBytes.Bytes(), "Content-Type", "image/gif"), 415)
	expect(t, c.do("PUT", "/api/v1/auth/me/profile-image", "not an image at all", "Content-Type", "image/jpeg"), 422)
	expect(t, c.do("PUT", "/api/v1/auth/me/profile-image", bytes.Repeat([]byte{0}, 3<<20), "Content-Type", "image/png"), 413)
	m := expect(t, c.do("PUT", "/api/v1/auth/me/profile-image", pngBytes.Bytes(), "Content-Type", "image/png"), 200)
	if m["user"].(map[string]any)["has_profile_image"] != true {
		t.Fatalf("after upload: %v", m)
	}
	path := "/api/v1/users/" + strconv.FormatInt(c.userID, 10) + "/profile-image"
	other := a.login("colleague", "10.0.0.2")
	w := other.do("GET", path, nil)
	if w.Code != 200 || w.Header().Get("Content-Type") != "image/png" || !bytes.Equal(w.Body.Bytes(), pngBytes.Bytes()) {
		t.Fatalf("image served: %d %q", w.Code, w.Header().Get("Content-Type"))
	}
	expect(t, a.anonymous("10.0.0.3").do("GET", path, nil), 401)
	expect(t, other.do("GET", "/api/v1/users/"+strconv.FormatInt(other.userID, 10)+"/profile-image", nil), 404)
}

func TestBadLoginInput(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	anon := a.anonymous("10.0.0.1")
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{}`, 422},
		{`{"username": 5, "password": "x"}`, 422},
		{`{"username": "a", "password": "` + strings.Repeat("p", 2000) + `"}`, 422},
		{`{"username": "` + strings.Repeat("u", 151) + `", "password": "x"}`, 422},
		{`{"username": "a", "password": "b", "extra": 1}`, 400},
		{`{"username": "a",`, 400},
	} {
		expect(t, anon.do("POST", "/api/v1/auth/login", tc.body), tc.status)
	}
	expect(t, anon.do("POST", "/api/v1/auth/login", `{"username":"a","password":"b"}`, "Content-Type", "text/plain"), 415)
}

func TestWeakerHashIsUpgradedAtLogin(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	ctx := context.Background()
	id := a.newUser("veteran", auth.RoleNurse)
	// A hash made with older, weaker parameters (as a later release raising them would find).
	weak, err := auth.NewHasher(auth.PasswordParams{Memory: 32, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1).Hash(ctx, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	a.exec(`UPDATE auth_user SET password = $2 WHERE id = $1`, id, weak)
	a.login("veteran", "10.0.0.1")
	stored := queryValue[string](a, `SELECT password FROM auth_user WHERE id = $1`, id)
	if stored == weak || !strings.HasPrefix(stored, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash after login %q: want it re-made with the current parameters", stored)
	}
	a.login("veteran", "10.0.0.1") // and the new hash works
}

func TestRoleChangeEndsSessions(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	admin := a.signedIn("boss", auth.RoleAdmin, "10.0.0.1")
	id := a.newUser("promoted", auth.RoleNurse)
	c := a.login("promoted", "10.0.0.2")
	path := "/api/v1/users/" + strconv.FormatInt(id, 10)
	v := userVersion(t, expect(t, admin.do("GET", path, nil), 200))
	expect(t, admin.do("PATCH", path, map[string]any{"role_id": a.roles["doctor"], "version": v}), 200)
	expect(t, c.do("GET", "/api/v1/auth/me", nil), 401)
	again := a.login("promoted", "10.0.0.2")
	me := expect(t, again.do("GET", "/api/v1/auth/me", nil), 200)
	if me["user"].(map[string]any)["role"] != "doctor" {
		t.Fatalf("after the role change: %v", me["user"])
	}
}
