package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// Medication is a catalog medication with its stock as of today: stock_quantity is what the
// ledger holds (expired batches still on the shelf included), available_quantity what can be
// dispensed (batches in date), expired_quantity what must be written off.
type Medication struct {
	ID                   int64     `json:"id"`
	Name                 string    `json:"name"`
	GenericName          string    `json:"generic_name" doc:"The generic name (INN) of a brand, e.g. amoxicillin/clavulanate; empty when not given. The allergy check matches it too."`
	Description          string    `json:"description"`
	CategoryID           int64     `json:"category_id"`
	CategoryName         string    `json:"category_name"`
	Strength             string    `json:"strength"`
	Form                 string    `json:"form"`
	RequiresPrescription bool      `json:"requires_prescription"`
	StockQuantity        int64     `json:"stock_quantity"`
	AvailableQuantity    int64     `json:"available_quantity"`
	ExpiredQuantity      int64     `json:"expired_quantity"`
	ReorderLevel         int64     `json:"reorder_level"`
	UnitPrice            string    `json:"unit_price" doc:"Money: a decimal string with two decimals, e.g. \"12.50\"."`
	ExpiryDate           *string   `json:"expiry_date" doc:"The earliest expiry of a batch in date with stock left (YYYY-MM-DD)."`
	IsActive             bool      `json:"is_active"`
	LowStock             bool      `json:"low_stock" doc:"available_quantity is at or under reorder_level."`
	ExpiringSoon         bool      `json:"expiring_soon" doc:"A batch with stock expires within the warning window."`
	UpdatedAt            time.Time `json:"updated_at"`
	Version              int64     `json:"version"`
}

// MedicationDetail is a medication with its batches, first expiring first.
type MedicationDetail struct {
	Medication
	Batches []Batch `json:"batches"`
}

// MedicationPage is a page of medications, by name.
type MedicationPage = db.Page[Medication]

// selectMedication reads medications with their stock as of $1 (today) and $2 (the end of
// the expiry warning window).
const selectMedication = `
	SELECT m.id, m.name, coalesce(m.description, ''), m.category_id, c.name, m.strength, m.form,
	       m.requires_prescription, m.stock_quantity, coalesce(b.available, 0), coalesce(b.expired, 0),
	       m.reorder_level, m.unit_price::text, m.expiry_date::text, m.is_active,
	       coalesce(b.expiring, false), m.updated_at, m.version, coalesce(m.generic_name, '')
	  FROM core_medicationitem m
	  JOIN core_medicationcategory c ON c.id = m.category_id
	  LEFT JOIN LATERAL (
	       SELECT sum(x.quantity_left) FILTER (WHERE x.expiry_date >= $1::date) AS available,
	              sum(x.quantity_left) FILTER (WHERE x.expiry_date < $1::date) AS expired,
	              bool_or(x.expiry_date >= $1::date AND x.expiry_date <= $2::date) AS expiring
	         FROM core_stockbatch x WHERE x.medication_id = m.id AND x.quantity_left > 0) b ON true`

func scanMedication(r pgx.Row) (Medication, error) {
	var m Medication
	err := r.Scan(&m.ID, &m.Name, &m.Description, &m.CategoryID, &m.CategoryName, &m.Strength, &m.Form,
		&m.RequiresPrescription, &m.StockQuantity, &m.AvailableQuantity, &m.ExpiredQuantity, &m.ReorderLevel,
		&m.UnitPrice, &m.ExpiryDate, &m.IsActive, &m.ExpiringSoon, &m.UpdatedAt, &m.Version, &m.GenericName)
	m.UpdatedAt = m.UpdatedAt.UTC()
	m.LowStock = m.IsActive && m.AvailableQuantity <= m.ReorderLevel
	return m, err
}

// detail is medication id with its batches (see Medication), read in tx.
func (s *Service) detail(ctx context.Context, tx pgx.Tx, id int64) (MedicationDetail, error) {
	var out MedicationDetail
	d, err := s.clinicDay(ctx, tx)
	if err != nil {
		return out, err
	}
	if out.Medication, err = s.medication(ctx, tx, d, id); err != nil {
		return out, err
	}
	out.Batches, err = batchesOf(ctx, tx, d, id)
	return out, err
}

func (s *Service) medication(ctx context.Context, q pgx.Tx, d day, id int64) (Medication, error) {
	m, err := scanMedication(q.QueryRow(ctx, selectMedication+` WHERE m.id = $3`, d.todayText(), d.warnText(), id))
	return m, db.OrNotFound(err)
}

// Stock filters of a medication list.
const (
	StockLow      = "low"      // available at or under the reorder level
	StockExpiring = "expiring" // a batch expires within the warning window
	StockExpired  = "expired"  // expired stock still on the shelf
)

// MedicationFilter selects medications.
type MedicationFilter struct {
	Q               string // part of the name or of the generic name
	CategoryID      int64
	Stock           string // "", StockLow, StockExpiring, StockExpired
	IncludeInactive bool
	Limit           int
	Cursor          string
}

// Medications lists medications by name.
func (s *Service) Medications(ctx context.Context, mf MedicationFilter) (MedicationPage, error) {
	var f apperr.Fields
	mf.Q = strings.TrimSpace(mf.Q)
	validate.Text(&f, "q", mf.Q, false, maxSearch)
	limit := db.CheckPageLimit(&f, mf.Limit)
	after := db.CheckKeyCursor(&f, mf.Cursor)
	if mf.Stock != "" && !slices.Contains([]string{StockLow, StockExpiring, StockExpired}, mf.Stock) {
		f.Add("stock", apperr.CodeInvalid, "stock is low, expiring or expired.")
	}
	if err := f.Err(); err != nil {
		return MedicationPage{}, err
	}
	d, err := s.clinicDay(ctx, s.db.Pool)
	if err != nil {
		return MedicationPage{}, err
	}
	where := []string{"m.name > $3", "($4 OR m.is_active)"}
	args := []any{d.todayText(), d.warnText(), after, mf.IncludeInactive}
	if mf.Q != "" {
		args = append(args, "%"+db.EscapeLike(mf.Q)+"%")
		where = append(where, fmt.Sprintf("(m.name ILIKE $%[1]d OR m.generic_name ILIKE $%[1]d)", len(args)))
	}
	if mf.CategoryID != 0 {
		args = append(args, mf.CategoryID)
		where = append(where, fmt.Sprintf("m.category_id = $%d", len(args)))
	}
	switch mf.Stock {
	case StockLow:
		where = append(where, "coalesce(b.available, 0) <= m.reorder_level")
	case StockExpiring:
		where = append(where, "coalesce(b.expiring, false)")
	case StockExpired:
		where = append(where, "coalesce(b.expired, 0) > 0")
	}
	args = append(args, limit+1)
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (Medication, error) { return scanMedication(r) }, func(x Medication) string { return db.EncodeKeyCursor(x.Name) },
		selectMedication+" WHERE "+strings.Join(where, " AND ")+
			fmt.Sprintf(" ORDER BY m.name LIMIT $%d", len(args)), args...)
	if err != nil {
		return page, fmt.Errorf("list medications: %w", err)
	}
	return page, nil
}

// Medication returns one medication with its batches that still hold stock (and the
// emptied ones of the last year), or apperr.ErrNotFound.
func (s *Service) Medication(ctx context.Context, id int64) (MedicationDetail, error) {
	var out MedicationDetail
	err := s.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		out, err = s.detail(ctx, tx, id)
		return err
	})
	return out, err
}

// MedicationParams creates a medication. RequiresPrescription defaults to true and
// ReorderLevel to 10. Stock arrives through received batches, never here.
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type MedicationParams struct {
	Name                 string `json:"name" validate:"required,max=255,text"`
	GenericName          string `json:"generic_name,omitempty" validate:"max=255,text" doc:"The generic name (INN), e.g. amoxicillin/clavulanate for a brand; the allergy check matches it."`
	Description          string `json:"description,omitempty" validate:"max=2000,text"`
	CategoryID           int64  `json:"category_id"`
	Strength             string `json:"strength" validate:"required,max=100,text"`
	Form                 string `json:"form" validate:"required,max=100,text"`
	RequiresPrescription *bool  `json:"requires_prescription,omitempty"`
	ReorderLevel         *int64 `json:"reorder_level,omitempty" validate:"min=0,max=10000000"`
	UnitPrice            string `json:"unit_price" validate:"money" doc:"Money: a decimal string, e.g. \"12.50\"."`
}

// Validate reports every bad field at once.
func (p MedicationParams) Validate() error {
	f := validate.Struct(p)
	if p.CategoryID <= 0 {
		f.Add("category_id", apperr.CodeRequired, "Choose a category.")
	}
	return f.Err()
}

// MedicationEdit edits a medication made on Version; absent fields stay. IsActive false
// takes it out of the catalog (its history stays).
type MedicationEdit struct {
	Version              int64   `json:"version,omitempty"`
	Name                 *string `json:"name,omitempty"`
	GenericName          *string `json:"generic_name,omitempty" doc:"Empty removes it."`
	Description          *string `json:"description,omitempty"`
	CategoryID           *int64  `json:"category_id,omitempty"`
	Strength             *string `json:"strength,omitempty"`
	Form                 *string `json:"form,omitempty"`
	RequiresPrescription *bool   `json:"requires_prescription,omitempty"`
	ReorderLevel         *int64  `json:"reorder_level,omitempty"`
	UnitPrice            *string `json:"unit_price,omitempty" doc:"Money: a decimal string, e.g. \"12.50\"."`
	IsActive             *bool   `json:"is_active,omitempty"`
}

// LimitsFrom says an edit's fields have the limits of MedicationParams' (see validate.Borrower).
func (MedicationEdit) LimitsFrom() any { return MedicationParams{} }

// Validate reports every bad field at once: the version and each field given.
func (e MedicationEdit) Validate() error {
	f := validate.Struct(e)
	apperr.CheckVersion(&f, e.Version)
	if e.CategoryID != nil && *e.CategoryID <= 0 {
		f.Add("category_id", apperr.CodeInvalid, "Choose a category.")
	}
	return f.Err()
}

// CreateMedication adds a medication to the catalog, with no stock.
func (s *Service) CreateMedication(ctx context.Context, actor db.Actor, p MedicationParams) (MedicationDetail, error) {
	p.Name, p.Description, p.GenericName = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description), strings.TrimSpace(p.GenericName)
	p.Strength, p.Form, p.UnitPrice = strings.TrimSpace(p.Strength), strings.TrimSpace(p.Form), strings.TrimSpace(p.UnitPrice)
	if err := p.Validate(); err != nil {
		return MedicationDetail{}, err
	}
	rx, reorder := true, int64(10)
	if p.RequiresPrescription != nil {
		rx = *p.RequiresPrescription
	}
	if p.ReorderLevel != nil {
		reorder = *p.ReorderLevel
	}
	var out MedicationDetail
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if err := activeCategory(ctx, tx, p.CategoryID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO core_medicationitem (name, description, category_id, strength, form, requires_prescription, reorder_level, unit_price, generic_name)
			VALUES ($1, nullif($2, ''), $3, $4, $5, $6, $7, $8::numeric, nullif($9, '')) RETURNING id`,
			p.Name, p.Description, p.CategoryID, p.Strength, p.Form, rx, reorder, p.UnitPrice, p.GenericName).Scan(&id)
		if err != nil {
			return mapWriteError(err, "medication")
		}
		d, err := s.clinicDay(ctx, tx)
		if err != nil {
			return err
		}
		out.Medication, err = s.medication(ctx, tx, d, id)
		out.Batches = []Batch{}
		return err
	})
	return out, err
}

// activeCategory refuses a category that does not exist or was deactivated.
func activeCategory(ctx context.Context, tx pgx.Tx, id int64) error {
	var active bool
	err := tx.QueryRow(ctx, `SELECT is_active FROM core_medicationcategory WHERE id = $1`, id).Scan(&active)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return apperr.Invalid(apperr.FieldError{Field: "category_id", Code: apperr.CodeInvalid, Message: "There is no such category."})
	case err != nil:
		return err
	case !active:
		return apperr.Invalid(apperr.FieldError{Field: "category_id", Code: apperr.CodeInvalid, Message: "This category was deactivated."})
	}
	return nil
}

// UpdateMedication edits a medication; a stale version is a conflict.
func (s *Service) UpdateMedication(ctx context.Context, actor db.Actor, id int64, e MedicationEdit) (MedicationDetail, error) {
	validate.Trim(e.Name, e.Description, e.Strength, e.Form, e.UnitPrice, e.GenericName)
	if err := e.Validate(); err != nil {
		return MedicationDetail{}, err
	}
	var out MedicationDetail
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var version, category int64
		err := tx.QueryRow(ctx, `SELECT version, category_id FROM core_medicationitem WHERE id = $1 FOR UPDATE`, id).Scan(&version, &category)
		if err = db.AtVersion(err, version, e.Version, "medication"); err != nil {
			return err
		}
		if e.CategoryID != nil && *e.CategoryID != category {
			if err := activeCategory(ctx, tx, *e.CategoryID); err != nil {
				return err
			}
		}
		_, err = tx.Exec(ctx, `
			UPDATE core_medicationitem SET name = coalesce($2, name),
			       description = CASE WHEN $3::text IS NULL THEN description ELSE nullif($3, '') END,
			       category_id = coalesce($4, category_id), strength = coalesce($5, strength), form = coalesce($6, form),
			       requires_prescription = coalesce($7, requires_prescription), reorder_level = coalesce($8, reorder_level),
			       unit_price = coalesce($9::numeric, unit_price), is_active = coalesce($10, is_active),
			       generic_name = CASE WHEN $11::text IS NULL THEN generic_name ELSE nullif($11, '') END
			 WHERE id = $1`, id, e.Name, e.Description, e.CategoryID, e.Strength, e.Form, e.RequiresPrescription,
			e.ReorderLevel, e.UnitPrice, e.IsActive, e.GenericName)
		if err != nil {
			return mapWriteError(err, "medication")
		}
		out, err = s.detail(ctx, tx, id)
		return err
	})
	return out, err
}
