package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"chelal/internal/durable"
)

const (
	secretBoxKeyLen = 32 // AES-256
	gcmNonceLen     = 12
	gcmTagLen       = 16
	maxKeyFileSize  = 1024 // a key file is 65 bytes; refuse to read anything much larger
)

// SecretBox encrypts the values Chelal must store but not expose, such as TOTP secrets,
// with AES-256-GCM under a key kept in the data dir, not in the database: a stolen database
// dump alone does not yield anyone's second factor. It is safe for concurrent use.
type SecretBox struct {
	aead cipher.AEAD
}

// NewSecretBox returns a SecretBox that uses key, which must be 32 bytes. Most callers want
// LoadOrCreateKey; this is for keys held elsewhere and for tests.
func NewSecretBox(key []byte) (*SecretBox, error) {
	if len(key) != secretBoxKeyLen {
		return nil, fmt.Errorf("new secret box: key of %d bytes, want %d", len(key), secretBoxKeyLen)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("new secret box: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("new secret box: %w", err)
	}
	return &SecretBox{aead: aead}, nil
}

// LoadOrCreateKey returns a SecretBox with the key stored at path (64 hex characters and a
// newline), creating the key if the file does not exist: random, written with mode 0600 by
// durable.WriteFile (a temporary file synced and renamed into place), in a parent directory
// created with mode 0700.
// An existing file is never replaced: if it is malformed, or (on Unix) readable by group or
// others, LoadOrCreateKey returns an error and leaves it alone, since a new key would make
// every stored secret unreadable. Creation is not safe against another process creating the
// same file at the same moment; the data dir's lock is expected to rule that out.
func LoadOrCreateKey(path string) (*SecretBox, error) {
	key, err := readKeyFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		key, err = createKeyFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("load secret key: %w", err)
	}
	return NewSecretBox(key)
}

// readKeyFile reads and checks an existing key file.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // fs.ErrNotExist tells the caller to create the key
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if perm := info.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, fmt.Errorf("%s has mode %04o: the key must be readable by its owner only (chmod 600 %s)",
			path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxKeyFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	text := strings.TrimSpace(string(data))
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != secretBoxKeyLen || len(data) > maxKeyFileSize {
		return nil, fmt.Errorf("%s is not a key (want %d hex characters); it is left unchanged "+
			"because replacing it would make the stored 2FA secrets unreadable: restore it from a backup",
			path, 2*secretBoxKeyLen)
	}
	return key, nil
}

// createKeyFile makes a new random key and stores it at path atomically: a crash leaves
// either no key file or a complete one, never a truncated one.
func createKeyFile(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create key dir: %w", err)
	}
	key := make([]byte, secretBoxKeyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("generate key: %w", err)
	}
	if err := durable.WriteFile(path, []byte(hex.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	_ = durable.SyncDir(dir) // the rename has happened; a folder that cannot be synced changes nothing
	return key, nil
}

// Seal encrypts plaintext with a fresh random nonce and returns base64 (standard alphabet,
// no padding) of nonce || ciphertext || tag: 12 + len(plaintext) + 16 bytes.
func (b *SecretBox) Seal(plaintext []byte) (string, error) {
	out := make([]byte, gcmNonceLen, gcmNonceLen+len(plaintext)+gcmTagLen)
	if _, err := rand.Read(out); err != nil {
		return "", fmt.Errorf("seal: read nonce: %w", err)
	}
	out = b.aead.Seal(out, out, plaintext, nil)
	return base64.RawStdEncoding.EncodeToString(out), nil
}

// Open decrypts a value made by Seal. It returns an error, never garbage, when s is not
// valid base64, is too short, was altered, or was sealed under another key.
func (b *SecretBox) Open(s string) ([]byte, error) {
	raw, err := base64.RawStdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	if len(raw) < gcmNonceLen+gcmTagLen {
		return nil, fmt.Errorf("open sealed value: %d bytes is too short", len(raw))
	}
	plain, err := b.aead.Open(nil, raw[:gcmNonceLen], raw[gcmNonceLen:], nil)
	if err != nil {
		return nil, fmt.Errorf("open sealed value: %w", err)
	}
	return plain, nil
}

// SealTOTPSecret seals a TOTP secret as made by NewTOTPSecret (base32, no padding). It seals
// the 20 raw bytes rather than the 32 characters of text, so the result is 64 characters and
// fits the VARCHAR(64) column; a secret of any other size is an error.
func (b *SecretBox) SealTOTPSecret(base32Secret string) (string, error) {
	raw, err := totpBase32().DecodeString(strings.ToUpper(base32Secret))
	if err != nil {
		return "", fmt.Errorf("seal totp secret: %w", err)
	}
	if len(raw) != totpSecretSize {
		return "", fmt.Errorf("seal totp secret: %d bytes, want %d", len(raw), totpSecretSize)
	}
	sealed, err := b.Seal(raw)
	if err != nil {
		return "", fmt.Errorf("seal totp secret: %w", err)
	}
	return sealed, nil
}

// OpenTOTPSecret opens a value made by SealTOTPSecret and returns the secret in base32 (no
// padding, upper case), the form CheckTOTP takes.
func (b *SecretBox) OpenTOTPSecret(s string) (string, error) {
	raw, err := b.Open(s)
	if err != nil {
		return "", fmt.Errorf("open totp secret: %w", err)
	}
	if len(raw) != totpSecretSize {
		return "", fmt.Errorf("open totp secret: %d bytes, want %d", len(raw), totpSecretSize)
	}
	return totpBase32().EncodeToString(raw), nil
}
