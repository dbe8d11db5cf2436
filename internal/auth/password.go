package auth

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"chelal/internal/apperr"
)

// Bounds on the Argon2id parameters Verify accepts from a stored hash. A hash is data read
// back from the database: refusing absurd values up front keeps a corrupted or hostile row
// from making Verify allocate gigabytes or spin for minutes.
const (
	maxHashMemory  = 1 << 20 // KiB: 1 GiB
	maxHashTime    = 100
	maxHashThreads = 64
	minSaltLen     = 8
	maxSaltLen     = 64
	minKeyLen      = 16
	maxKeyLen      = 64
)

// Password length limits, in characters (runes), as ValidatePassword enforces them.
const (
	MinPasswordLen = 12  // NIST SP 800-63B asks for at least 8; 12 is the usual floor today
	MaxPasswordLen = 128 // long enough for passphrases, short enough to bound hashing input
)

// PasswordParams are the Argon2id cost parameters. They are written into every hash (PHC
// format), so raising them later does not invalidate stored passwords: Verify reads the
// parameters of each hash and reports needsRehash for the weaker ones.
type PasswordParams struct {
	Memory  uint32 // KiB of memory per hash
	Time    uint32 // passes over the memory
	Threads uint8  // lanes (parallelism)
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key stored in the hash
}

// DefaultPasswordParams returns the parameters new hashes use: OWASP's minimum for Argon2id
// (19 MiB, 2 passes, 1 lane) with a 16-byte salt and a 32-byte key. It is a function, not a
// variable, so no code can change the defaults for the whole process.
func DefaultPasswordParams() PasswordParams {
	return PasswordParams{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// check reports whether p lies within the bounds Verify accepts, so that every hash a Hasher
// makes can be verified again.
func (p PasswordParams) check() error {
	switch {
	case p.Threads < 1 || p.Threads > maxHashThreads:
		return fmt.Errorf("threads %d outside 1..%d", p.Threads, maxHashThreads)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxHashMemory:
		return fmt.Errorf("memory %d KiB outside %d..%d", p.Memory, 8*uint32(p.Threads), maxHashMemory)
	case p.Time < 1 || p.Time > maxHashTime:
		return fmt.Errorf("time %d outside 1..%d", p.Time, maxHashTime)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("salt length %d outside %d..%d", p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("key length %d outside %d..%d", p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

// Hasher hashes and verifies passwords with Argon2id. Each computation takes Memory KiB, so
// a Hasher lets at most maxConcurrent of them run at once: fifty simultaneous logins wait
// their turn instead of taking fifty times 19 MiB. A Hasher is safe for concurrent use.
type Hasher struct {
	params PasswordParams
	sem    chan struct{}
}

// NewHasher returns a Hasher that makes new hashes with p and runs at most maxConcurrent
// Argon2id computations at a time (values below 1 mean 1). It panics when p lies outside the
// bounds Verify accepts (for instance a zero PasswordParams), since such parameters are a
// programming error and would produce hashes that could never be verified.
func NewHasher(p PasswordParams, maxConcurrent int) *Hasher {
	if err := p.check(); err != nil {
		panic("auth.NewHasher: invalid password params: " + err.Error())
	}
	if maxConcurrent < 1 {
		maxConcurrent = 1
	}
	return &Hasher{params: p, sem: make(chan struct{}, maxConcurrent)}
}

// Params returns the parameters h uses for new hashes.
func (h *Hasher) Params() PasswordParams { return h.params }

// acquire waits for a computation slot or for ctx to end, whichever comes first.
func (h *Hasher) acquire(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (h *Hasher) release() { <-h.sem }

// idKey runs one Argon2id computation inside a semaphore slot.
func (h *Hasher) idKey(ctx context.Context, password string, salt []byte, p PasswordParams) ([]byte, error) {
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer h.release()
	return argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// Hash returns password hashed with a fresh random salt, in the PHC string format
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<key>" (unpadded standard base64), which records
// its own parameters. It returns ctx's error if ctx ends while waiting for a slot.
func (h *Hasher) Hash(ctx context.Context, password string) (string, error) {
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("hash password: read salt: %w", err)
	}
	key, err := h.idKey(ctx, password, salt, h.params)
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return encodeHash(h.params, salt, key), nil
}

// Verify reports whether password matches encoded, a hash made by Hash (possibly with other
// parameters: the ones stored in encoded are used, not h's). needsRehash is true when the
// password matched but encoded is weaker than what h makes now (less memory, fewer passes or
// lanes, a shorter salt or key), so the caller should store a fresh Hash. A malformed or
// unsupported encoded string (another algorithm or version, absurd parameters) is an error
// with ok false; so is ctx ending while waiting for a slot. A wrong password is ok false with
// a nil error. Django's pbkdf2_sha256 hashes of users imported from the original Chelal are
// accepted too (django.go), always with needsRehash when they match.
func (h *Hasher) Verify(ctx context.Context, encoded, password string) (ok bool, needsRehash bool, err error) {
	// A password kept from the original Chelal (django.go): right once, then stored as Argon2id.
	if strings.HasPrefix(encoded, djangoPBKDF2Prefix) {
		ok, err := h.verifyDjango(ctx, encoded, password)
		if err != nil {
			return false, false, fmt.Errorf("verify password: %w", err)
		}
		return ok, ok, nil
	}
	if strings.HasPrefix(encoded, "!") {
		return false, false, nil // Django's unusable password: no password opens it
	}
	p, salt, want, err := decodeHash(encoded)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	got, err := h.idKey(ctx, password, salt, p)
	if err != nil {
		return false, false, fmt.Errorf("verify password: %w", err)
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	return true, h.weaker(p), nil
}

// weaker reports whether stored parameters fall short of h's in any respect.
func (h *Hasher) weaker(p PasswordParams) bool {
	c := h.params
	return p.Memory < c.Memory || p.Time < c.Time || p.Threads < c.Threads ||
		p.SaltLen < c.SaltLen || p.KeyLen < c.KeyLen
}

// VerifyDummy spends as long as Verify does on a hash made with h's parameters, and throws
// the result away. The login calls it when the username is unknown, so the response time
// does not reveal which accounts exist. It returns early only if ctx ends while waiting.
func (h *Hasher) VerifyDummy(ctx context.Context, password string) {
	salt := make([]byte, h.params.SaltLen)
	got, err := h.idKey(ctx, password, salt, h.params)
	if err != nil {
		return
	}
	// Mirror Verify's comparison so the two paths do the same work.
	_ = subtle.ConstantTimeCompare(got, make([]byte, len(got)))
}

// encodeHash formats a hash in the PHC string format.
func encodeHash(p PasswordParams, salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key))
}

// decodeHash parses a PHC-format Argon2id hash and checks its parameters against the bounds,
// before anything is allocated or computed from them.
func decodeHash(encoded string) (p PasswordParams, salt, key []byte, err error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" {
		return p, nil, nil, errors.New("malformed hash: want $argon2id$v=..$m=..,t=..,p=..$salt$key")
	}
	if parts[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("unsupported hash algorithm %q", parts[1])
	}
	if parts[2] != "v="+strconv.Itoa(argon2.Version) {
		return p, nil, nil, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	if p, err = parseHashParams(parts[3]); err != nil {
		return p, nil, nil, err
	}
	b64 := base64.RawStdEncoding.Strict()
	// Check encoded lengths before decoding so a huge field allocates nothing.
	if n := len(parts[4]); n < b64.EncodedLen(minSaltLen) || n > b64.EncodedLen(maxSaltLen) {
		return p, nil, nil, fmt.Errorf("malformed hash: salt of %d characters", n)
	}
	if n := len(parts[5]); n < b64.EncodedLen(minKeyLen) || n > b64.EncodedLen(maxKeyLen) {
		return p, nil, nil, fmt.Errorf("malformed hash: key of %d characters", n)
	}
	if salt, err = b64.DecodeString(parts[4]); err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: salt: %w", err)
	}
	if key, err = b64.DecodeString(parts[5]); err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: key: %w", err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	if err := p.check(); err != nil {
		return p, nil, nil, fmt.Errorf("malformed hash: %w", err)
	}
	return p, salt, key, nil
}

// parseHashParams parses "m=<KiB>,t=<passes>,p=<lanes>", in that order, as Hash writes it.
func parseHashParams(s string) (PasswordParams, error) {
	var p PasswordParams
	fields := strings.Split(s, ",")
	if len(fields) != 3 {
		return p, fmt.Errorf("malformed hash parameters %q", s)
	}
	var vals [3]uint64
	for i, name := range [3]string{"m", "t", "p"} {
		v, ok := strings.CutPrefix(fields[i], name+"=")
		if !ok {
			return p, fmt.Errorf("malformed hash parameters %q", s)
		}
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return p, fmt.Errorf("malformed hash parameter %s: %w", name, err)
		}
		vals[i] = n
	}
	switch {
	case vals[0] > maxHashMemory:
		return p, fmt.Errorf("hash memory %d KiB exceeds %d", vals[0], maxHashMemory)
	case vals[1] > maxHashTime:
		return p, fmt.Errorf("hash time %d exceeds %d", vals[1], maxHashTime)
	case vals[2] > maxHashThreads:
		return p, fmt.Errorf("hash threads %d exceed %d", vals[2], maxHashThreads)
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	return p, nil
}

// ValidatePassword checks a new password against Chelal's rules: 12 to 128 characters
// (counted as runes, so accented and non-Latin passwords are not penalised), not the
// username (ignoring case), and not one character repeated. It reports every broken rule at
// once as an apperr.ErrInvalid error on the field "password", nil when the password is
// acceptable.
func ValidatePassword(password string, username string) error {
	var f apperr.Fields
	if password == "" {
		f.Add("password", apperr.CodeRequired, "Password is required.")
		return f.Err()
	}
	switch n := utf8.RuneCountInString(password); {
	case n < MinPasswordLen:
		f.Add("password", apperr.CodeTooShort,
			fmt.Sprintf("Password must be at least %d characters long.", MinPasswordLen))
	case n > MaxPasswordLen:
		f.Add("password", apperr.CodeTooLong,
			fmt.Sprintf("Password must be at most %d characters long.", MaxPasswordLen))
	}
	if username != "" && strings.EqualFold(password, username) {
		f.Add("password", apperr.CodeInvalid, "Password must not be the same as the username.")
	}
	if oneRepeatedRune(password) {
		f.Add("password", apperr.CodeInvalid, "Password must not be a single character repeated.")
	}
	return f.Err()
}

// oneRepeatedRune reports whether the non-empty s consists of one rune repeated.
func oneRepeatedRune(s string) bool {
	first, size := utf8.DecodeRuneInString(s)
	for _, r := range s[size:] {
		if r != first {
			return false
		}
	}
	return true
}
