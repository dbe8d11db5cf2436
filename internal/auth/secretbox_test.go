package auth

import (
	"bytes"
	"encoding/base64"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func newTestBox(t *testing.T) *SecretBox {
	t.Helper()
	box, err := LoadOrCreateKey(filepath.Join(t.TempDir(), "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	return box
}

func TestSecretBoxRoundTrip(t *testing.T) {
	t.Parallel()
	box := newTestBox(t)
	for _, plain := range [][]byte{{}, []byte("x"), []byte("a 2FA secret or anything else"), bytes.Repeat([]byte{0xff}, 1000)} {
		sealed := mustSeal(t, box, plain)
		if want := base64.RawStdEncoding.EncodedLen(12 + len(plain) + 16); len(sealed) != want {
			t.Errorf("sealed %d bytes into %d characters, want %d", len(plain), len(sealed), want)
		}
		got, err := box.Open(sealed)
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plain) {
			t.Errorf("Open = %q, want %q", got, plain)
		}
	}
	a, _ := box.Seal([]byte("same"))
	b, _ := box.Seal([]byte("same"))
	if a == b {
		t.Error("two seals of the same plaintext are equal: the nonce is not fresh")
	}
}

func TestSecretBoxRefusesTampering(t *testing.T) {
	t.Parallel()
	box := newTestBox(t)
	sealed := mustSeal(t, box, []byte("JBSWY3DPEHPK3PXP"))
	raw, _ := base64.RawStdEncoding.DecodeString(sealed)
	tamper := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 0x01
		return base64.RawStdEncoding.EncodeToString(b)
	}
	cases := map[string]string{
		"nonce":        tamper(0),
		"ciphertext":   tamper(14),
		"tag":          tamper(len(raw) - 1),
		"truncated":    base64.RawStdEncoding.EncodeToString(raw[:len(raw)-1]),
		"too short":    base64.RawStdEncoding.EncodeToString(raw[:27]),
		"empty":        "",
		"not base64":   strings.Repeat("*", len(sealed)),
		"padded":       base64.StdEncoding.EncodeToString(raw) + "=",
		"other key":    mustSeal(t, newTestBox(t), []byte("JBSWY3DPEHPK3PXP")),
		"appended":     sealed + "AAAA",
		"plain base64": base64.RawStdEncoding.EncodeToString([]byte("JBSWY3DPEHPK3PXP plus padding to 28+")),
	}
	for name, s := range cases {
		if got, err := box.Open(s); err == nil {
			t.Errorf("%s: Open = %q, want an error", name, got)
		}
	}
}

func mustSeal(t *testing.T, box *SecretBox, plain []byte) string {
	t.Helper()
	s, err := box.Seal(plain)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealTOTPSecretFitsColumn(t *testing.T) {
	t.Parallel()
	box := newTestBox(t)
	for range 20 {
		secret, _, _, err := NewTOTPSecret("Chelal", "alice")
		if err != nil {
			t.Fatal(err)
		}
		sealed, err := box.SealTOTPSecret(secret)
		if err != nil {
			t.Fatal(err)
		}
		if len(sealed) > 64 {
			t.Fatalf("sealed TOTP secret is %d characters, more than the VARCHAR(64) column", len(sealed))
		}
		got, err := box.OpenTOTPSecret(sealed)
		if err != nil {
			t.Fatal(err)
		}
		if got != secret {
			t.Fatalf("OpenTOTPSecret = %q, want %q", got, secret)
		}
	}
	// A lower-case secret is the same secret.
	secret, _, _, _ := NewTOTPSecret("Chelal", "alice")
	sealed, err := box.SealTOTPSecret(strings.ToLower(secret))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := box.OpenTOTPSecret(sealed); got != secret {
		t.Errorf("lower-case secret opened as %q, want %q", got, secret)
	}

	for _, bad := range []string{"", "JBSWY3DPEHPK3PXP", "not base32 at all!", secret + "AAAAAAAA", secret + "="} {
		if _, err := box.SealTOTPSecret(bad); err == nil {
			t.Errorf("SealTOTPSecret(%q): no error", bad)
		}
	}
	// A sealed value that is not 20 bytes is not a TOTP secret.
	if _, err := box.OpenTOTPSecret(mustSeal(t, box, []byte("short"))); err == nil {
		t.Error("OpenTOTPSecret of a 5-byte value: no error")
	}
}

func TestLoadOrCreateKey(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data", "keys")
	path := filepath.Join(dir, "secret.key")

	first, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" {
		if perm := info.Mode().Perm(); perm != 0o600 {
			t.Errorf("key file mode = %04o, want 0600", perm)
		}
		dinfo, err := os.Stat(dir)
		if err != nil {
			t.Fatal(err)
		}
		if perm := dinfo.Mode().Perm(); perm != 0o700 {
			t.Errorf("key dir mode = %04o, want 0700", perm)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) != 65 || data[64] != '\n' {
		t.Errorf("key file = %q, want 64 hex characters and a newline", data)
	}
	if entries, err := os.ReadDir(filepath.Dir(path)); err != nil || len(entries) != 1 {
		t.Errorf("the key's folder holds %d entries (%v), want the key file alone", len(entries), err)
	}

	sealed := mustSeal(t, first, []byte("kept across restarts"))
	second, err := LoadOrCreateKey(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := second.Open(sealed)
	if err != nil || string(got) != "kept across restarts" {
		t.Errorf("second load opens %q, %v; want the value sealed with the first", got, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(after, data) {
		t.Error("the key file changed on the second load")
	}
}

func TestLoadOrCreateKeyReplacesStaleTemp(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "secret.key")
	// A crash between creating the temporary file and renaming it.
	if err := os.WriteFile(path+".tmp", []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err != nil {
		t.Errorf("second load: %v", err)
	}
}

func TestLoadOrCreateKeyRefusesMalformed(t *testing.T) {
	t.Parallel()
	for name, content := range map[string]string{
		"empty":          "",
		"newline only":   "\n",
		"not hex":        strings.Repeat("zz", 32) + "\n",
		"too short":      strings.Repeat("ab", 31) + "\n",
		"too long":       strings.Repeat("ab", 33) + "\n",
		"odd length":     strings.Repeat("ab", 32)[1:] + "\n",
		"raw bytes":      strings.Repeat("\x01", 32),
		"two keys":       strings.Repeat("ab", 32) + "\n" + strings.Repeat("cd", 32) + "\n",
		"huge":           strings.Repeat("ab", 4096),
		"base64 not hex": base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "secret.key")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			if _, err := LoadOrCreateKey(path); err == nil {
				t.Fatal("malformed key accepted")
			}
			after, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(after) != content {
				t.Errorf("the malformed key file was changed to %q", after)
			}
		})
	}
	// A well-formed key written by hand (upper-case hex, no newline) is accepted.
	path := filepath.Join(t.TempDir(), "secret.key")
	if err := os.WriteFile(path, []byte(strings.Repeat("AB", 32)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadOrCreateKey(path); err != nil {
		t.Errorf("hand-written key refused: %v", err)
	}
}

func TestLoadOrCreateKeyRefusesDirectory(t *testing.T) {
	t.Parallel()
	path := t.TempDir() // a directory where the key file should be
	if _, err := LoadOrCreateKey(path); err == nil {
		t.Error("a directory was accepted as the key file")
	}
}

func TestNewSecretBoxKeyLength(t *testing.T) {
	t.Parallel()
	for _, n := range []int{0, 16, 24, 31, 33} {
		if _, err := NewSecretBox(make([]byte, n)); err == nil {
			t.Errorf("NewSecretBox with a %d-byte key: no error", n)
		}
	}
}
