package auth

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// LoginParams is a login attempt. OTP is a 6-digit TOTP code or a recovery code, needed
// only by users with 2FA.
type LoginParams struct {
	Username string `json:"username"`
	Password string `json:"password"`
	OTP      string `json:"otp,omitempty" validate:"max=32"`
}

// LimitsFrom says a login's username has the limits of a user's (see validate.Borrower).
func (LoginParams) LimitsFrom() any { return CreateUserParams{} }

// Validate refuses input that is not a login attempt at all (the answer then says which field).
func (p LoginParams) Validate() error {
	f := validate.Struct(p)
	if p.Username != "" && strings.TrimSpace(p.Username) == "" {
		f.Add("username", apperr.CodeRequired, "Username is required.")
	}
	if p.Password == "" {
		f.Add("password", apperr.CodeRequired, "Password is required.")
	} else if len(p.Password) > 1024 {
		// Not checked against a hash at all: hashing megabytes is a denial of service.
		f.Add("password", apperr.CodeTooLong, "Password is at most 128 characters.")
	}
	return f.Err()
}

var errBadCredentials = apperr.New(apperr.ErrUnauthorized, "The username or password is wrong.").WithCode("invalid-credentials")

// Login checks a username, password and (for 2FA users) one-time code, and opens a session.
// Attempts are throttled (lockedFor): a throttled attempt answers apperr.ErrTooManyRequests
// with a RetryAfter, without checking the password, whether or not the account exists. Every
// attempt (success, failure, lockout) is an audit row with the IP. A success makes the
// browser a known workstation of the account (Session.Device, for its device cookie) and ends
// the session the browser still held (c.Session), so one browser has one live token.
func (s *Service) Login(ctx context.Context, p LoginParams, c Client, userAgent string) (Session, User, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	if err := p.Validate(); err != nil {
		return Session{}, User{}, err
	}
	name := strings.ToLower(strings.TrimSpace(p.Username))
	var (
		sess    Session
		user    User
		outcome error // the answer, decided inside the transaction that records the attempt
	)
	actor := db.Actor{IP: c.IP}
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if err := lockName(ctx, tx, name); err != nil {
			return err
		}
		k, err := keyFor(ctx, tx, name, c)
		if err != nil {
			return err
		}
		if wait, scope, err := s.lockedFor(ctx, tx, k); err != nil {
			return err
		} else if wait > 0 {
			outcome = tooManyAttempts(wait, "login-locked")
			return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginLocked, ModelName: "auth_user",
				Changes: map[string]any{"username": name, "throttle": scope, "known_workstation": k.known}})
		}

		var (
			id            int64
			hash          string
			active, twoFA bool
			sealed        *string
		)
		err = tx.QueryRow(ctx, `
			SELECT id, password, is_active, two_factor_enabled, two_factor_secret
			  FROM auth_user WHERE lower(username) = $1`, name).Scan(&id, &hash, &active, &twoFA, &sealed)
		if errors.Is(err, pgx.ErrNoRows) {
			s.hasher.VerifyDummy(ctx, p.Password) // same time as a real check: no account enumeration
			outcome = errBadCredentials
			return s.recordFailure(ctx, tx, k, 0, "unknown user")
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
			return s.recordFailure(ctx, tx, k, id, reason)
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
				return s.recordFailure(ctx, tx, k, id, "wrong second factor")
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
		if err := recordAttempt(ctx, tx, k, attemptLogin, true); err != nil {
			return err
		}
		if err := s.sweepSessions(ctx, tx); err != nil {
			return err
		}
		// The browser's previous session (of this user or another) ends with this login.
		if c.Session != "" && len(c.Session) <= 128 {
			if _, err := tx.Exec(ctx, `DELETE FROM core_session WHERE token_hash = $1`, HashToken(c.Session)); err != nil {
				return fmt.Errorf("end previous session: %w", err)
			}
		}
		if sess, err = newSession(ctx, tx, id, actor, userAgent); err != nil {
			return err
		}
		if sess.Device, err = rememberDevice(ctx, tx, id, c.Device); err != nil {
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

func (s *Service) recordFailure(ctx context.Context, tx pgx.Tx, k throttleKey, userID int64, reason string) error {
	if err := recordAttempt(ctx, tx, k, attemptLogin, false); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionLoginFailed, ModelName: "auth_user", ObjectID: userID,
		Changes: map[string]any{"username": k.name, "reason": reason, "known_workstation": k.known}})
}

// ChangePasswordParams is a user's change of their own password.
type ChangePasswordParams struct {
	CurrentPassword string `json:"current_password"`
	NewPassword     string `json:"new_password"`
}

// Validate reports every bad field at once: a current password given (and not megabytes: it
// is hashed), and a new one that follows the password rules for the user called username.
func (in ChangePasswordParams) Validate(username string) error {
	var f apperr.Fields
	if in.CurrentPassword == "" {
		f.Add("current_password", apperr.CodeRequired, "Enter your current password.")
	} else if len(in.CurrentPassword) > 1024 {
		f.Add("current_password", apperr.CodeTooLong, "Password is at most 128 characters.")
	}
	if err := ValidatePassword(in.NewPassword, username); err != nil {
		for _, fe := range apperr.FieldsOf(err) {
			fe.Field = "new_password"
			f = append(f, fe)
		}
	}
	return f.Err()
}

// ChangePassword changes the principal's password after checking the current one, and ends
// every other session of the user (a stolen session does not survive the change). A wrong
// current password counts as a failed login of the account from c (reauthenticate).
func (s *Service) ChangePassword(ctx context.Context, p *Principal, c Client, in ChangePasswordParams) error {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	if err := in.Validate(p.User.Username); err != nil {
		return err
	}
	var failed error
	err := s.db.InTx(ctx, p.Actor(c.IP), func(ctx context.Context, tx pgx.Tx) error {
		var err error
		failed, err = s.reauthenticate(ctx, tx, p, c, attemptPassword, func() (error, error) {
			var hash string
			if err := tx.QueryRow(ctx, `SELECT password FROM auth_user WHERE id = $1`, p.User.ID).Scan(&hash); err != nil {
				return nil, fmt.Errorf("change password: %w", err)
			}
			ok, _, err := s.hasher.Verify(ctx, hash, in.CurrentPassword)
			if err != nil || ok {
				return nil, err
			}
			return apperr.Invalid(apperr.FieldError{Field: "current_password", Code: apperr.CodeInvalid, Message: "The current password is wrong."}), nil
		})
		if err != nil || failed != nil {
			return err
		}
		newHash, err := s.hasher.Hash(ctx, in.NewPassword)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_user SET password = $2 WHERE id = $1`, p.User.ID, newHash); err != nil {
			return fmt.Errorf("change password: %w", err)
		}
		_, err = tx.Exec(ctx, `DELETE FROM core_session WHERE user_id = $1 AND token_hash <> $2`, p.User.ID, p.tokenHash)
		return err
	})
	if err != nil {
		return err
	}
	return failed
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
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
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
