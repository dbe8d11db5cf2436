package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
)

// Session is what a login hands the client: the opaque token for the cookie, the CSRF
// token every unsafe request must echo in X-CSRF-Token, and the device token that makes the
// browser a known workstation of the account (for its own, long-lived cookie).
type Session struct {
	Token     string
	CSRFToken string
	Device    string
}

// Principal is the logged-in user behind a request.
type Principal struct {
	User        User
	Permissions []Permission
	csrfToken   string
	tokenHash   []byte
	lastSeen    time.Time
}

// Can says whether the principal holds perm. PermAuthenticated is held by every principal.
func (p *Principal) Can(perm Permission) bool {
	if p == nil {
		return perm == PermPublic
	}
	return perm == PermPublic || perm == PermAuthenticated || slices.Contains(p.Permissions, perm)
}

// CSRFToken is the session's CSRF token (given to the client by login and GET /auth/me).
func (p *Principal) CSRFToken() string { return p.csrfToken }

// CheckCSRF compares a presented token with the session's in constant time.
func (p *Principal) CheckCSRF(presented string) bool {
	return presented != "" && subtle.ConstantTimeCompare([]byte(presented), []byte(p.csrfToken)) == 1
}

// Actor is the principal as the author of changes made from the client address ip.
func (p *Principal) Actor(ip netip.Addr) db.Actor {
	return db.Actor{UserID: p.User.ID, IP: ip}
}

// NewToken returns a bearer token of n random bytes, base64url without padding: a session's,
// a workstation's or a display's. Only its HashToken is stored.
func NewToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// HashToken is what is stored of a bearer token (SHA-256): enough to recognise it when it is
// presented, nothing to present.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// newSession stores a fresh session for userID in tx. Only the token's hash is stored.
func newSession(ctx context.Context, tx pgx.Tx, userID int64, actor db.Actor, userAgent string) (Session, error) {
	token, err := NewToken(32)
	if err != nil {
		return Session{}, err
	}
	csrf, err := NewToken(32)
	if err != nil {
		return Session{}, err
	}
	var ip *string
	if actor.IP.IsValid() {
		s := actor.IP.Unmap().String()
		ip = &s
	}
	if len(userAgent) > 255 {
		userAgent = userAgent[:255]
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO core_session (token_hash, user_id, csrf_token, ip_address, user_agent)
		VALUES ($1, $2, $3, $4::inet, $5)`, HashToken(token), userID, csrf, ip, userAgent)
	if err != nil {
		return Session{}, fmt.Errorf("create session: %w", err)
	}
	return Session{Token: token, CSRFToken: csrf}, nil
}

// touchEvery bounds how often a session's last_seen_at is written: at most one write per
// session per interval, so idle logoff is exact to within this much.
const touchEvery = 15 * time.Second

// Authenticate returns the principal of a session token, or apperr.ErrUnauthorized when the
// token is unknown, idle too long, too old, or its user is deactivated. It does not restart
// the session's idle time: only the user's own actions do (NoteActivity), never the app's
// background requests, so that an unattended workstation is logged off. A lookup is reused
// for SessionCacheFor at most (sessioncache.go).
func (s *Service) Authenticate(ctx context.Context, token string) (*Principal, error) {
	if token == "" || len(token) > 128 {
		return nil, apperr.ErrUnauthorized
	}
	th := HashToken(token)
	fetched := time.Now()
	if p, ok := s.sessions.get(th, fetched); ok {
		return p, nil
	}
	gen := s.sessions.generation()
	var (
		p        Principal
		lastSeen time.Time
		left     float64
		perms    []string
	)
	row := s.db.Pool.QueryRow(ctx, `
		SELECT s.csrf_token, s.last_seen_at,
		       extract(epoch FROM least(s.last_seen_at + make_interval(secs => $2), s.created_at + make_interval(secs => $3)) - now())::float8,
		       coalesce((SELECT array_agg(permission) FROM core_rolepermission WHERE role_id = u.role_id), '{}'),
		       `+userColumns+`
		  FROM core_session s
		  JOIN auth_user u ON u.id = s.user_id
		  LEFT JOIN core_role r ON r.id = u.role_id
		 WHERE s.token_hash = $1
		   AND u.is_active
		   AND s.last_seen_at > now() - make_interval(secs => $2)
		   AND s.created_at > now() - make_interval(secs => $3)`,
		th, s.cfg.IdleTimeout.Seconds(), s.cfg.AbsoluteTimeout.Seconds())
	u, err := scanUser(row, &p.csrfToken, &lastSeen, &left, &perms)
	if err == pgx.ErrNoRows {
		return nil, apperr.ErrUnauthorized
	}
	if err != nil {
		return nil, fmt.Errorf("authenticate: %w", err)
	}
	p.User = u
	for _, perm := range perms {
		p.Permissions = append(p.Permissions, Permission(perm))
	}
	slices.Sort(p.Permissions)
	p.tokenHash = th
	p.lastSeen = lastSeen
	s.sessions.put(gen, &p, fetched, time.Duration(left*float64(time.Second)))
	return &p, nil
}

// NoteActivity records that the principal's user did something (a request they caused), so
// the session's idle time restarts.
func (s *Service) NoteActivity(ctx context.Context, p *Principal) error {
	if time.Since(p.lastSeen) <= touchEvery {
		return nil
	}
	// Requests of one session that arrive together do not queue behind each other's
	// write: one touches the row, the others skip it (SKIP LOCKED) as already touched.
	if _, err := s.db.Pool.Exec(ctx, `
		UPDATE core_session SET last_seen_at = now()
		 WHERE token_hash = (SELECT token_hash FROM core_session WHERE token_hash = $1 FOR UPDATE SKIP LOCKED)`, p.tokenHash); err != nil {
		return fmt.Errorf("touch session: %w", err)
	}
	s.sessions.touched(p.tokenHash, time.Now())
	return nil
}

// Logout ends the principal's session and records it.
func (s *Service) Logout(ctx context.Context, p *Principal, ip netip.Addr) error {
	defer s.ForgetSessions() // once committed: this instance refuses the token at once
	return s.db.InTx(ctx, p.Actor(ip), func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `DELETE FROM core_session WHERE token_hash = $1`, p.tokenHash); err != nil {
			return fmt.Errorf("logout: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLogout, ModelName: "auth_user", ObjectID: p.User.ID})
	})
}

// RecordDenied writes the audit row of a request refused for lack of permission.
func (s *Service) RecordDenied(ctx context.Context, actor db.Actor, method, path string, perm Permission) error {
	return s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionAccessDenied, ModelName: "auth_user", ObjectID: actor.UserID,
			Changes: map[string]any{"method": method, "path": path, "permission": string(perm)}})
	})
}

// sweepSessions removes sessions that can no longer be used (cheap, done at each login).
func (s *Service) sweepSessions(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `
		DELETE FROM core_session
		 WHERE last_seen_at < now() - make_interval(secs => $1)
		    OR created_at < now() - make_interval(secs => $2)`,
		s.cfg.IdleTimeout.Seconds(), s.cfg.AbsoluteTimeout.Seconds())
	if err != nil {
		return fmt.Errorf("sweep sessions: %w", err)
	}
	if _, err = tx.Exec(ctx, `DELETE FROM core_loginattempt WHERE attempted_at < now() - interval '1 day'`); err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `DELETE FROM core_logindevice WHERE last_used_at < now() - make_interval(days => $1)`, deviceKeepDays)
	return err
}
