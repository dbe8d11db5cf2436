package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// SetupParams is the first run: the clinic's name and its first administrator.
type SetupParams struct {
	ClinicName string `json:"clinic_name"`
	Username   string `json:"username"`
	Email      string `json:"email"`
	Password   string `json:"password"`
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
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
	p.ClinicName = strings.TrimSpace(p.ClinicName)
	var f apperr.Fields
	switch {
	case p.ClinicName == "":
		f.Add("clinic_name", apperr.CodeRequired, "Enter the clinic's name.")
	case utf8.RuneCountInString(p.ClinicName) > 200:
		f.Add("clinic_name", apperr.CodeTooLong, "The clinic's name is at most 200 characters.")
	}
	cp := CreateUserParams{Username: p.Username, Email: p.Email, Password: p.Password, FirstName: p.FirstName, LastName: p.LastName, RoleID: 1}
	cp.normalize()
	if err := cp.Validate(); err != nil {
		f = append(f, apperr.FieldsOf(err)...)
	}
	if err := f.Err(); err != nil {
		return User{}, err
	}
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
		name, _ := json.Marshal(p.ClinicName)
		if _, err := tx.Exec(ctx, `
			INSERT INTO core_setting (key, value) VALUES ('clinic_name', $1)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, name); err != nil {
			return fmt.Errorf("setup: clinic name: %w", err)
		}
		u, err = insertUser(ctx, tx, cp, hash)
		return err
	})
	return u, err
}

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
