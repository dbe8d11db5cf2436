package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// SetupParams is the first run: the clinic's name, how its record numbers begin, its
// currency, its consultation fee, and its first administrator.
type SetupParams struct {
	ClinicName string `json:"clinic_name"`
	// MRNPrefix begins every record number (PREFIX-NNNNNN-C). It is chosen here once: record
	// numbers already issued keep it, so it is read-only afterwards.
	MRNPrefix string `json:"mrn_prefix,omitempty" doc:"1-10 capital letters; default CHL"`
	// Currency is the ISO 4217 code money is shown in.
	Currency string `json:"currency,omitempty" doc:"ISO 4217 code such as KES; empty: amounts without a currency"`
	// ConsultationFee is the price of the CONSULT service the catalog starts with (automatic
	// consultation billing charges it when an encounter closes).
	ConsultationFee string `json:"consultation_fee,omitempty" doc:"decimal string such as 500.00; default 0.00"`
	Username        string `json:"username"`
	Email           string `json:"email"`
	Password        string `json:"password"`
	FirstName       string `json:"first_name"`
	LastName        string `json:"last_name"`
}

// LimitsFrom says the clinic's name has the limits of the settings' and the administrator's
// fields those of any user's (see validate.Borrower).
func (SetupParams) LimitsFrom() any {
	return struct {
		settings.Change
		CreateUserParams
	}{}
}

// normalize trims p and fills in the defaults.
func (p *SetupParams) normalize() {
	p.ClinicName = strings.TrimSpace(p.ClinicName)
	p.MRNPrefix = strings.ToUpper(strings.TrimSpace(p.MRNPrefix))
	if p.MRNPrefix == "" {
		p.MRNPrefix = settings.DefaultMRNPrefix
	}
	p.Currency, _ = settings.CheckCurrency(p.Currency)
	p.ConsultationFee = strings.TrimSpace(p.ConsultationFee)
	if p.ConsultationFee == "" {
		p.ConsultationFee = "0.00"
	}
	u := p.user()
	p.Username, p.Email, p.FirstName, p.LastName = u.Username, u.Email, u.FirstName, u.LastName
}

// Validate reports every bad field at once (of a normalized setup): the borrowed limits, the
// record-number prefix, the currency, the fee, and the administrator as a new user.
func (p SetupParams) Validate() error {
	f := validate.Struct(p)
	if !mrnPrefix.MatchString(p.MRNPrefix) {
		f.Add("mrn_prefix", apperr.CodeInvalid, "The record-number prefix is 1 to 10 letters (A-Z).")
	}
	if _, ok := settings.CheckCurrency(p.Currency); !ok {
		f.Add("currency", apperr.CodeInvalid, "Give a currency code such as KES, TZS, UGX, EUR or USD.")
	}
	if !fee.MatchString(p.ConsultationFee) {
		f.Add("consultation_fee", apperr.CodeInvalid, "The consultation fee is an amount such as 500 or 500.00.")
	}
	checkUsername(&f, p.Username)
	checkEmail(&f, p.Email)
	if err := ValidatePassword(p.Password, p.Username); err != nil {
		f = append(f, apperr.FieldsOf(err)...)
	}
	return f.Err()
}

// user is the first administrator the setup creates.
func (p SetupParams) user() CreateUserParams {
	cp := CreateUserParams{Username: p.Username, Email: p.Email, Password: p.Password, FirstName: p.FirstName, LastName: p.LastName, RoleID: 1}
	cp.normalize()
	return cp
}

// SetupNeeded says whether Chelal has no user yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM auth_user)`).Scan(&exists); err != nil {
		return false, fmt.Errorf("setup needed: %w", err)
	}
	return !exists, nil
}

// Setup stores the clinic's name and creates the first administrator, once: as soon as any
// user exists it answers apperr.ErrConflict and changes nothing (two simultaneous setups
// cannot both succeed: the user table is locked while checking).
func (s *Service) Setup(ctx context.Context, actor db.Actor, p SetupParams) (User, error) {
	p.normalize()
	if err := p.Validate(); err != nil {
		return User{}, err
	}
	cp := p.user()
	hash, err := s.hasher.Hash(ctx, cp.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE auth_user IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		var exists bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM auth_user)`).Scan(&exists); err != nil {
			return err
		}
		if exists {
			return apperr.New(apperr.ErrConflict, "Chelal is already set up; log in instead.").WithCode("already-set-up")
		}
		if err := tx.QueryRow(ctx, `SELECT id FROM core_role WHERE name = $1`, RoleAdmin).Scan(&cp.RoleID); err != nil {
			return fmt.Errorf("setup: admin role: %w", err)
		}
		for key, v := range map[string]string{settings.ClinicName: p.ClinicName, settings.MRNPrefix: p.MRNPrefix, settings.Currency: p.Currency} {
			raw, _ := json.Marshal(v)
			if _, err := tx.Exec(ctx, `
				INSERT INTO core_setting (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, raw); err != nil {
				return fmt.Errorf("setup: setting %s: %w", key, err)
			}
		}
		// Automatic consultation billing charges the service settings.BillingConsultationCode
		// names: the catalog starts with it, so the first closed encounter is billed.
		if _, err := tx.Exec(ctx, `
			INSERT INTO core_servicecatalog (name, code, category, price, is_active)
			SELECT 'Consultation', $1::text, 'consultation', $2::numeric, true
			WHERE NOT EXISTS (SELECT 1 FROM core_servicecatalog WHERE upper(code) = upper($1::text))`,
			settings.DefaultConsultationCode, p.ConsultationFee); err != nil {
			return fmt.Errorf("setup: consultation service: %w", err)
		}
		u, err = insertUser(ctx, tx, cp, hash)
		return err
	})
	return u, err
}

var (
	mrnPrefix = regexp.MustCompile(`^[A-Z]{1,10}$`)
	fee       = regexp.MustCompile(`^[0-9]{1,10}(\.[0-9]{1,2})?$`)
)

// CreateAdmin creates an administrator from the server's terminal (`chelal admin create`),
// whether or not users exist: physical access to the server is the recovery path.
func (s *Service) CreateAdmin(ctx context.Context, p CreateUserParams) (User, error) {
	id, err := s.RoleID(ctx, RoleAdmin)
	if err != nil {
		return User{}, fmt.Errorf("admin role: %w", err)
	}
	p.RoleID = id
	return s.CreateUser(ctx, db.Actor{}, p)
}
