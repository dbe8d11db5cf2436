package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base32"
	"errors"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// The TOTP settings every authenticator app supports (RFC 6238 defaults, Google
// Authenticator's only choices): a 20-byte secret, HMAC-SHA1, 6 digits, 30-second steps.
const (
	totpSecretSize = 20
	totpDigits     = 6
	totpPeriod     = 30 // seconds per time step
	totpQRSize     = 256
	// minTOTPSecretSize is RFC 4226's minimum shared secret (128 bits); CheckTOTP refuses less.
	minTOTPSecretSize = 16
)

// totpBase32 is the secret's text form: standard base32 without padding, as pquerna/otp and
// the otpauth:// URL write it.
func totpBase32() *base32.Encoding { return base32.StdEncoding.WithPadding(base32.NoPadding) }

// NewTOTPSecret makes a fresh TOTP secret for account at issuer (the names an authenticator
// app shows). It returns the secret in base32 (to store, sealed, and to show for manual
// entry), the otpauth:// URL it encodes, and that URL as a 256x256 PNG QR code to scan.
// issuer must not contain a colon, which would make the app's label ambiguous.
func NewTOTPSecret(issuer, account string) (secret string, otpauthURL string, qrPNG []byte, err error) {
	if issuer == "" || account == "" {
		return "", "", nil, errors.New("new totp secret: issuer and account are required")
	}
	if strings.Contains(issuer, ":") {
		return "", "", nil, fmt.Errorf("new totp secret: issuer %q contains a colon", issuer)
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      totpPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
		Rand:        rand.Reader,
	})
	if err != nil {
		return "", "", nil, fmt.Errorf("new totp secret: %w", err)
	}
	img, err := key.Image(totpQRSize, totpQRSize)
	if err != nil {
		return "", "", nil, fmt.Errorf("new totp secret: qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", "", nil, fmt.Errorf("new totp secret: encode png: %w", err)
	}
	return key.Secret(), key.URL(), buf.Bytes(), nil
}

// CheckTOTP reports whether code is the TOTP of secret (base32) for the time step of now or
// the one just before or after it (tolerating 30 s of clock skew either way), and returns the
// matching step. A step not after lastStep is refused, so each code is accepted once: the
// caller stores the returned step as the user's new lastStep (0 for a user who never used
// one). A code that is not exactly six ASCII digits, or an undecodable secret, is refused
// without computing anything. Comparisons are in constant time.
func CheckTOTP(secret, code string, lastStep int64, now time.Time) (step int64, ok bool) {
	if !isTOTPCode(code) {
		return 0, false
	}
	raw, err := totpBase32().DecodeString(strings.ToUpper(strings.TrimSpace(secret)))
	if err != nil || len(raw) < minTOTPSecretSize {
		return 0, false
	}
	current := totpStep(now)
	// Check all three steps whatever matches, so timing says nothing about which one did;
	// if two match (a one-in-a-million coincidence) keep the latest, to make the replay
	// window as short as possible.
	for s := current - 1; s <= current+1; s++ {
		if s < 0 {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totp.ValidateOpts{
			Period:    totpPeriod,
			Digits:    otp.DigitsSix,
			Algorithm: otp.AlgorithmSHA1,
		})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && s > lastStep {
			step, ok = s, true
		}
	}
	return step, ok
}

// totpStep returns the RFC 6238 time step (30-second period since the Unix epoch) of t.
func totpStep(t time.Time) int64 {
	u := t.Unix()
	s := u / totpPeriod
	if u < 0 && u%totpPeriod != 0 {
		s-- // floor, not truncation, before 1970
	}
	return s
}

// isTOTPCode reports whether code is exactly six ASCII digits.
func isTOTPCode(code string) bool {
	if len(code) != totpDigits {
		return false
	}
	for i := 0; i < len(code); i++ {
		if code[i] < '0' || code[i] > '9' {
			return false
		}
	}
	return true
}
