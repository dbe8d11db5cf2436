// Package auth is who may do what in Chelal: users and their roles, passwords (argon2id),
// server-side sessions with CSRF tokens, login throttling, TOTP two-factor authentication,
// the first-run setup, and the permissions each role grants; and the bearer tokens other
// packages hand out too (NewToken, HashToken: a waiting-room display's). It never imports
// net/http: the HTTP layer asks it questions and maps its errors (internal/apperr) to statuses.
package auth

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Config holds the security settings of the auth service.
type Config struct {
	IdleTimeout     time.Duration // a session unused this long ends (automatic logoff); default 15 min
	AbsoluteTimeout time.Duration // a session ends this long after login whatever happens; default 12 h
	AccountFailures int           // failed logins per account (and per account and client) within FailureWindow before 429; default 5
	IPFailures      int           // failed logins per client IP within FailureWindow before 429; default 20
	FailureWindow   time.Duration // default 15 min
	Issuer          string        // the name authenticator apps show; default "Chelal"
	// ProfileImageDir is where profile images are stored (in the data dir).
	ProfileImageDir string
	// MaxProfileImageBytes caps an uploaded profile image; default 2 MiB.
	MaxProfileImageBytes int64
	// FailureDelay is the first wait of an account from one client once it reaches
	// AccountFailures; each further failure doubles it, up to FailureWindow. Default 30 s.
	FailureDelay time.Duration
}

func (c Config) withDefaults() Config {
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = 15 * time.Minute
	}
	if c.AbsoluteTimeout <= 0 {
		c.AbsoluteTimeout = 12 * time.Hour
	}
	if c.AccountFailures <= 0 {
		c.AccountFailures = 5
	}
	if c.IPFailures <= 0 {
		c.IPFailures = 20
	}
	if c.FailureWindow <= 0 {
		c.FailureWindow = 15 * time.Minute
	}
	if c.FailureDelay <= 0 {
		c.FailureDelay = 30 * time.Second
	}
	if c.Issuer == "" {
		c.Issuer = "Chelal"
	}
	if c.MaxProfileImageBytes <= 0 {
		c.MaxProfileImageBytes = 2 << 20
	}
	return c
}

// Service answers every identity and access question.
type Service struct {
	db     *db.DB
	hasher *Hasher
	box    *SecretBox
	cfg    Config
	// sessions caches Authenticate's lookups (sessioncache.go).
	sessions sessionCache
}

// NewService returns the auth service. box encrypts 2FA secrets with the key of the data dir.
func NewService(d *db.DB, hasher *Hasher, box *SecretBox, cfg Config) *Service {
	return &Service{db: d, hasher: hasher, box: box, cfg: cfg.withDefaults()}
}

// Config returns the service's effective settings.
func (s *Service) Config() Config { return s.cfg }

// Hasher returns the password hasher (the CLI hashes with it too).
func (s *Service) Hasher() *Hasher { return s.hasher }

// uniqueField maps unique constraints of auth_user to the input field they concern.
var uniqueField = map[string]string{
	"auth_user_username_key":       "username",
	"auth_user_username_lower_key": "username",
	"auth_user_email_key":          "email",
	"auth_user_email_lower_key":    "email",
}

// mapUserWriteError turns a unique violation into a 409 naming the field.
func mapUserWriteError(err error) error {
	if db.IsUnique(err) {
		if field, ok := uniqueField[db.Constraint(err)]; ok {
			e := apperr.New(apperr.ErrConflict, "Another user already has this "+field+".")
			e.Fields = []apperr.FieldError{{Field: field, Code: apperr.CodeDuplicate, Message: "Already taken by another user."}}
			return e
		}
	}
	return err
}

// stale reports a version conflict or a missing row after an UPDATE ... WHERE version = $n
// touched nothing.
func stale(ctx context.Context, tx pgx.Tx, table string, id int64) error {
	var exists bool
	if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s WHERE id = $1)`, pgx.Identifier{table}.Sanitize()), id).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		return apperr.ErrNotFound
	}
	return apperr.Stale("record")
}
