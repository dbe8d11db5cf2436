package auth

import (
	"context"
	"encoding/base64"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"chelal/internal/apperr"
)

// cheapParams keep the tests fast; the format and logic do not depend on the cost.
func cheapParams() PasswordParams {
	return PasswordParams{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func TestHashVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(DefaultPasswordParams(), 2)
	encoded := mustHash(t, h, "correct horse battery staple")
	if !strings.HasPrefix(encoded, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("encoded = %q, want the PHC prefix with the default parameters", encoded)
	}
	if parts := strings.Split(encoded, "$"); len(parts) != 6 || len(parts[4]) != 22 || len(parts[5]) != 43 {
		t.Errorf("encoded = %q, want a 16-byte salt and a 32-byte key in unpadded base64", encoded)
	}
	ok, rehash, err := h.Verify(ctx, encoded, "correct horse battery staple")
	if err != nil || !ok || rehash {
		t.Errorf("Verify(right password) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
	ok, rehash, err = h.Verify(ctx, encoded, "correct horse battery stapler")
	if err != nil || ok || rehash {
		t.Errorf("Verify(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}
}

func TestHashUsesFreshSalt(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(cheapParams(), 1)
	a := mustHash(t, h, "same password here")
	b := mustHash(t, h, "same password here")
	if a == b {
		t.Errorf("two hashes of the same password are equal: %q", a)
	}
	for _, enc := range []string{a, b} {
		if ok, _, err := h.Verify(ctx, enc, "same password here"); !ok || err != nil {
			t.Errorf("Verify(%q) = %v, %v; want true, nil", enc, ok, err)
		}
	}
}

func TestVerifyTamperedHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(cheapParams(), 1)
	encoded := mustHash(t, h, "a fine password")
	parts := strings.Split(encoded, "$")
	flip := func(s string, i int) string {
		b := []byte(s)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	tampered := map[string]string{
		"key":    strings.Join(append(parts[:5:5], flip(parts[5], 3)), "$"),
		"salt":   strings.Join(append(parts[:4:4], flip(parts[4], 3), parts[5]), "$"),
		"params": strings.Replace(encoded, "t=1", "t=2", 1),
	}
	for name, enc := range tampered {
		if enc == encoded {
			t.Fatalf("%s: tampering changed nothing", name)
		}
		ok, rehash, err := h.Verify(ctx, enc, "a fine password")
		if ok || rehash || err != nil {
			t.Errorf("%s tampered: Verify = %v, %v, %v; want false, false, nil", name, ok, rehash, err)
		}
	}
}

func TestVerifyMalformed(t *testing.T) {
	t.Parallel()
	salt := base64.RawStdEncoding.EncodeToString([]byte("sixteen byte salt")[:16])
	key := base64.RawStdEncoding.EncodeToString([]byte("a thirty-two byte derived key...")[:32])
	tests := map[string]string{
		"empty":             "",
		"dollars only":      "$$$$$",
		"no leading dollar": "argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"argon2i":           "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key,
		"bcrypt":            "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy",
		"version 16":        "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key,
		"missing version":   "$argon2id$m=64,t=1,p=1$" + salt + "$" + key,
		"missing key":       "$argon2id$v=19$m=64,t=1,p=1$" + salt,
		"empty key":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$",
		"extra field":       "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$x",
		"bad base64 salt":   "$argon2id$v=19$m=64,t=1,p=1$!!!!!!!!!!!!!!!!!!!!!!$" + key,
		"bad base64 key":    "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("*", 43),
		"padded base64":     "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key,
		"short salt":        "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + key,
		"short key":         "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$a2V5",
		"huge key":          "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + strings.Repeat("A", 1<<20),
		"params order":      "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key,
		"params missing":    "$argon2id$v=19$m=64,t=1$" + salt + "$" + key,
		"params negative":   "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key,
		"params not number": "$argon2id$v=19$m=lots,t=1,p=1$" + salt + "$" + key,
		"m=0":               "$argon2id$v=19$m=0,t=1,p=1$" + salt + "$" + key,
		"m below 8p":        "$argon2id$v=19$m=16,t=1,p=4$" + salt + "$" + key,
		"m=10000000000":     "$argon2id$v=19$m=10000000000,t=1,p=1$" + salt + "$" + key,
		"m over 1 GiB":      "$argon2id$v=19$m=1048577,t=1,p=1$" + salt + "$" + key,
		"t=0":               "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key,
		"t=101":             "$argon2id$v=19$m=64,t=101,p=1$" + salt + "$" + key,
		"t=4294967295":      "$argon2id$v=19$m=64,t=4294967295,p=1$" + salt + "$" + key,
		"p=0":               "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key,
		"p=65":              "$argon2id$v=19$m=1024,t=1,p=65$" + salt + "$" + key,
		"p=256":             "$argon2id$v=19$m=4096,t=1,p=256$" + salt + "$" + key,
	}
	h := NewHasher(cheapParams(), 1)
	for name, enc := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			ok, rehash, err := h.Verify(context.Background(), enc, "password")
			if err == nil || ok || rehash {
				t.Errorf("Verify(%.60q) = %v, %v, %v; want false, false, an error", enc, ok, rehash, err)
			}
		})
	}
	// The well-formed reference of the table above is accepted, so the table tests what it says.
	good := "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key
	if _, _, err := h.Verify(context.Background(), good, "password"); err != nil {
		t.Errorf("Verify(well-formed reference) error: %v", err)
	}
}

func TestVerifyNeedsRehash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	current := NewHasher(DefaultPasswordParams(), 1)

	weak := DefaultPasswordParams()
	weak.Memory = 8192
	old := mustHash(t, NewHasher(weak, 1), "an older password")
	ok, rehash, err := current.Verify(ctx, old, "an older password")
	if err != nil || !ok || !rehash {
		t.Errorf("Verify(m=8192 hash) = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	// A wrong password never asks for a rehash: the caller could not produce one.
	if ok, rehash, err := current.Verify(ctx, old, "not the password"); ok || rehash || err != nil {
		t.Errorf("Verify(m=8192 hash, wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
	}

	// Stronger stored parameters (from a faster machine, say) verify and need nothing.
	strong := DefaultPasswordParams()
	strong.Time = 3
	strong.KeyLen = 64
	enc := mustHash(t, NewHasher(strong, 1), "a stronger password")
	if ok, rehash, err := current.Verify(ctx, enc, "a stronger password"); !ok || rehash || err != nil {
		t.Errorf("Verify(stronger hash) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}

	for name, p := range map[string]PasswordParams{
		"time":    {Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		"threads": {Memory: 64, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32},
		"key":     {Memory: 64, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 16},
		"salt":    {Memory: 64, Time: 2, Threads: 2, SaltLen: 8, KeyLen: 32},
	} {
		h := NewHasher(PasswordParams{Memory: 64, Time: 2, Threads: 2, SaltLen: 16, KeyLen: 32}, 1)
		enc := mustHash(t, NewHasher(p, 1), "pw")
		if ok, rehash, err := h.Verify(ctx, enc, "pw"); !ok || !rehash || err != nil {
			t.Errorf("weaker %s: Verify = %v, %v, %v; want true, true, nil", name, ok, rehash, err)
		}
	}
}

func TestHasherSemaphore(t *testing.T) {
	t.Parallel()
	h := NewHasher(cheapParams(), 1)
	enc := mustHash(t, h, "a fine password")

	h.sem <- struct{}{} // another computation holds the only slot

	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(cancelled, "a fine password"); !errors.Is(err, context.Canceled) {
		t.Errorf("Hash with cancelled ctx: err = %v, want context.Canceled", err)
	}
	ok, _, err := h.Verify(cancelled, enc, "a fine password")
	if ok || !errors.Is(err, context.Canceled) {
		t.Errorf("Verify with cancelled ctx = %v, %v; want false, context.Canceled", ok, err)
	}

	// A deadline that passes while waiting for the slot ends the wait.
	short, cancel2 := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel2()
	if _, err := h.Hash(short, "a fine password"); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Hash waiting past its deadline: err = %v, want context.DeadlineExceeded", err)
	}
	h.VerifyDummy(short, "a fine password") // must return, not block

	// Once the slot is free, a waiting Hash proceeds.
	done := make(chan error, 1)
	go func() {
		_, err := h.Hash(context.Background(), "a fine password")
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Hash finished while the slot was held (err %v)", err)
	case <-time.After(20 * time.Millisecond):
	}
	h.release()
	if err := <-done; err != nil {
		t.Errorf("Hash after the slot was freed: %v", err)
	}
}

func TestHasherLimitsConcurrency(t *testing.T) {
	t.Parallel()
	h := NewHasher(cheapParams(), 3)
	if cap(h.sem) != 3 {
		t.Errorf("semaphore capacity = %d, want 3", cap(h.sem))
	}
	if got := cap(NewHasher(cheapParams(), 0).sem); got != 1 {
		t.Errorf("maxConcurrent 0: semaphore capacity = %d, want 1", got)
	}
	// Many concurrent hashes all complete and leave every slot free.
	errs := make(chan error, 20)
	for range 20 {
		go func() {
			_, err := h.Hash(context.Background(), "concurrent password")
			errs <- err
		}()
	}
	for range 20 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := len(h.sem); n != 0 {
		t.Errorf("%d slots still held after all hashes returned", n)
	}
}

// TestVerifyDummyDoesTheRealWork checks that a login for an unknown user spends what a real
// verification spends (the argon2 memory of the hasher's parameters), so its answer time
// does not reveal whether the account exists. Memory is counted, not time: counts are exact.
func TestVerifyDummyDoesTheRealWork(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(DefaultPasswordParams(), 1)
	allocated := func(f func()) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	want := uint64(DefaultPasswordParams().Memory) * 1024
	if got := allocated(func() { h.VerifyDummy(ctx, "wrong password") }); got < want {
		t.Fatalf("VerifyDummy allocated %d bytes; a real verification needs %d", got, want)
	}
}

func TestNewHasherRefusesBadParams(t *testing.T) {
	t.Parallel()
	for name, p := range map[string]PasswordParams{
		"zero":       {},
		"no salt":    {Memory: 64, Time: 1, Threads: 1, SaltLen: 0, KeyLen: 32},
		"short key":  {Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		"huge mem":   {Memory: 2 << 20, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
		"m below 8p": {Memory: 8, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			defer func() {
				if recover() == nil {
					t.Errorf("NewHasher(%+v) did not panic", p)
				}
			}()
			NewHasher(p, 1)
		})
	}
}

func TestValidatePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, password, username string
		want                     []string // codes, in order; nil: valid
	}{
		{"12 characters", "abcdefghijk1", "alice", nil},
		{"128 characters", strings.Repeat("ab", 64), "alice", nil},
		{"11 characters", "abcdefghijk", "alice", []string{apperr.CodeTooShort}},
		{"129 characters", strings.Repeat("ab", 64) + "c", "alice", []string{apperr.CodeTooLong}},
		{"12 multibyte runes", "ключ-пароль!", "alice", nil},
		{"12 CJK runes (36 bytes)", "日本語のパスワードです。", "alice", nil},
		{"11 multibyte runes", "ключпароль!", "alice", []string{apperr.CodeTooShort}},
		{"128 multibyte runes", strings.Repeat("éà", 64), "alice", nil},
		{"129 multibyte runes", strings.Repeat("éà", 64) + "é", "alice", []string{apperr.CodeTooLong}},
		{"emoji count as one each", strings.Repeat("🔑🚪", 6), "alice", nil},
		{"empty", "", "alice", []string{apperr.CodeRequired}},
		{"equals username", "dr.alice.martin", "dr.alice.martin", []string{apperr.CodeInvalid}},
		{"equals username, other case", "Dr.Alice.Martin", "dr.alice.martin", []string{apperr.CodeInvalid}},
		{"contains username", "dr.alice.martin-2024", "dr.alice.martin", nil},
		{"empty username", "a long password", "", nil},
		{"one repeated character", "aaaaaaaaaaaa", "alice", []string{apperr.CodeInvalid}},
		{"one repeated multibyte", strings.Repeat("é", 20), "alice", []string{apperr.CodeInvalid}},
		{"short and repeated", "aaaa", "alice", []string{apperr.CodeTooShort, apperr.CodeInvalid}},
		{"short and username", "bob", "bob", []string{apperr.CodeTooShort, apperr.CodeInvalid}},
		{"username and repeated", "zzzzzzzzzzzzzz", "ZZZZZZZZZZZZZZ", []string{apperr.CodeInvalid, apperr.CodeInvalid}},
		{"too long and repeated", strings.Repeat("x", 200), "alice", []string{apperr.CodeTooLong, apperr.CodeInvalid}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := ValidatePassword(tc.password, tc.username)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("ValidatePassword = %v, want nil", err)
				}
				return
			}
			if apperr.KindOf(err) != apperr.ErrInvalid {
				t.Fatalf("ValidatePassword = %v, want an ErrInvalid error", err)
			}
			fields := apperr.FieldsOf(err)
			if len(fields) != len(tc.want) {
				t.Fatalf("fields = %+v, want codes %v", fields, tc.want)
			}
			for i, f := range fields {
				if f.Field != "password" || f.Code != tc.want[i] || f.Message == "" {
					t.Errorf("field %d = %+v, want field password, code %s and a message", i, f, tc.want[i])
				}
			}
		})
	}
}

// BenchmarkHash measures one Hash with the default parameters; run it with
// go test -bench Hash -run '^$' ./internal/auth/. B/op shows the memory each hash takes
// (the Argon2id matrix: Memory KiB).
func BenchmarkHash(b *testing.B) {
	h := NewHasher(DefaultPasswordParams(), 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify measures one Verify with the default parameters.
func BenchmarkVerify(b *testing.B) {
	h := NewHasher(DefaultPasswordParams(), 1)
	ctx := context.Background()
	enc := mustHash(b, h, "correct horse battery staple")
	b.ReportAllocs()
	for b.Loop() {
		if ok, _, err := h.Verify(ctx, enc, "correct horse battery staple"); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}

// Django's PBKDF2-SHA256 hashes (vectors computed with Python's hashlib, not by this code) are
// accepted and always ask for a rehash; malformed ones are errors, unusable ones never match.
func TestVerifyDjangoHash(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := NewHasher(cheapParams(), 2)
	cases := []struct {
		name, encoded, password string
		ok, rehash, err         bool
	}{
		{"right", "pbkdf2_sha256$260000$seasalt123$kxU6il220OIKJLp1MtFkmidiZcUA9xAc+gqAq+Ln5CE=", "correct horse battery", true, true, false},
		{"right with accents", "pbkdf2_sha256$1000$aB3dE6gH9jK2$dnLn8RY+I6kmPrsGGhAnMtebQ3ATiGgupGh8nMHymMQ=", "Mot de passe é", true, true, false},
		{"wrong", "pbkdf2_sha256$1000$aB3dE6gH9jK2$dnLn8RY+I6kmPrsGGhAnMtebQ3ATiGgupGh8nMHymMQ=", "Mot de passe e", false, false, false},
		{"too many iterations", "pbkdf2_sha256$999999999$salt$dnLn8RY+I6kmPrsGGhAnMtebQ3ATiGgupGh8nMHymMQ=", "x", false, false, true},
		{"bad key", "pbkdf2_sha256$1000$salt$???", "x", false, false, true},
		{"missing part", "pbkdf2_sha256$1000$dnLn8RY+I6kmPrsGGhAnMtebQ3ATiGgupGh8nMHymMQ=", "x", false, false, true},
		{"unusable", "!abcdefghijklmnopqrstuvwxyz0123456789", "anything", false, false, false},
	}
	for _, c := range cases {
		ok, rehash, err := h.Verify(ctx, c.encoded, c.password)
		if ok != c.ok || rehash != c.rehash || (err != nil) != c.err {
			t.Errorf("%s: Verify = %v, %v, %v; want %v, %v, error %v", c.name, ok, rehash, err, c.ok, c.rehash, c.err)
		}
	}
	if !IsDjangoHash(cases[0].encoded) || IsDjangoHash(cases[3].encoded) {
		t.Errorf("IsDjangoHash disagrees with Verify")
	}
}

// mustHash hashes password with h, failing the test if it cannot.
func mustHash(tb testing.TB, h *Hasher, password string) string {
	tb.Helper()
	encoded, err := h.Hash(context.Background(), password)
	if err != nil {
		tb.Fatalf("Hash: %v", err)
	}
	return encoded
}
