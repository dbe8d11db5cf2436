package auth

import (
	"context"
	"crypto/pbkdf2"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Users brought from the original Chelal (Django) keep their passwords: their stored hash is
// Django's "pbkdf2_sha256$<iterations>$<salt>$<base64 key>". Verify accepts it and asks for a
// rehash, so the first successful login replaces it with an Argon2id hash. Django's
// "unusable password" (a leading "!") never matches.

const (
	djangoPBKDF2Prefix = "pbkdf2_sha256$"
	// Django 5 uses about a million iterations; far more is a hostile or corrupted row.
	maxDjangoIterations = 5_000_000
)

// IsDjangoHash reports whether encoded is a Django PBKDF2-SHA256 hash that Verify accepts.
func IsDjangoHash(encoded string) bool {
	_, _, _, err := decodeDjangoHash(encoded)
	return err == nil
}

func decodeDjangoHash(encoded string) (iterations int, salt string, key []byte, err error) {
	rest, ok := strings.CutPrefix(encoded, djangoPBKDF2Prefix)
	if !ok {
		return 0, "", nil, errors.New("not a Django pbkdf2_sha256 hash")
	}
	parts := strings.Split(rest, "$")
	if len(parts) != 3 {
		return 0, "", nil, errors.New("malformed Django hash: want pbkdf2_sha256$iterations$salt$key")
	}
	iterations, err = strconv.Atoi(parts[0])
	if err != nil || iterations < 1 || iterations > maxDjangoIterations {
		return 0, "", nil, fmt.Errorf("malformed Django hash: iterations %q", parts[0])
	}
	if parts[1] == "" || len(parts[1]) > 128 {
		return 0, "", nil, errors.New("malformed Django hash: salt")
	}
	key, err = base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(key) < minKeyLen || len(key) > maxKeyLen {
		return 0, "", nil, errors.New("malformed Django hash: key")
	}
	return iterations, parts[1], key, nil
}

// verifyDjango checks password against a Django hash, inside a computation slot like Argon2id.
func (h *Hasher) verifyDjango(ctx context.Context, encoded, password string) (bool, error) {
	iterations, salt, want, err := decodeDjangoHash(encoded)
	if err != nil {
		return false, err
	}
	if err := h.acquire(ctx); err != nil {
		return false, err
	}
	defer h.release()
	got, err := pbkdf2.Key(sha256.New, password, []byte(salt), iterations, len(want))
	if err != nil {
		return false, err
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}
