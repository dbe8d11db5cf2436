package auth

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// codeAt returns the code an authenticator app shows for secret at t.
func codeAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{
		Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
	if err != nil {
		t.Fatalf("generate code: %v", err)
	}
	return code
}

func TestNewTOTPSecret(t *testing.T) {
	t.Parallel()
	secret, rawURL, qr, err := NewTOTPSecret("Chelal", "dr.alice@clinic.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(secret) != 32 || strings.ContainsAny(secret, "=") || strings.ToUpper(secret) != secret {
		t.Errorf("secret = %q, want 32 upper-case base32 characters without padding (20 bytes)", secret)
	}
	raw, err := totpBase32().DecodeString(secret)
	if err != nil || len(raw) != 20 {
		t.Errorf("secret decodes to %d bytes (err %v), want 20", len(raw), err)
	}

	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Chelal:dr.alice@clinic.example" {
		t.Errorf("url = %q, want otpauth://totp/Chelal:dr.alice@clinic.example?...", rawURL)
	}
	for k, want := range map[string]string{
		"secret": secret, "issuer": "Chelal", "algorithm": "SHA1", "digits": "6", "period": "30",
	} {
		if got := q.Get(k); got != want {
			t.Errorf("url %s = %q, want %q", k, got, want)
		}
	}

	img, err := png.Decode(bytes.NewReader(qr))
	if err != nil {
		t.Fatalf("qr is not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 256 || b.Dy() != 256 {
		t.Errorf("qr is %dx%d, want 256x256", b.Dx(), b.Dy())
	}

	// Secrets are random.
	other, _, _, err := NewTOTPSecret("Chelal", "dr.alice@clinic.example")
	if err != nil {
		t.Fatal(err)
	}
	if other == secret {
		t.Error("two secrets are equal")
	}

	// The secret works with CheckTOTP.
	now := time.Now()
	if _, ok := CheckTOTP(secret, codeAt(t, secret, now), 0, now); !ok {
		t.Error("the new secret's current code is refused")
	}
}

func TestNewTOTPSecretRefusesBadNames(t *testing.T) {
	t.Parallel()
	for _, tc := range [][2]string{{"", "alice"}, {"Chelal", ""}, {"Clinic:East", "alice"}} {
		if _, _, _, err := NewTOTPSecret(tc[0], tc[1]); err == nil {
			t.Errorf("NewTOTPSecret(%q, %q): no error", tc[0], tc[1])
		}
	}
}

func TestCheckTOTP(t *testing.T) {
	t.Parallel()
	secret, _, _, err := NewTOTPSecret("Chelal", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_750_000_015, 0) // 15 s into step 58_333_333
	const current = int64(1_750_000_015 / 30)
	period := 30 * time.Second

	code := codeAt(t, secret, now)
	step, ok := CheckTOTP(secret, code, 0, now)
	if !ok || step != current {
		t.Fatalf("current code: CheckTOTP = %d, %v; want %d, true", step, ok, current)
	}
	// Replay: the same code once its step is recorded.
	if step, ok := CheckTOTP(secret, code, current, now); ok {
		t.Errorf("replayed code accepted (step %d)", step)
	}
	// A later lastStep refuses it too.
	if _, ok := CheckTOTP(secret, code, current+1, now); ok {
		t.Error("code of a step before lastStep accepted")
	}

	// The previous step's code (a slow typist, or a clock 30 s behind) is accepted once.
	prev := codeAt(t, secret, now.Add(-period))
	step, ok = CheckTOTP(secret, prev, 0, now)
	if !ok || step != current-1 {
		t.Errorf("previous code: CheckTOTP = %d, %v; want %d, true", step, ok, current-1)
	}
	if _, ok := CheckTOTP(secret, prev, step, now); ok {
		t.Error("previous code accepted twice")
	}
	// ... but not after the current code was used.
	if _, ok := CheckTOTP(secret, prev, current, now); ok {
		t.Error("previous code accepted after the current one")
	}

	// The next step's code (a clock 30 s ahead) is accepted.
	next := codeAt(t, secret, now.Add(period))
	if step, ok := CheckTOTP(secret, next, current, now); !ok || step != current+1 {
		t.Errorf("next code: CheckTOTP = %d, %v; want %d, true", step, ok, current+1)
	}

	// Two steps away either way is refused.
	for _, d := range []time.Duration{-2 * period, 2 * period, -10 * period} {
		c := codeAt(t, secret, now.Add(d))
		if c == code || c == prev || c == next {
			continue // a rare coincidence of codes says nothing about the window
		}
		if step, ok := CheckTOTP(secret, c, 0, now); ok {
			t.Errorf("code %v away accepted (step %d)", d, step)
		}
	}

	// The step boundary: at 29 s into a step the code is that step's, at 30 s the next one's.
	start := time.Unix(current*30, 0)
	if step, ok := CheckTOTP(secret, codeAt(t, secret, start), 0, start.Add(29*time.Second)); !ok || step != current {
		t.Errorf("code at step start, checked 29 s later = %d, %v; want %d, true", step, ok, current)
	}
	if step, ok := CheckTOTP(secret, codeAt(t, secret, start.Add(30*time.Second)), 0, start.Add(30*time.Second)); !ok || step != current+1 {
		t.Errorf("code at next step start = %d, %v; want %d, true", step, ok, current+1)
	}
}

func TestCheckTOTPGarbage(t *testing.T) {
	t.Parallel()
	secret, _, _, err := NewTOTPSecret("Chelal", "alice")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	code := codeAt(t, secret, now)
	for _, c := range []string{
		"", "12345", "1234567", "abcdef", "12 456", " " + code, code + " ", code + "\n",
		code[:3] + "-" + code[3:], "１２３４５６", "+12345", "-12345", "0x1234", "١٢٣٤٥٦",
	} {
		if step, ok := CheckTOTP(secret, c, 0, now); ok {
			t.Errorf("CheckTOTP(%q) accepted (step %d)", c, step)
		}
	}
	for _, s := range []string{"", "not base32!", "JBSWY3DP", "JBSWY3DPEHPK3PX="} {
		if _, ok := CheckTOTP(s, code, 0, now); ok {
			t.Errorf("CheckTOTP with secret %q accepted", s)
		}
	}
	// Lower case and surrounding spaces in the secret are tolerated, as apps do.
	if _, ok := CheckTOTP(" "+strings.ToLower(secret)+" ", code, 0, now); !ok {
		t.Error("lower-case secret refused")
	}
}

// TestCheckTOTPRFC6238 checks against the SHA-1 test vectors of RFC 6238, appendix B (the
// last six of their eight digits), independently of pquerna/otp's own generation.
func TestCheckTOTPRFC6238(t *testing.T) {
	t.Parallel()
	secret := totpBase32().EncodeToString([]byte("12345678901234567890"))
	for _, tc := range []struct {
		unix int64
		code string
	}{
		{59, "287082"},
		{1111111109, "081804"},
		{1111111111, "050471"},
		{1234567890, "005924"},
		{2000000000, "279037"},
		{20000000000, "353130"},
	} {
		step, ok := CheckTOTP(secret, tc.code, 0, time.Unix(tc.unix, 0))
		if !ok || step != tc.unix/30 {
			t.Errorf("T=%d code %s: CheckTOTP = %d, %v; want %d, true", tc.unix, tc.code, step, ok, tc.unix/30)
		}
	}
}

func TestTOTPStep(t *testing.T) {
	t.Parallel()
	for unix, want := range map[int64]int64{0: 0, 29: 0, 30: 1, 59: 1, -1: -1, -30: -1, -31: -2} {
		if got := totpStep(time.Unix(unix, 0)); got != want {
			t.Errorf("totpStep(%d) = %d, want %d", unix, got, want)
		}
	}
}
