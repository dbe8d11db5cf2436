// Package pharmacy owns the clinic's medicines and supplies: the catalog (categories,
// medications, inventory items), stock that arrives in batches with their own expiry dates,
// the stock ledger every change of quantity goes through, dispensing prescriptions (first
// expiring first, never an expired batch), and the alerts a pharmacist acts on (low stock,
// batches about to expire, expired stock still on the shelf).
//
// The database keeps the numbers right: a medication's stock_quantity and each batch's
// quantity_left are written by triggers from the append-only ledger (core_stockmovement),
// a CHECK keeps them at zero or more, and every change locks the medication row first, so
// concurrent dispenses of the last units cannot both succeed.
package pharmacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// Dispensed is what the billing domain needs to charge a dispense: handed to
// Service.OnDispense's steps inside the dispense's transaction.
type Dispensed struct {
	DispenseID     int64
	PatientID      int64
	PrescriptionID int64
	MovementIDs    []int64 // the ledger rows, one per batch taken from
	MedicationID   int64
	MedicationName string
	Quantity       int64
	UnitPrice      string // NUMERIC(12,2) as text, e.g. "12.50"
}

// Service is the pharmacy.
type Service struct {
	db  *db.DB
	now func() time.Time
	// OnDispense runs inside every dispense's transaction after the stock and the
	// prescription were updated; an error rolls the whole dispense back. Billing uses it to
	// add the medication to the patient's bill in the same transaction.
	OnDispense db.Hooks[Dispensed]
}

// NewService returns the pharmacy service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// DefaultExpiryWarningDays is the default of settings.ExpiryWarningDays.
const DefaultExpiryWarningDays = settings.DefaultExpiryWarningDays

// Limits of the inputs; the fields' own limits are their validate tags.
const (
	// MaxQuantity is the most units in one movement: the max of the quantity fields' tags,
	// which a test holds equal to it.
	MaxQuantity = 10_000_000
	maxSearch   = 255 // a search text (q)
)

// day is the clinic's calendar: today and the last day of the expiry warning window.
type day struct {
	today, warnUntil time.Time // dates at UTC midnight
	warnDays         int
}

func (d day) todayText() string { return d.today.Format(time.DateOnly) }
func (d day) warnText() string  { return d.warnUntil.Format(time.DateOnly) }

// clinicDay reads the clinic's date and the expiry warning setting.
func (s *Service) clinicDay(ctx context.Context, q db.Querier) (day, error) {
	today, err := settings.Today(ctx, q, s.now())
	if err != nil {
		return day{}, err
	}
	n, err := settings.Get(ctx, q, settings.ExpiryWarningDays, DefaultExpiryWarningDays)
	if err != nil {
		return day{}, err
	}
	if n < 1 || n > 730 {
		n = DefaultExpiryWarningDays
	}
	return day{today: today, warnUntil: today.AddDate(0, 0, n), warnDays: n}, nil
}

// inDay runs fn in one transaction (InTx) with the clinic's day read first: what is expired,
// about to expire or out of stock is counted by the clinic's date, in the change's snapshot.
func (s *Service) inDay(ctx context.Context, actor db.Actor, fn func(ctx context.Context, tx pgx.Tx, d day) error) error {
	return s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		d, err := s.clinicDay(ctx, tx)
		if err != nil {
			return err
		}
		return fn(ctx, tx, d)
	})
}

// mapWriteError turns the constraint violations a catalog write can meet into field errors.
func mapWriteError(err error, what string) error {
	switch {
	case db.IsUnique(err) && strings.HasSuffix(db.Constraint(err), "_name_key"):
		return &apperr.Error{Kind: apperr.ErrConflict, Code: "duplicate-name", Message: "Another " + what + " already has this name.",
			Fields: []apperr.FieldError{{Field: "name", Code: apperr.CodeDuplicate, Message: "This name is taken."}}}
	case db.IsForeignKey(err) && strings.Contains(db.Constraint(err), "category"):
		return apperr.Invalid(apperr.FieldError{Field: "category_id", Code: apperr.CodeInvalid, Message: "There is no such category."})
	case db.IsCheck(err):
		return apperr.Wrap(apperr.ErrInvalid, err, "A value is out of range.")
	}
	return fmt.Errorf("save %s: %w", what, err)
}

// actorID is the acting user for a created_by column: NULL for the system.
func actorID(a db.Actor) *int64 {
	if a.UserID == 0 {
		return nil
	}
	return &a.UserID
}

// Category is a group of medications (antibiotics, analgesics, ...).
type Category struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	IsActive        bool      `json:"is_active"`
	MedicationCount int64     `json:"medication_count"`
	UpdatedAt       time.Time `json:"updated_at"`
	Version         int64     `json:"version"`
}

// CategoryPage is a page of categories, by name.
type CategoryPage = db.Page[Category]

// CategoryParams creates a category.
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type CategoryParams struct {
	Name        string `json:"name" validate:"required,max=100,text"`
	Description string `json:"description,omitempty" validate:"max=2000,text"`
}

// Validate reports every bad field at once.
func (p CategoryParams) Validate() error {
	return validate.Check(p)
}

// CategoryEdit edits a category made on Version; absent fields stay.
type CategoryEdit struct {
	Version     int64   `json:"version,omitempty"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	IsActive    *bool   `json:"is_active,omitempty"`
}

// LimitsFrom says an edit's fields have the limits of CategoryParams' (see validate.Borrower).
func (CategoryEdit) LimitsFrom() any { return CategoryParams{} }

// Validate reports every bad field at once: the version and each field given.
func (e CategoryEdit) Validate() error {
	return validate.CheckEdit(e, e.Version)
}

const selectCategory = `
	SELECT c.id, c.name, coalesce(c.description, ''), c.is_active,
	       (SELECT count(*) FROM core_medicationitem m WHERE m.category_id = c.id), c.updated_at, c.version
	  FROM core_medicationcategory c`

// categories reads, creates and edits categories.
var categories = record[Category]{what: "category", byID: selectCategory + ` WHERE c.id = $1`, lock: ` FOR UPDATE OF c`,
	scan: scanCategory, version: func(c Category) int64 { return c.Version }}

func scanCategory(r pgx.Row) (Category, error) {
	var c Category
	err := r.Scan(&c.ID, &c.Name, &c.Description, &c.IsActive, &c.MedicationCount, &c.UpdatedAt, &c.Version)
	c.UpdatedAt = c.UpdatedAt.UTC()
	return c, err
}

// Categories lists categories by name (inactive ones too when asked).
func (s *Service) Categories(ctx context.Context, includeInactive bool, limit int, cursor string) (CategoryPage, error) {
	var f apperr.Fields
	limit = db.CheckPageLimit(&f, limit)
	after := db.CheckKeyCursor(&f, cursor)
	if err := f.Err(); err != nil {
		return CategoryPage{}, err
	}
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (Category, error) { return scanCategory(r) }, func(x Category) string { return db.EncodeKeyCursor(x.Name) },
		selectCategory+` WHERE ($1 OR c.is_active) AND c.name > $2 ORDER BY c.name LIMIT $3`,
		includeInactive, after, limit+1)
	if err != nil {
		return page, fmt.Errorf("list categories: %w", err)
	}
	return page, nil
}

// CreateCategory adds a category; a taken name is a conflict.
func (s *Service) CreateCategory(ctx context.Context, actor db.Actor, p CategoryParams) (Category, error) {
	p.Name, p.Description = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description)
	if err := p.Validate(); err != nil {
		return Category{}, err
	}
	return categories.create(ctx, s.db, actor, `INSERT INTO core_medicationcategory (name, description) VALUES ($1, nullif($2, '')) RETURNING id`,
		p.Name, p.Description)
}

// UpdateCategory edits a category; a stale version is a conflict.
func (s *Service) UpdateCategory(ctx context.Context, actor db.Actor, id int64, e CategoryEdit) (Category, error) {
	validate.Trim(e.Name, e.Description)
	if err := e.Validate(); err != nil {
		return Category{}, err
	}
	return categories.edit(ctx, s.db, actor, id, e.Version, `UPDATE core_medicationcategory SET name = coalesce($2, name),
		description = CASE WHEN $3::text IS NULL THEN description ELSE nullif($3, '') END,
		is_active = coalesce($4, is_active) WHERE id = $1`, id, e.Name, e.Description, e.IsActive)
}
