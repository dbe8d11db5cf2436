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
	"chelal/internal/db"
)

// RecoveryCodeCount is how many single-use recovery codes a user gets when enabling 2FA.
const RecoveryCodeCount = 10

// TwoFactorEnrolment is what a user needs to add Chelal to an authenticator app.
type TwoFactorEnrolment struct {
	Secret     string `json:"secret"`
	OTPAuthURL string `json:"otpauth_url"`
	QRPNG      []byte `json:"qr_png"` // base64 in JSON
}

// BeginTwoFactor creates a new TOTP secret for the principal and keeps it (encrypted) until
// EnableTwoFactor confirms it with a code. A user who already has 2FA gets 409.
func (s *Service) BeginTwoFactor(ctx context.Context, p *Principal, ip netip.Addr) (TwoFactorEnrolment, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	if p.User.TwoFactorEnabled {
		return TwoFactorEnrolment{}, apperr.New(apperr.ErrConflict, "Two-factor authentication is already on; turn it off first.").WithCode("2fa-enabled")
	}
	secret, url, png, err := NewTOTPSecret(s.cfg.Issuer, p.User.Username)
	if err != nil {
		return TwoFactorEnrolment{}, err
	}
	sealed, err := s.box.SealTOTPSecret(secret)
	if err != nil {
		return TwoFactorEnrolment{}, err
	}
	err = s.db.InTx(ctx, p.Actor(ip), func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `UPDATE auth_user SET two_factor_secret = $2 WHERE id = $1 AND NOT two_factor_enabled`, p.User.ID, sealed)
		return err
	})
	if err != nil {
		return TwoFactorEnrolment{}, fmt.Errorf("begin 2fa: %w", err)
	}
	return TwoFactorEnrolment{Secret: secret, OTPAuthURL: url, QRPNG: png}, nil
}

// EnableTwoFactor turns 2FA on once the user proves their app has the secret, and returns the
// recovery codes (shown once; only their hashes are kept).
func (s *Service) EnableTwoFactor(ctx context.Context, p *Principal, ip netip.Addr, code string) ([]string, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	var plain []string
	err := s.db.InTx(ctx, p.Actor(ip), func(ctx context.Context, tx pgx.Tx) error {
		var enabled bool
		var sealed *string
		if err := tx.QueryRow(ctx, `SELECT two_factor_enabled, two_factor_secret FROM auth_user WHERE id = $1 FOR UPDATE`, p.User.ID).Scan(&enabled, &sealed); err != nil {
			return err
		}
		if enabled {
			return apperr.New(apperr.ErrConflict, "Two-factor authentication is already on.").WithCode("2fa-enabled")
		}
		if sealed == nil {
			return apperr.New(apperr.ErrConflict, "Start the set-up first (POST /api/v1/auth/2fa/setup).").WithCode("2fa-not-started")
		}
		ok, err := s.checkTOTP(ctx, tx, p.User.ID, *sealed, code)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeInvalid, Message: "The code is wrong; check the time on your phone and try the next code."})
		}
		if _, err := tx.Exec(ctx, `UPDATE auth_user SET two_factor_enabled = true WHERE id = $1`, p.User.ID); err != nil {
			return err
		}
		plain, err = replaceRecoveryCodes(ctx, tx, p.User.ID)
		return err
	})
	return plain, err
}

// DisableTwoFactorParams proves it is the user (password) holding the second factor (code).
type DisableTwoFactorParams struct {
	Password string `json:"password"`
	Code     string `json:"code"`
}

// Validate refuses a missing (or megabytes long) password or code.
func (d DisableTwoFactorParams) Validate() error {
	var f apperr.Fields
	if d.Password == "" || len(d.Password) > 1024 {
		f.Add("password", apperr.CodeRequired, "Enter your password.")
	}
	if d.Code == "" || len(d.Code) > 32 {
		f.Add("code", apperr.CodeRequired, "Enter a code from your authenticator app or a recovery code.")
	}
	return f.Err()
}

// DisableTwoFactor turns 2FA off after checking the password and a current code (or a
// recovery code). A wrong password or code counts as a failed login of the account from c
// (reauthenticate).
func (s *Service) DisableTwoFactor(ctx context.Context, p *Principal, c Client, d DisableTwoFactorParams) error {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	if err := d.Validate(); err != nil {
		return err
	}
	var failed error
	err := s.db.InTx(ctx, p.Actor(c.IP), func(ctx context.Context, tx pgx.Tx) error {
		// The account's attempt lock before its row, in the order Login takes them.
		if err := lockName(ctx, tx, strings.ToLower(p.User.Username)); err != nil {
			return err
		}
		var hash string
		var enabled bool
		var sealed *string
		if err := tx.QueryRow(ctx, `SELECT password, two_factor_enabled, two_factor_secret FROM auth_user WHERE id = $1 FOR UPDATE`, p.User.ID).Scan(&hash, &enabled, &sealed); err != nil {
			return err
		}
		if !enabled || sealed == nil {
			return apperr.New(apperr.ErrConflict, "Two-factor authentication is not on.").WithCode("2fa-disabled")
		}
		var err error
		failed, err = s.reauthenticate(ctx, tx, p, c, attemptTwoFactorClear, func() (error, error) {
			ok, _, err := s.hasher.Verify(ctx, hash, d.Password)
			if err != nil {
				return nil, err
			}
			if !ok {
				return apperr.Invalid(apperr.FieldError{Field: "password", Code: apperr.CodeInvalid, Message: "The password is wrong."}), nil
			}
			if ok, err = s.checkSecondFactor(ctx, tx, p.User.ID, *sealed, d.Code); err != nil {
				return nil, err
			}
			if !ok {
				return apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeInvalid, Message: "The code is wrong or was already used."}), nil
			}
			return nil, nil
		})
		if err != nil || failed != nil {
			return err
		}
		return clearTwoFactor(ctx, tx, p.User.ID)
	})
	if err != nil {
		return err
	}
	return failed
}

// ResetTwoFactor turns a user's 2FA off on an administrator's word (a lost phone).
func (s *Service) ResetTwoFactor(ctx context.Context, actor db.Actor, userID int64) (User, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	var u User
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := getUser(ctx, tx, userID); err != nil {
			return err
		}
		if err := clearTwoFactor(ctx, tx, userID); err != nil {
			return err
		}
		var err error
		u, err = getUser(ctx, tx, userID)
		return err
	})
	return u, err
}

func clearTwoFactor(ctx context.Context, tx pgx.Tx, userID int64) error {
	if _, err := tx.Exec(ctx, `UPDATE auth_user SET two_factor_enabled = false, two_factor_secret = NULL WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("clear 2fa: %w", err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM core_recoverycode WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `DELETE FROM core_totpstate WHERE user_id = $1`, userID)
	return err
}

func replaceRecoveryCodes(ctx context.Context, tx pgx.Tx, userID int64) ([]string, error) {
	plain, hashes, err := NewRecoveryCodes(RecoveryCodeCount)
	if err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `DELETE FROM core_recoverycode WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	for _, h := range hashes {
		if _, err := tx.Exec(ctx, `INSERT INTO core_recoverycode (user_id, code_hash) VALUES ($1, $2)`, userID, h); err != nil {
			return nil, fmt.Errorf("store recovery code: %w", err)
		}
	}
	return plain, nil
}

// checkSecondFactor accepts a TOTP code (once) or an unused recovery code (then used up).
func (s *Service) checkSecondFactor(ctx context.Context, tx pgx.Tx, userID int64, sealed, code string) (bool, error) {
	if LooksLikeRecoveryCode(code) {
		tag, err := tx.Exec(ctx, `
			UPDATE core_recoverycode SET used_at = now()
			 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`, userID, HashRecoveryCode(code))
		if err != nil {
			return false, fmt.Errorf("recovery code: %w", err)
		}
		return tag.RowsAffected() == 1, nil
	}
	return s.checkTOTP(ctx, tx, userID, sealed, code)
}

// checkTOTP accepts a code of the user's secret whose time step is newer than the last one
// accepted (a replayed code is refused), and records its step.
func (s *Service) checkTOTP(ctx context.Context, tx pgx.Tx, userID int64, sealed, code string) (bool, error) {
	secret, err := s.box.OpenTOTPSecret(sealed)
	if err != nil {
		return false, fmt.Errorf("open 2fa secret of user %d: %w", userID, err)
	}
	var last int64
	err = tx.QueryRow(ctx, `SELECT last_step FROM core_totpstate WHERE user_id = $1 FOR UPDATE`, userID).Scan(&last)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return false, err
	}
	step, ok := CheckTOTP(secret, code, last, time.Now())
	if !ok {
		return false, nil
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO core_totpstate (user_id, last_step) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET last_step = EXCLUDED.last_step`, userID, step)
	return err == nil, err
}
