package auth

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
)

func TestNewRecoveryCodes(t *testing.T) {
	t.Parallel()
	plain, hashes, err := NewRecoveryCodes(10)
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != 10 || len(hashes) != 10 {
		t.Fatalf("got %d codes and %d hashes, want 10 of each", len(plain), len(hashes))
	}
	format := regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{5}-[23456789abcdefghjkmnpqrstuvwxyz]{5}$`)
	seen := map[string]bool{}
	for i, c := range plain {
		if !format.MatchString(c) {
			t.Errorf("code %q is not xxxxx-xxxxx from the alphabet", c)
		}
		if strings.ContainsAny(c, "01ilo") {
			t.Errorf("code %q has an ambiguous character", c)
		}
		if seen[c] {
			t.Errorf("code %q appears twice", c)
		}
		seen[c] = true
		if !bytes.Equal(hashes[i], HashRecoveryCode(c)) {
			t.Errorf("hashes[%d] is not HashRecoveryCode(%q)", i, c)
		}
		if !LooksLikeRecoveryCode(c) {
			t.Errorf("LooksLikeRecoveryCode(%q) = false", c)
		}
	}
	for _, n := range []int{0, -1, 101} {
		if _, _, err := NewRecoveryCodes(n); err == nil {
			t.Errorf("NewRecoveryCodes(%d): no error", n)
		}
	}
}

func TestRecoveryCodesUseWholeAlphabet(t *testing.T) {
	t.Parallel()
	// 100 codes are 1000 characters: every one of the 31 symbols shows up (the chance that
	// one is missing is about 31 * (30/31)^1000, below 1e-12), and none dominates.
	plain, _, err := NewRecoveryCodes(100)
	if err != nil {
		t.Fatal(err)
	}
	counts := map[rune]int{}
	for _, c := range plain {
		for _, r := range strings.ReplaceAll(c, "-", "") {
			counts[r]++
		}
	}
	if len(counts) != len(recoveryAlphabet) {
		t.Errorf("%d distinct symbols used, want %d", len(counts), len(recoveryAlphabet))
	}
	for r, n := range counts {
		if n > 80 { // expected 32; 80 is more than 8 standard deviations away
			t.Errorf("symbol %q appears %d times in 1000", r, n)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	t.Parallel()
	want := HashRecoveryCode("abcde-fghjk")
	if len(want) != 32 {
		t.Fatalf("hash is %d bytes, want 32 (SHA-256)", len(want))
	}
	for _, typed := range []string{"abcde-fghjk", "abcdefghjk", "ABCDE-FGHJK", "AbCdE fGhJk", " abcde - fghjk\n", "ab-cde-fg-hjk"} {
		if got := HashRecoveryCode(typed); !bytes.Equal(got, want) {
			t.Errorf("HashRecoveryCode(%q) differs from HashRecoveryCode(\"abcde-fghjk\")", typed)
		}
		if n := NormalizeRecoveryCode(typed); n != "abcdefghjk" {
			t.Errorf("NormalizeRecoveryCode(%q) = %q, want abcdefghjk", typed, n)
		}
	}
	if bytes.Equal(HashRecoveryCode("abcde-fghjm"), want) {
		t.Error("two different codes hash the same")
	}
}

func TestLooksLikeRecoveryCode(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]bool{
		"abcde-fghjk":  true,
		"ABCDEFGHJK":   true,
		"abcde fghjk":  true,
		"23456-789ab":  true,
		"123456":       false, // a TOTP code
		"":             false,
		"abcde-fghj":   false, // 9 characters
		"abcde-fghjkm": false, // 11
		"abcde-fghj0":  false, // 0 is not in the alphabet
		"abcde-fghjo":  false,
		"abcde-fghj1":  false,
		"abcde-fghjl":  false,
		"abcde-fghji":  false,
		"abcde-fghj!":  false,
		"abcde-fghjé":  false,
	} {
		if got := LooksLikeRecoveryCode(s); got != want {
			t.Errorf("LooksLikeRecoveryCode(%q) = %v, want %v", s, got, want)
		}
	}
}
