package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"strings"
	"unicode"
)

// recoveryAlphabet holds the characters of recovery codes: digits and lower-case letters
// without the ones people misread or mistype (0, 1, i, l, o). 31 symbols give 4.95 bits
// each, so a 10-character code carries about 49.5 bits.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

const (
	recoveryCodeLen = 10  // characters, without the dash
	maxRecoveryCode = 100 // more codes than anyone should print
)

// NewRecoveryCodes makes n distinct one-time recovery codes for a user who loses their
// authenticator. plain is what the user is shown once, formatted "xxxxx-xxxxx"; hashes
// (HashRecoveryCode of each, in the same order) is what is stored. n must be 1 to 100.
func NewRecoveryCodes(n int) (plain []string, hashes [][]byte, err error) {
	if n < 1 || n > maxRecoveryCode {
		return nil, nil, fmt.Errorf("new recovery codes: count %d outside 1..%d", n, maxRecoveryCode)
	}
	plain = make([]string, 0, n)
	hashes = make([][]byte, 0, n)
	seen := make(map[string]bool, n)
	for len(plain) < n {
		code, err := newRecoveryCode()
		if err != nil {
			return nil, nil, fmt.Errorf("new recovery codes: %w", err)
		}
		if seen[code] {
			continue
		}
		seen[code] = true
		plain = append(plain, code)
		hashes = append(hashes, HashRecoveryCode(code))
	}
	return plain, hashes, nil
}

// newRecoveryCode draws one code uniformly from the alphabet (rejection sampling, so no
// symbol is likelier than another) and formats it with a dash in the middle.
func newRecoveryCode() (string, error) {
	const limit = 256 - 256%len(recoveryAlphabet) // largest multiple of 31 that fits a byte
	var code [recoveryCodeLen]byte
	var buf [2 * recoveryCodeLen]byte
	for i := 0; i < recoveryCodeLen; {
		if _, err := rand.Read(buf[:]); err != nil {
			return "", fmt.Errorf("read random: %w", err)
		}
		for _, b := range buf {
			if i == recoveryCodeLen {
				break
			}
			if int(b) < limit {
				code[i] = recoveryAlphabet[int(b)%len(recoveryAlphabet)]
				i++
			}
		}
	}
	half := recoveryCodeLen / 2
	return string(code[:half]) + "-" + string(code[half:]), nil
}

// NormalizeRecoveryCode returns code as it is hashed: lower-cased, with dashes and white
// space removed, so "ABCDE-FGHJK", "abcde fghjk" and "abcdefghjk" are the same code.
func NormalizeRecoveryCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
}

// HashRecoveryCode returns the SHA-256 of the normalised code, the form that is stored. A
// fast unsalted hash is enough here, unlike for passwords: the codes are random with about
// 50 bits of entropy, so there is no dictionary to try and brute force is out of reach.
func HashRecoveryCode(code string) []byte {
	sum := sha256.Sum256([]byte(NormalizeRecoveryCode(code)))
	return sum[:]
}

// LooksLikeRecoveryCode reports whether s is shaped like a recovery code (10 characters of
// the alphabet once normalised), so the login can tell one from a 6-digit TOTP code.
func LooksLikeRecoveryCode(s string) bool {
	n := NormalizeRecoveryCode(s)
	if len(n) != recoveryCodeLen {
		return false
	}
	for i := 0; i < len(n); i++ {
		if strings.IndexByte(recoveryAlphabet, n[i]) < 0 {
			return false
		}
	}
	return true
}
