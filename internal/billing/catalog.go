package billing

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// Categories of the service catalog: the oneof of ServiceParams.Category.
var Categories = validate.Values(ServiceParams{}, "category")

// CatalogService is one priced service of the clinic's catalog. Changing its price never
// changes a bill: a bill item keeps the unit price it was charged at.
type CatalogService struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Code        string    `json:"code"`
	Category    string    `json:"category" enum:"consultation,procedure,lab,pharmacy,other"`
	Price       Money     `json:"price"`
	IsActive    bool      `json:"is_active"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

const selectService = `
	SELECT id, name, code, category, price::text, is_active, coalesce(description, ''), created_at, updated_at, version
	  FROM core_servicecatalog`

func scanService(r pgx.Row) (CatalogService, error) {
	var c CatalogService
	err := r.Scan(&c.ID, &c.Name, &c.Code, &c.Category, &c.Price, &c.IsActive, &c.Description, &c.CreatedAt, &c.UpdatedAt, &c.Version)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// ServiceParams adds a service to the catalog. Price is a string with at most two decimals.
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type ServiceParams struct {
	Name        string `json:"name" validate:"required,max=255"`
	Code        string `json:"code" validate:"required,max=50"`
	Category    string `json:"category" validate:"required,oneof=consultation procedure lab pharmacy other"`
	Price       string `json:"price" validate:"money" doc:"an amount with at most two decimals, as a string: \"1500.00\""`
	IsActive    *bool  `json:"is_active,omitempty" doc:"default true"`
	Description string `json:"description,omitempty" validate:"max=2000"`
}

// Validate reports every bad field at once: the tags' limits and a code's alphabet.
func (p ServiceParams) Validate() error {
	f := validate.Struct(p)
	if !f.Has("code") && strings.ContainsFunc(p.Code, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	}) {
		f.Add("code", apperr.CodeInvalid, "A code is 1-50 letters, digits, '-', '_' or '.'.")
	}
	return f.Err()
}

// ServiceEdit changes a catalog service made on Version; absent fields stay.
type ServiceEdit struct {
	Version     int64   `json:"version,omitempty" doc:"or If-Match"`
	Name        *string `json:"name,omitempty"`
	Code        *string `json:"code,omitempty"`
	Category    *string `json:"category,omitempty"`
	Price       *string `json:"price,omitempty"`
	IsActive    *bool   `json:"is_active,omitempty"`
	Description *string `json:"description,omitempty"`
}

// LimitsFrom says an edit's fields have the limits of ServiceParams' (see validate.Borrower).
func (ServiceEdit) LimitsFrom() any { return ServiceParams{} }

// Validate reports every bad field given at once: the version and the limits. The service
// is checked again once merged with the record (UpdateService), as a whole ServiceParams.
func (e ServiceEdit) Validate() error {
	return validate.CheckEdit(e, e.Version)
}

// serviceFields is a service's values once checked.
type serviceFields struct {
	name, code, category, description string
	price                             Money
	active                            bool
}

// check normalizes v and checks it, with its price, as a ServiceParams.
func (v *serviceFields) check(price string) error {
	v.name, v.code, v.description = strings.TrimSpace(v.name), strings.ToUpper(strings.TrimSpace(v.code)), strings.TrimSpace(v.description)
	price = strings.TrimSpace(price)
	p := ServiceParams{Name: v.name, Code: v.code, Category: v.category, Price: price, Description: v.description}
	if err := p.Validate(); err != nil {
		return err
	}
	var f apperr.Fields
	v.price, _ = parseAmount(&f, "price", price, false)
	return f.Err()
}

func mapServiceError(err error) error {
	if db.IsUnique(err) {
		return apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeDuplicate, Message: "Another service already has this code."})
	}
	return fmt.Errorf("save service: %w", err)
}

// CreateService adds a service to the catalog. A code already used is a field error.
func (s *Service) CreateService(ctx context.Context, actor db.Actor, p ServiceParams) (CatalogService, error) {
	v := serviceFields{name: p.Name, code: p.Code, category: p.Category, description: p.Description, active: p.IsActive == nil || *p.IsActive}
	if err := v.check(p.Price); err != nil {
		return CatalogService{}, err
	}
	var out CatalogService
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO core_servicecatalog (name, code, category, price, is_active, description)
			VALUES ($1, $2, $3, $4::numeric, $5, nullif($6, '')) RETURNING id`,
			v.name, v.code, v.category, v.price.String(), v.active, v.description).Scan(&id)
		if err != nil {
			return mapServiceError(err)
		}
		out, err = scanService(tx.QueryRow(ctx, selectService+` WHERE id = $1`, id))
		return err
	})
	return out, err
}

// UpdateService edits a catalog service. A stale version is a conflict (409). Bills already
// made keep their prices.
func (s *Service) UpdateService(ctx context.Context, actor db.Actor, id int64, e ServiceEdit) (CatalogService, error) {
	validate.Trim(e.Name, e.Code, e.Price, e.Description)
	if err := e.Validate(); err != nil {
		return CatalogService{}, err
	}
	var out CatalogService
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := scanService(tx.QueryRow(ctx, selectService+` WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return db.OrNotFound(err)
		}
		v := serviceFields{name: cur.Name, code: cur.Code, category: cur.Category, description: cur.Description, active: cur.IsActive}
		price := cur.Price.String()
		set := func(dst *string, src *string) {
			if src != nil {
				*dst = *src
			}
		}
		set(&v.name, e.Name)
		set(&v.code, e.Code)
		set(&v.category, e.Category)
		set(&v.description, e.Description)
		set(&price, e.Price)
		if e.IsActive != nil {
			v.active = *e.IsActive
		}
		if err := v.check(price); err != nil {
			return err
		}
		if cur.Version != e.Version {
			return apperr.Stale("service")
		}
		_, err = tx.Exec(ctx, `
			UPDATE core_servicecatalog SET name = $2, code = $3, category = $4, price = $5::numeric, is_active = $6,
			       description = nullif($7, '')
			 WHERE id = $1`, id, v.name, v.code, v.category, v.price.String(), v.active, v.description)
		if err != nil {
			return mapServiceError(err)
		}
		out, err = scanService(tx.QueryRow(ctx, selectService+` WHERE id = $1`, id))
		return err
	})
	return out, err
}

// GetService returns one catalog service, or apperr.ErrNotFound.
func (s *Service) GetService(ctx context.Context, id int64) (CatalogService, error) {
	c, err := scanService(s.db.Pool.QueryRow(ctx, selectService+` WHERE id = $1`, id))
	return c, db.OrNotFound(err)
}

// ServiceFilter selects catalog services: by name or code (Q), category, active only.
type ServiceFilter struct {
	Q          string
	Category   string
	ActiveOnly bool
	Limit      int
	Cursor     string
}

// ServicePage is one page of the catalog, by id.
type ServicePage = db.Page[CatalogService]

// ListServices returns the catalog, a page at a time, by id.
func (s *Service) ListServices(ctx context.Context, sf ServiceFilter) (ServicePage, error) {
	var fe apperr.Fields
	if sf.Category != "" && !slices.Contains(Categories, sf.Category) {
		fe.Add("category", apperr.CodeInvalid, "Unknown category.")
	}
	limit, after, err := listRequest(&fe, sf.Q, sf.Limit, sf.Cursor)
	if err != nil {
		return ServicePage{}, err
	}
	q := strings.TrimSpace(sf.Q)
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (CatalogService, error) { return scanService(r) }, func(c CatalogService) string { return db.EncodeCursor(c.ID) },
		selectService+`
		 WHERE id > $1
		   AND ($2 = '' OR name ILIKE '%' || $2 || '%' OR code ILIKE $2 || '%')
		   AND ($3 = '' OR category = $3)
		   AND (NOT $4 OR is_active)
		 ORDER BY id LIMIT $5`, after, db.EscapeLike(q), sf.Category, sf.ActiveOnly, limit+1)
	if err != nil {
		return page, fmt.Errorf("list services: %w", err)
	}
	return page, nil
}
