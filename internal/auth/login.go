package auth

import (
	"context"
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

// LoginParams is a login attempt. OTP is a 6-digit TOTP code or a recovery code, needed
// only by users with 2FA.
type LoginParams struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty"`
}

// Validate refuses input that is not a login attempt at all (the answer then says which field).
func (p LoginParams) Validate() error {
	var f apperr.Fields
	if strings.TrimSpace(p.Username) == "" {
		f.Add("username", apperr.CodeRequired, "Username is required.")
	} else if len(p.Username) > 150 {
		f.Add("username", apperr.CodeTooLong, "Username is at most 150 characters.")
	}
	if p.Password == "" {
		f.Add("password", apperr.CodeRequired, "Password is required.")
	} else if len(p.Password) > 1024 {
		// Not checked against a hash at all: hashing megabytes is a denial of service.
		f.Add("password", apperr.CodeTooLong, "Password is at most 128 characters.")
	}
	if len(p.OTP) > 32 {
		f.Add("otp", apperr.CodeTooLong, "The code is at most 32 characters.")
	}
	return f.Err()
}

var errBadCredentials = apperr.New(apperr.ErrUnauthorized, "The username or password is wrong.").WithCode("invalid-credentials")

// Login checks a username, password and (for 2FA users) one-time code, and opens a session.
// After too many failures for the account or from the IP within the window it answers
// apperr.ErrTooManyRequests with a RetryAfter, without checking the password, whether or not
// the account exists. Every attempt (success, failure, lockout) is an audit row with the IP.
func (s *Service) Login(ctx context.Context, p LoginParams, ip netip.Addr, userAgent string) (Session, User, error) {
	if err := p.Validate(); err != nil {
		return Session{}, User{}, err
	}
	name := strings.ToLower(strings.TrimSpace(p.Username))
	var (
		sess    Session
		user    User
		outcome error // the answer, decided inside the transaction that records the attempt
	)
	actor := db.Actor{IP: ip}
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		// One login at a time per account name, so that parallel guesses are counted exactly.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('chelal.login:' || $1, 0))`, name); err != nil {
			return err
		}
		if wait, err := s.lockedFor(ctx, tx, name, ip); err != nil {
			return err
		} else if wait > 0 {
			outcome = &apperr.Error{Kind: apperr.ErrTooManyRequests, Code: "login-locked", RetryAfter: wait,
				Message: fmt.Sprintf("Too many failed logins. Try again in %d minutes.", int((wait+time.Minute-1)/time.Minute))}
			return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginLocked, ModelName: "auth_user",
				Changes: map[string]any{"username": name}})
		}

		var (
			id            int64
			hash          string
			active, twoFA bool
			sealed        *string
		)
		err := tx.QueryRow(ctx, `
			SELECT id, password, is_active, two_factor_enabled, two_factor_secret
			  FROM auth_user WHERE lower(username) = $1`, name).Scan(&id, &hash, &active, &twoFA, &sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			s.hasher.VerifyDummy(ctx, p.Password) // same time as a real check: no account enumeration
			outcome = errBadCredentials
			return s.recordFailure(ctx, tx, name, ip, 0, "unknown user")
		}
		if err != nil {
			return err
		}
		ok, rehash, err := s.hasher.Verify(ctx, hash, p.Password)
		if err != nil {
			return fmt.Errorf("verify password of user %d: %w", id, err)
		}
		if !ok || !active {
			outcome = errBadCredentials
			reason := "wrong password"
			if ok {
				reason = "deactivated"
			}
			return s.recordFailure(ctx, tx, name, ip, id, reason)
		}
		if twoFA {
			if p.OTP == "" {
				// The password was right; the second factor is still missing. Not a failure, but
				// an attempt all the same, so it is recorded.
				outcome = apperr.New(apperr.ErrUnauthorized, "Enter the code from your authenticator app.").WithCode("otp-required")
				return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginOTPRequired, ModelName: "auth_user", ObjectID: id,
					Changes: map[string]any{"username": name}})
			}
			if sealed == nil {
				return fmt.Errorf("user %d has 2FA enabled without a secret", id)
			}
			okCode, err := s.checkSecondFactor(ctx, tx, id, *sealed, p.OTP)
			if err != nil {
				return err
			}
			if !okCode {
				outcome = apperr.New(apperr.ErrUnauthorized, "The code is wrong or was already used.").WithCode("otp-invalid")
				return s.recordFailure(ctx, tx, name, ip, id, "wrong second factor")
			}
		}

		// Success: from here on the user is the actor of what the transaction writes.
		if _, err := tx.Exec(ctx, `SELECT set_config('chelal.user_id', $1, true)`, fmt.Sprint(id)); err != nil {
			return err
		}
		if rehash {
			newHash, err := s.hasher.Hash(ctx, p.Password)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `UPDATE auth_user SET password = $2 WHERE id = $1`, id, newHash); err != nil {
				return fmt.Errorf("rehash password: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO core_loginattempt (username, ip_address, succeeded) VALUES ($1, $2, true)`, name, ipOrNil(ip)); err != nil {
			return err
		}
		if err := s.sweepSessions(ctx, tx); err != nil {
			return err
		}
		if sess, err = newSession(ctx, tx, id, actor, userAgent); err != nil {
			return err
		}
		if user, err = getUser(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLogin, ModelName: "auth_user", ObjectID: id})
	})
	if err != nil {
		return Session{}, User{}, err
	}
	if outcome != nil {
		return Session{}, User{}, outcome
	}
	return sess, user, nil
}

func ipOrNil(ip netip.Addr) *string {
	if !ip.IsValid() {
		return nil
	}
	s := ip.Unmap().String()
	return &s
}

// lockedFor says how long name (or ip) must wait before the next attempt is checked: 0 when
// it may try now. Failures of an account count since its last success.
func (s *Service) lockedFor(ctx context.Context, tx pgx.Tx, name string, ip netip.Addr) (time.Duration, error) {
	window := s.cfg.FailureWindow.Seconds()
	var wait time.Duration
	check := func(sql string, limit int, args ...any) error {
		var oldest *time.Time
		// The limit-th most recent failure in the window: while it is inside the window, the
		// limit is reached; it leaves the window after (its time + window).
		err := tx.QueryRow(ctx, sql, append(args, window, limit-1)...).Scan(&oldest)
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if oldest != nil {
			if d := time.Until(oldest.Add(s.cfg.FailureWindow)); d > wait {
				wait = d
			}
		}
		return nil
	}
	if err := check(`
		SELECT attempted_at FROM core_loginattempt
		 WHERE username = $1 AND NOT succeeded
		   AND attempted_at > now() - make_interval(secs => $2)
		   AND attempted_at > coalesce((SELECT max(attempted_at) FROM core_loginattempt WHERE username = $1 AND succeeded), '-infinity')
		 ORDER BY attempted_at DESC OFFSET $3 LIMIT 1`, s.cfg.AccountFailures, name); err != nil {
		return 0, fmt.Errorf("account throttle: %w", err)
	}
	if ip.IsValid() {
		if err := check(`
			SELECT attempted_at FROM core_loginattempt
			 WHERE ip_address = $1::inet AND NOT succeeded
			   AND attempted_at > now() - make_interval(secs => $2)
			 ORDER BY attempted_at DESC OFFSET $3 LIMIT 1`, s.cfg.IPFailures, ip.Unmap().String()); err != nil {
			return 0, fmt.Errorf("ip throttle: %w", err)
		}
	}
	if wait > 0 && wait < time.Second {
		wait = time.Second
	}
	return wait, nil
}

func (s *Service) recordFailure(ctx context.Context, tx pgx.Tx, name string, ip netip.Addr, userID int64, reason string) error {
	if _, err := tx.Exec(ctx, `INSERT INTO core_loginattempt (username, ip_address, succeeded) VALUES ($1, $2, false)`, name, ipOrNil(ip)); err != nil {
		return fmt.Errorf("record login failure: %w", err)
	}
	return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginFailed, ModelName: "auth_user", ObjectID: userID,
		Changes: map[string]any{"username": name, "reason": reason}})
}

// ChangePasswordParams is a user's change of their own password.
type ChangePasswordParams struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// ChangePassword changes the principal's password after checking the current one, and ends
// every other session of the user (a stolen session does not survive the change).
func (s *Service) ChangePassword(ctx context.Context, p *Principal, ip netip.Addr, c ChangePasswordParams) error {
	var f apperr.Fields
	if c.CurrentPassword == "" {
		f.Add("current_password", apperr.CodeRequired, "Enter your current password.")
	} else if len(c.CurrentPassword) > 1024 {
		f.Add("current_password", apperr.CodeTooLong, "Password is at most 128 characters.")
	}
	if err := ValidatePassword(c.NewPassword, p.User.Username); err != nil {
		for _, fe := range apperr.FieldsOf(err) {
			fe.Field = "new_password"
			f = append(f, fe)
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	var hash string
	if err := s.db.Pool.QueryRow(ctx, `SELECT password FROM auth_user WHERE id = $1`, p.User.ID).Scan(&hash); err != nil {
		return fmt.Errorf("change password: %w", err)
	}
	ok, _, err := s.hasher.Verify(ctx, hash, c.CurrentPassword)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.Invalid(apperr.FieldError{Field: "current_password", Code: apperr.CodeInvalid, Message: "The current password is wrong."})
	}
	newHash, err := s.hasher.Hash(ctx, c.NewPassword)
	if err != nil {
		return err
	}
	return s.db.InTx(ctx, p.Actor(ip), func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE auth_user SET password = $2 WHERE id = $1`, p.User.ID, newHash); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		_, err := tx.Exec(ctx, `DELETE FROM core_session WHERE user_id = $1 AND token_hash <> $2`, p.User.ID, p.tokenHash)
		return err
	})
}

// ResetPassword sets a user's password from the server's terminal (physical access is the
// recovery path), ends their sessions, clears their failed logins, and records the reset.
func (s *Service) ResetPassword(ctx context.Context, username, password string) (User, error) {
	return s.ResetLogin(ctx, username, password, false)
}

// ResetLogin is ResetPassword that, with resetTwoFactor, also turns the user's 2FA off (its
// secret, recovery codes and replay state gone): the way back in for a lone administrator who
// lost both the phone and the recovery codes. The audit row says whether 2FA was reset.
func (s *Service) ResetLogin(ctx context.Context, username, password string, resetTwoFactor bool) (User, error) {
	username = strings.TrimSpace(username)
	if err := ValidatePassword(password, username); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `UPDATE auth_user SET password = $2 WHERE lower(username) = lower($1) RETURNING id`, username, hash).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Errorf(apperr.ErrNotFound, "There is no user %q.", username)
		}
		if err != nil {
			return fmt.Errorf("reset password: %w", err)
		}
		if _, err := tx.Exec(ctx, `DELETE FROM core_session WHERE user_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM core_loginattempt WHERE username = lower($1) AND NOT succeeded`, username); err != nil {
			return err
		}
		changes := map[string]any{"via": "terminal"}
		if resetTwoFactor {
			if err := clearTwoFactor(ctx, tx, id); err != nil {
				return err
			}
			changes["two_factor_reset"] = true
		}
		if err := audit.Record(ctx, tx, audit.Entry{Action: audit.ActionPasswordReset, ModelName: "auth_user", ObjectID: id,
			Changes: changes}); err != nil {
			return err
		}
		u, err = getUser(ctx, tx, id)
		return err
	})
	return u, err
}
