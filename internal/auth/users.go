package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// User is a person who logs in. The password hash and the 2FA secret never leave this package.
type User struct {
	ID                 int64          `json:"id"`
	Username           string         `json:"username"`
	Email              string         `json:"email"`
	FirstName          string         `json:"first_name"`
	LastName           string         `json:"last_name"`
	IsActive           bool           `json:"is_active"`
	DateJoined         time.Time      `json:"date_joined"`
	RoleID             *int64         `json:"role_id"`
	Role               *string        `json:"role"`
	LanguagePreference string         `json:"language_preference"`
	Preferences        map[string]any `json:"preferences"`
	HasProfileImage    bool           `json:"has_profile_image"`
	TwoFactorEnabled   bool           `json:"two_factor_enabled"`
	Version            int64          `json:"version"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// userColumns selects a User from auth_user u LEFT JOIN core_role r, in scanUser's order.
const userColumns = `u.id, u.username, u.email, coalesce(u.first_name, ''), coalesce(u.last_name, ''),
	       u.is_active, u.date_joined, u.role_id, r.name, u.language_preference, u.preferences,
	       u.profile_image IS NOT NULL, u.two_factor_enabled, u.version, u.updated_at`

const userSelect = `SELECT ` + userColumns + ` FROM auth_user u LEFT JOIN core_role r ON r.id = u.role_id`

// scanUser scans a row whose first columns are extra (scanned into extra's pointers) followed
// by userColumns.
func scanUser(row pgx.Row, extra ...any) (User, error) {
	var u User
	dest := append(extra, &u.ID, &u.Username, &u.Email, &u.FirstName, &u.LastName, &u.IsActive, &u.DateJoined,
		&u.RoleID, &u.Role, &u.LanguagePreference, &u.Preferences, &u.HasProfileImage, &u.TwoFactorEnabled,
		&u.Version, &u.UpdatedAt)
	err := row.Scan(dest...)
	u.DateJoined, u.UpdatedAt = u.DateJoined.UTC(), u.UpdatedAt.UTC()
	if u.Preferences == nil {
		u.Preferences = map[string]any{}
	}
	return u, err
}

func getUser(ctx context.Context, q db.Querier, id int64) (User, error) {
	u, err := scanUser(q.QueryRow(ctx, userSelect+` WHERE u.id = $1`, id))
	if err == pgx.ErrNoRows {
		return User{}, apperr.ErrNotFound
	}
	if err != nil {
		return User{}, fmt.Errorf("get user %d: %w", id, err)
	}
	return u, nil
}

// GetUser returns the user with id, or apperr.ErrNotFound.
func (s *Service) GetUser(ctx context.Context, id int64) (User, error) {
	return getUser(ctx, s.db.Pool, id)
}

// UserPage is one page of users, by id.
type UserPage = db.Page[User]

// ListUsers returns users by id, a page at a time.
func (s *Service) ListUsers(ctx context.Context, limit int, cursor string) (UserPage, error) {
	limit, after, err := db.PageRequest(limit, cursor)
	if err != nil {
		return UserPage{}, err
	}
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (User, error) { return scanUser(r) }, func(u User) string { return db.EncodeCursor(u.ID) },
		userSelect+` WHERE u.id > $1 ORDER BY u.id LIMIT $2`, after, limit+1)
	if err != nil {
		return page, fmt.Errorf("list users: %w", err)
	}
	return page, nil
}

// Role is a role with the permissions it grants.
type Role struct {
	ID          int64        `json:"id"`
	Name        string       `json:"name"`
	Description string       `json:"description"`
	Permissions []Permission `json:"permissions"`
	Version     int64        `json:"version"`
}

// ListRoles returns every role with its permissions, by name.
func (s *Service) ListRoles(ctx context.Context) ([]Role, error) {
	rows, err := s.db.Pool.Query(ctx, `
		SELECT r.id, r.name, coalesce(r.description, ''),
		       coalesce(array_agg(p.permission ORDER BY p.permission) FILTER (WHERE p.permission IS NOT NULL), '{}'),
		       r.version
		  FROM core_role r LEFT JOIN core_rolepermission p ON p.role_id = r.id
		 GROUP BY r.id ORDER BY r.name`)
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Role, error) {
		var role Role
		var perms []string
		err := r.Scan(&role.ID, &role.Name, &role.Description, &perms, &role.Version)
		for _, p := range perms {
			role.Permissions = append(role.Permissions, Permission(p))
		}
		return role, err
	})
}

// RoleID returns the id of the role called name, or apperr.ErrNotFound.
func (s *Service) RoleID(ctx context.Context, name string) (int64, error) {
	var id int64
	err := s.db.Pool.QueryRow(ctx, `SELECT id FROM core_role WHERE name = $1`, name).Scan(&id)
	if err == pgx.ErrNoRows {
		return 0, apperr.ErrNotFound
	}
	return id, err
}

var usernamePattern = regexp.MustCompile(`^[A-Za-z0-9_.@+-]+$`)

// CreateUserParams is a new user, as an administrator (or the first-run setup) enters it.
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type CreateUserParams struct {
	Username           string `json:"username" validate:"required,max=150"`
	Email              string `json:"email" validate:"required,max=254"`
	Password           string `json:"password"`
	FirstName          string `json:"first_name" validate:"max=150,line"`
	LastName           string `json:"last_name" validate:"max=150,line"`
	RoleID             int64  `json:"role_id"`
	LanguagePreference string `json:"language_preference,omitempty" validate:"required,oneof=en fr sw"`
}

func (p *CreateUserParams) normalize() {
	p.Username = strings.TrimSpace(p.Username)
	p.Email = strings.TrimSpace(p.Email)
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	if p.LanguagePreference == "" {
		p.LanguagePreference = "en"
	}
}

// Validate reports every bad field at once: the tags' limits, a username's alphabet, an email
// address, a role, and the password's rules.
func (p CreateUserParams) Validate() error {
	f := validate.Struct(p)
	checkUsername(&f, p.Username)
	checkEmail(&f, p.Email)
	if p.RoleID <= 0 {
		f.Add("role_id", apperr.CodeRequired, "Choose a role.")
	}
	if err := ValidatePassword(p.Password, p.Username); err != nil {
		f = append(f, apperr.FieldsOf(err)...)
	}
	return f.Err()
}

// checkUsername adds a field error for a username that passed its tag but holds characters
// other than letters, digits and . @ + - _.
func checkUsername(f *apperr.Fields, v string) {
	if !f.Has("username") && !usernamePattern.MatchString(v) {
		f.Add("username", apperr.CodeInvalid, "Username may contain letters, digits and . @ + - _ only.")
	}
}

// checkEmail adds a field error for an email that passed its tag but is not an address.
func checkEmail(f *apperr.Fields, v string) {
	if f.Has("email") {
		return
	}
	if a, err := mail.ParseAddress(v); err != nil || a.Address != v {
		f.Add("email", apperr.CodeInvalid, "Enter an email address such as name@clinic.org.")
	}
}

// CreateUser creates a user on behalf of actor (an administrator).
func (s *Service) CreateUser(ctx context.Context, actor db.Actor, p CreateUserParams) (User, error) {
	p.normalize()
	if err := p.Validate(); err != nil {
		return User{}, err
	}
	hash, err := s.hasher.Hash(ctx, p.Password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		u, err = insertUser(ctx, tx, p, hash)
		return err
	})
	return u, err
}

func insertUser(ctx context.Context, tx pgx.Tx, p CreateUserParams, hash string) (User, error) {
	var roleOK bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_role WHERE id = $1)`, p.RoleID).Scan(&roleOK); err != nil {
		return User{}, err
	}
	if !roleOK {
		return User{}, apperr.Invalid(apperr.FieldError{Field: "role_id", Code: apperr.CodeInvalid, Message: "No such role."})
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO auth_user (username, email, password, first_name, last_name, role_id, language_preference)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		p.Username, p.Email, hash, p.FirstName, p.LastName, p.RoleID, p.LanguagePreference).Scan(&id)
	if err != nil {
		return User{}, mapUserWriteError(fmt.Errorf("create user: %w", err))
	}
	return getUser(ctx, tx, id)
}

// UpdateUserParams is an administrator's edit of a user; nil fields are left alone.
type UpdateUserParams struct {
	Version            int64   `json:"version"`
	Email              *string `json:"email,omitempty"`
	FirstName          *string `json:"first_name,omitempty"`
	LastName           *string `json:"last_name,omitempty"`
	RoleID             *int64  `json:"role_id,omitempty"`
	IsActive           *bool   `json:"is_active,omitempty"`
	LanguagePreference *string `json:"language_preference,omitempty"`
}

// LimitsFrom says an edit's fields have the limits of CreateUserParams' (see validate.Borrower).
func (UpdateUserParams) LimitsFrom() any { return CreateUserParams{} }

// Validate reports every bad field at once.
func (p UpdateUserParams) Validate() error {
	f := validate.Struct(p)
	apperr.CheckVersion(&f, p.Version)
	if p.Email != nil {
		checkEmail(&f, *p.Email)
	}
	if p.RoleID != nil && *p.RoleID <= 0 {
		f.Add("role_id", apperr.CodeInvalid, "No such role.")
	}
	return f.Err()
}

func (p *UpdateUserParams) normalize() {
	for _, v := range []*string{p.Email, p.FirstName, p.LastName} {
		if v != nil {
			*v = strings.TrimSpace(*v)
		}
	}
}

// UpdateUser applies an administrator's edit. A stale version is refused (409) and changes
// nothing. Deactivating a user or changing their role ends their sessions at once, and the
// last active administrator can be neither deactivated nor demoted.
func (s *Service) UpdateUser(ctx context.Context, actor db.Actor, id int64, p UpdateUserParams) (User, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	p.normalize()
	if err := p.Validate(); err != nil {
		return User{}, err
	}
	trim := func(v *string) *string {
		if v == nil {
			return nil
		}
		t := strings.TrimSpace(*v)
		return &t
	}
	var u User
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		before, err := getUser(ctx, tx, id)
		if err != nil {
			return err
		}
		if p.RoleID != nil {
			var ok bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_role WHERE id = $1)`, *p.RoleID).Scan(&ok); err != nil {
				return err
			}
			if !ok {
				return apperr.Invalid(apperr.FieldError{Field: "role_id", Code: apperr.CodeInvalid, Message: "No such role."})
			}
		}
		tag, err := tx.Exec(ctx, `
			UPDATE auth_user SET
			       email = coalesce($3, email),
			       first_name = coalesce($4, first_name),
			       last_name = coalesce($5, last_name),
			       role_id = coalesce($6, role_id),
			       is_active = coalesce($7, is_active),
			       language_preference = coalesce($8, language_preference)
			 WHERE id = $1 AND version = $2`,
			id, p.Version, trim(p.Email), trim(p.FirstName), trim(p.LastName), p.RoleID, p.IsActive, p.LanguagePreference)
		if err != nil {
			return mapUserWriteError(fmt.Errorf("update user: %w", err))
		}
		if tag.RowsAffected() == 0 {
			return stale(ctx, tx, "auth_user", id)
		}
		if u, err = getUser(ctx, tx, id); err != nil {
			return err
		}
		roleChanged := !equalPtr(before.RoleID, u.RoleID)
		if roleChanged || (before.IsActive && !u.IsActive) {
			if err := requireAnAdmin(ctx, tx); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM core_session WHERE user_id = $1`, id); err != nil {
				return fmt.Errorf("end sessions: %w", err)
			}
		}
		return nil
	})
	return u, err
}

func requireAnAdmin(ctx context.Context, tx pgx.Tx) error {
	var n int
	err := tx.QueryRow(ctx, `
		SELECT count(*) FROM auth_user u JOIN core_role r ON r.id = u.role_id
		 WHERE r.name = $1 AND u.is_active`, RoleAdmin).Scan(&n)
	if err != nil {
		return err
	}
	if n == 0 {
		return apperr.New(apperr.ErrConflict, "Chelal needs at least one active administrator; make another user an administrator first.").WithCode("last-admin")
	}
	return nil
}

func equalPtr[T comparable](a, b *T) bool {
	return (a == nil && b == nil) || (a != nil && b != nil && *a == *b)
}

// ProfileParams is what users change of their own account.
type ProfileParams struct {
	Version            int64           `json:"version"`
	LanguagePreference *string         `json:"language_preference,omitempty"`
	Preferences        *map[string]any `json:"preferences,omitempty"`
}

// maxPreferencesBytes caps the preferences document: UI settings, not a file store.
const maxPreferencesBytes = 16 << 10

// LimitsFrom says a profile's language has the limits of CreateUserParams' (see validate.Borrower).
func (ProfileParams) LimitsFrom() any { return CreateUserParams{} }

// Validate reports every bad field at once: the version, the language, and preferences that
// are an object of at most 16 KiB.
func (p ProfileParams) Validate() error {
	f := validate.Struct(p)
	apperr.CheckVersion(&f, p.Version)
	if p.Preferences != nil {
		if *p.Preferences == nil {
			f.Add("preferences", apperr.CodeInvalid, "Preferences must be an object.")
		} else if prefs, _ := json.Marshal(*p.Preferences); len(prefs) > maxPreferencesBytes {
			f.Add("preferences", apperr.CodeTooLong, "Preferences are at most 16 KiB.")
		}
	}
	return f.Err()
}

// UpdateProfile changes the caller's own language and preferences.
func (s *Service) UpdateProfile(ctx context.Context, actor db.Actor, userID int64, p ProfileParams) (User, error) {
	defer s.ForgetSessions() // what it changed is looked up again (sessioncache.go)
	if err := p.Validate(); err != nil {
		return User{}, err
	}
	var prefs []byte
	if p.Preferences != nil {
		prefs, _ = json.Marshal(*p.Preferences)
	}
	var u User
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE auth_user SET language_preference = coalesce($3, language_preference),
			                     preferences = coalesce($4::jsonb, preferences)
			 WHERE id = $1 AND version = $2`, userID, p.Version, p.LanguagePreference, prefs)
		if err != nil {
			return fmt.Errorf("update profile: %w", err)
		}
		if tag.RowsAffected() == 0 {
			return stale(ctx, tx, "auth_user", userID)
		}
		u, err = getUser(ctx, tx, userID)
		return err
	})
	return u, err
}
