package auth

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
)

// Client is the browser behind a login or a re-authentication: its address, the device
// cookie it carries (a known workstation of the accounts that logged in from it; "" when
// none) and the session cookie it still holds (revoked when it logs in again; "" when none).
type Client struct {
	IP      netip.Addr
	Device  string
	Session string
}

// What an attempt was: a login, or a re-authentication of a logged-in user. They share the
// counters, so that a stolen session cannot guess the password on /auth/password instead.
const (
	attemptLogin          = "login"
	attemptPassword       = "password"
	attemptTwoFactorClear = "2fa-disable"
)

// deviceKeepDays is how long a workstation stays known without logging in.
const deviceKeepDays = 180

// throttleKey is whom an attempt is counted against: the account name and the client, which
// is the device when the browser is a known workstation of that account, its address otherwise.
type throttleKey struct {
	name   string
	client string
	known  bool
	ip     netip.Addr
}

// keyFor works out the throttle key of an attempt on the account name by c.
func keyFor(ctx context.Context, tx pgx.Tx, name string, c Client) (throttleKey, error) {
	k := throttleKey{name: name, ip: c.IP, client: "ip:"}
	if c.IP.IsValid() {
		k.client += c.IP.Unmap().String()
	}
	if c.Device == "" || len(c.Device) > 128 {
		return k, nil
	}
	h := HashToken(c.Device)
	err := tx.QueryRow(ctx, `
		SELECT EXISTS (SELECT 1 FROM core_logindevice d JOIN auth_user u ON u.id = d.user_id
		                WHERE d.token_hash = $1 AND lower(u.username) = $2
		                  AND d.last_used_at > now() - make_interval(days => $3))`, h, name, deviceKeepDays).Scan(&k.known)
	if err != nil {
		return k, fmt.Errorf("known device: %w", err)
	}
	if k.known {
		k.client = "device:" + hex.EncodeToString(h)
	}
	return k, nil
}

// lockName serialises the attempts on one account name, so that parallel guesses are
// counted exactly.
func lockName(ctx context.Context, tx pgx.Tx, name string) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('chelal.login:' || $1, 0))`, name)
	return err
}

// pairDelay is the wait after n failures of one account from one client: none before
// AccountFailures, then FailureDelay, doubling with each further failure, at most FailureWindow.
func (s *Service) pairDelay(n int) time.Duration {
	if n < s.cfg.AccountFailures {
		return 0
	}
	d := s.cfg.FailureDelay
	for i := s.cfg.AccountFailures; i < n && d < s.cfg.FailureWindow; i++ {
		d *= 2
	}
	return min(d, s.cfg.FailureWindow)
}

// lockedFor says how long k must wait before its next attempt is checked (0: it may try now),
// and which throttle holds it:
//   - "account-client": the account from this client, with growing delays (failures count
//     since this client's last success);
//   - "account": the account for every client that is not one of its known workstations
//     (AccountFailures within FailureWindow since the account's last success from such a
//     client: a success at a known workstation says nothing of the guessing elsewhere);
//   - "client": the address, for every account it is not a known workstation of (IPFailures
//     within FailureWindow).
//
// A known workstation is held only by the first: guessing elsewhere cannot lock it out.
func (s *Service) lockedFor(ctx context.Context, tx pgx.Tx, k throttleKey) (time.Duration, string, error) {
	window := s.cfg.FailureWindow.Seconds()
	var (
		wait  time.Duration
		scope string
	)
	consider := func(d time.Duration, sc string) {
		if d > wait {
			wait, scope = d, sc
		}
	}
	var (
		n    int
		last *time.Time
	)
	err := tx.QueryRow(ctx, `
		SELECT count(*), max(attempted_at) FROM core_loginattempt
		 WHERE username = $1 AND client = $2 AND NOT succeeded
		   AND attempted_at > now() - make_interval(secs => $3)
		   AND attempted_at > coalesce((SELECT max(attempted_at) FROM core_loginattempt
		                                 WHERE username = $1 AND client = $2 AND succeeded), '-infinity')`,
		k.name, k.client, window).Scan(&n, &last)
	if err != nil {
		return 0, "", fmt.Errorf("client throttle: %w", err)
	}
	if d := s.pairDelay(n); d > 0 && last != nil {
		consider(time.Until(last.Add(d)), "account-client")
	}
	if !k.known {
		// The limit-th most recent failure in the window: while it is inside the window, the
		// limit is reached; it leaves the window after (its time + window).
		check := func(sql string, limit int, sc string, args ...any) error {
			var oldest *time.Time
			err := tx.QueryRow(ctx, sql, append(args, window, limit-1)...).Scan(&oldest)
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			if oldest != nil {
				consider(time.Until(oldest.Add(s.cfg.FailureWindow)), sc)
			}
			return nil
		}
		if err := check(`
			SELECT attempted_at FROM core_loginattempt
			 WHERE username = $1 AND NOT succeeded AND NOT known_device
			   AND attempted_at > now() - make_interval(secs => $2)
			   AND attempted_at > coalesce((SELECT max(attempted_at) FROM core_loginattempt WHERE username = $1 AND succeeded AND NOT known_device), '-infinity')
			 ORDER BY attempted_at DESC OFFSET $3 LIMIT 1`, s.cfg.AccountFailures, "account", k.name); err != nil {
			return 0, "", fmt.Errorf("account throttle: %w", err)
		}
		if k.ip.IsValid() {
			if err := check(`
				SELECT attempted_at FROM core_loginattempt
				 WHERE ip_address = $1::inet AND NOT succeeded AND NOT known_device
				   AND attempted_at > now() - make_interval(secs => $2)
				 ORDER BY attempted_at DESC OFFSET $3 LIMIT 1`, s.cfg.IPFailures, "client", k.ip.Unmap().String()); err != nil {
				return 0, "", fmt.Errorf("ip throttle: %w", err)
			}
		}
	}
	if wait > 0 && wait < time.Second {
		wait = time.Second
	}
	return wait, scope, nil
}

// tooManyAttempts is the 429 of a throttled attempt, with its Retry-After.
func tooManyAttempts(wait time.Duration, code string) error {
	msg := fmt.Sprintf("Too many failed attempts. Try again in %d seconds.", int((wait+time.Second-1)/time.Second))
	if wait > 90*time.Second {
		msg = fmt.Sprintf("Too many failed attempts. Try again in %d minutes.", int((wait+time.Minute-1)/time.Minute))
	}
	return &apperr.Error{Kind: apperr.ErrTooManyRequests, Code: code, RetryAfter: wait, Message: msg}
}

// recordAttempt stores an attempt of kind against k (the throttles count the failures).
func recordAttempt(ctx context.Context, tx pgx.Tx, k throttleKey, kind string, succeeded bool) error {
	_, err := tx.Exec(ctx, `
		INSERT INTO core_loginattempt (username, ip_address, succeeded, client, known_device, kind)
		VALUES ($1, $2, $3, $4, $5, $6)`, k.name, ipOrNil(k.ip), succeeded, k.client, k.known, kind)
	if err != nil {
		return fmt.Errorf("record attempt: %w", err)
	}
	return nil
}

// rememberDevice makes the browser a known workstation of userID after a successful login,
// and returns the device token its cookie is to carry: the one it presented when that is
// already a device of this server, a new one otherwise.
func rememberDevice(ctx context.Context, tx pgx.Tx, userID int64, presented string) (string, error) {
	token := ""
	if presented != "" && len(presented) <= 128 {
		var known bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_logindevice WHERE token_hash = $1)`, HashToken(presented)).Scan(&known); err != nil {
			return "", fmt.Errorf("device: %w", err)
		}
		if known {
			token = presented
		}
	}
	if token == "" {
		var err error
		if token, err = NewToken(32); err != nil {
			return "", err
		}
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO core_logindevice (token_hash, user_id) VALUES ($1, $2)
		ON CONFLICT (token_hash, user_id) DO UPDATE SET last_used_at = now()`, HashToken(token), userID)
	if err != nil {
		return "", fmt.Errorf("remember device: %w", err)
	}
	return token, nil
}

// reauthenticate runs check (the current password, a code; it answers the error to give for
// a wrong one, or nil) for the principal's account under
// the login throttles: a throttled client gets 429 without check running; a failed check is
// counted and audited like a failed login, and its error is the answer. It is called inside
// the transaction of the change it guards; a failure is committed, not rolled back, so the
// caller must return (nil error) with the answer it gets as failed.
func (s *Service) reauthenticate(ctx context.Context, tx pgx.Tx, p *Principal, c Client, kind string, check func() (wrong error, err error)) (failed error, err error) {
	name := strings.ToLower(p.User.Username)
	if err := lockName(ctx, tx, name); err != nil {
		return nil, err
	}
	k, err := keyFor(ctx, tx, name, c)
	if err != nil {
		return nil, err
	}
	wait, scope, err := s.lockedFor(ctx, tx, k)
	if err != nil {
		return nil, err
	}
	if wait > 0 {
		return tooManyAttempts(wait, "login-locked"), audit.Record(ctx, tx, audit.Entry{Action: audit.ActionReauthLocked,
			ModelName: "auth_user", ObjectID: p.User.ID, Changes: map[string]any{"during": kind, "throttle": scope}})
	}
	wrong, err := check()
	if err != nil {
		return nil, err
	}
	if wrong != nil {
		if err := recordAttempt(ctx, tx, k, kind, false); err != nil {
			return nil, err
		}
		return wrong, audit.Record(ctx, tx, audit.Entry{Action: audit.ActionReauthFailed, ModelName: "auth_user",
			ObjectID: p.User.ID, Changes: map[string]any{"during": kind, "known_workstation": k.known}})
	}
	return nil, recordAttempt(ctx, tx, k, kind, true)
}

// LoginThrottle is one current throttle, for the administrators: failed attempts counted
// against an account from one client, against an account from every unknown client, or
// against one address.
type LoginThrottle struct {
	Scope            string     `json:"scope" enum:"account-client,account,client" doc:"account-client: this account from this client (growing delays); account: this account from every client that is not one of its known workstations; client: this address, for every account"`
	Username         string     `json:"username,omitempty" doc:"the account name as typed (lower-cased); absent for an address's throttle"`
	UserID           *int64     `json:"user_id" doc:"the account, when it exists"`
	IP               *string    `json:"ip" doc:"the address of the latest failure"`
	KnownWorkstation bool       `json:"known_workstation" doc:"the client is a browser that has logged in as this account before"`
	Failures         int        `json:"failures"`
	LastFailureAt    time.Time  `json:"last_failure_at"`
	LockedUntil      *time.Time `json:"locked_until" doc:"null: counted, not (yet) locked"`
}

// LoginThrottles lists the current throttles, most recent failure first.
func (s *Service) LoginThrottles(ctx context.Context) ([]LoginThrottle, error) {
	window := s.cfg.FailureWindow.Seconds()
	out := []LoginThrottle{}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT a.username, (SELECT u.id FROM auth_user u WHERE lower(u.username) = a.username),
		       (array_agg(host(a.ip_address) ORDER BY a.attempted_at DESC))[1], bool_or(a.known_device),
		       count(*), max(a.attempted_at)
		  FROM core_loginattempt a
		 WHERE NOT a.succeeded AND a.client IS NOT NULL
		   AND a.attempted_at > now() - make_interval(secs => $1)
		   AND a.attempted_at > coalesce((SELECT max(b.attempted_at) FROM core_loginattempt b
		                                   WHERE b.username = a.username AND b.client = a.client AND b.succeeded), '-infinity')
		 GROUP BY a.username, a.client
		 ORDER BY max(a.attempted_at) DESC LIMIT 500`, window)
	if err != nil {
		return nil, fmt.Errorf("login throttles: %w", err)
	}
	for rows.Next() {
		t := LoginThrottle{Scope: "account-client"}
		if err := rows.Scan(&t.Username, &t.UserID, &t.IP, &t.KnownWorkstation, &t.Failures, &t.LastFailureAt); err != nil {
			rows.Close()
			return nil, err
		}
		if d := s.pairDelay(t.Failures); d > 0 {
			if until := t.LastFailureAt.Add(d); time.Until(until) > 0 {
				t.LockedUntil = &until
			}
		}
		out = append(out, t)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// The account-wide and per-address locks, only while they hold.
	rows, err = s.db.Pool.Query(ctx, `
		SELECT 'account', a.username, (SELECT u.id FROM auth_user u WHERE lower(u.username) = a.username), NULL::text,
		       count(*), max(a.attempted_at), (array_agg(a.attempted_at ORDER BY a.attempted_at DESC))[$2]
		  FROM core_loginattempt a
		 WHERE NOT a.succeeded AND NOT a.known_device
		   AND a.attempted_at > now() - make_interval(secs => $1)
		   AND a.attempted_at > coalesce((SELECT max(b.attempted_at) FROM core_loginattempt b
		                                   WHERE b.username = a.username AND b.succeeded AND NOT b.known_device), '-infinity')
		 GROUP BY a.username HAVING count(*) >= $2
		UNION ALL
		SELECT 'client', '', NULL, host(a.ip_address),
		       count(*), max(a.attempted_at), (array_agg(a.attempted_at ORDER BY a.attempted_at DESC))[$3]
		  FROM core_loginattempt a
		 WHERE NOT a.succeeded AND NOT a.known_device AND a.ip_address IS NOT NULL
		   AND a.attempted_at > now() - make_interval(secs => $1)
		 GROUP BY a.ip_address HAVING count(*) >= $3
		 ORDER BY 6 DESC`, window, s.cfg.AccountFailures, s.cfg.IPFailures)
	if err != nil {
		return nil, fmt.Errorf("login locks: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			t   LoginThrottle
			nth time.Time
		)
		if err := rows.Scan(&t.Scope, &t.Username, &t.UserID, &t.IP, &t.Failures, &t.LastFailureAt, &nth); err != nil {
			return nil, err
		}
		until := nth.Add(s.cfg.FailureWindow)
		t.LockedUntil = &until
		out = append(out, t)
	}
	return out, rows.Err()
}

// ClearLoginThrottleParams names what to clear: an account's failed attempts (from every
// client) or an address's. Exactly one of them.
type ClearLoginThrottleParams struct {
	Username string
	IP       string
}

// Validate refuses anything but exactly one well-formed name or address.
func (p ClearLoginThrottleParams) Validate() error {
	var f apperr.Fields
	switch {
	case p.Username == "" && p.IP == "":
		f.Add("username", apperr.CodeRequired, "Name the account (username) or the address (ip) to clear.")
	case p.Username != "" && p.IP != "":
		f.Add("ip", apperr.CodeInvalid, "Clear an account or an address, not both at once.")
	case len(p.Username) > 150:
		f.Add("username", apperr.CodeTooLong, "Username is at most 150 characters.")
	case p.IP != "":
		if _, err := netip.ParseAddr(p.IP); err != nil {
			f.Add("ip", apperr.CodeInvalid, "ip must be an IPv4 or IPv6 address.")
		}
	}
	return f.Err()
}

// ClearLoginThrottle forgets the failed attempts of an account (every client) or of an
// address, lifting its throttles at once, and records who did it.
func (s *Service) ClearLoginThrottle(ctx context.Context, actor db.Actor, p ClearLoginThrottleParams) error {
	if err := p.Validate(); err != nil {
		return err
	}
	return s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var (
			cleared int64
			userID  int64
			changes = map[string]any{}
		)
		if p.Username != "" {
			name := strings.ToLower(strings.TrimSpace(p.Username))
			tag, err := tx.Exec(ctx, `DELETE FROM core_loginattempt WHERE username = $1 AND NOT succeeded`, name)
			if err != nil {
				return fmt.Errorf("clear throttle: %w", err)
			}
			cleared = tag.RowsAffected()
			if err := tx.QueryRow(ctx, `SELECT id FROM auth_user WHERE lower(username) = $1`, name).Scan(&userID); err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
			changes["username"] = name
		} else {
			ip, _ := netip.ParseAddr(p.IP)
			tag, err := tx.Exec(ctx, `DELETE FROM core_loginattempt WHERE ip_address = $1::inet AND NOT succeeded`, ip.Unmap().String())
			if err != nil {
				return fmt.Errorf("clear throttle: %w", err)
			}
			cleared = tag.RowsAffected()
			changes["ip"] = ip.Unmap().String()
		}
		changes["cleared"] = cleared
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginUnlocked, ModelName: "auth_user", ObjectID: userID, Changes: changes})
	})
}
