package pharmacy

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// InventoryItem is a non-drug supply (gloves, syringes, gauze).
type InventoryItem struct {
	ID          int64     `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Quantity    int64     `json:"quantity"`
	Unit        string    `json:"unit"`
	IsActive    bool      `json:"is_active"`
	UpdatedAt   time.Time `json:"updated_at"`
	Version     int64     `json:"version"`
}

// InventoryPage is a page of inventory items, by name.
type InventoryPage = db.Page[InventoryItem]

const selectInventory = `SELECT id, name, coalesce(description, ''), quantity, unit, is_active, updated_at, version FROM core_inventoryitem`

// supplies reads, creates and edits supplies.
var supplies = record[InventoryItem]{what: "inventory item", byID: selectInventory + ` WHERE id = $1`, lock: ` FOR UPDATE`,
	scan: scanInventory, version: func(i InventoryItem) int64 { return i.Version }}

func scanInventory(r pgx.Row) (InventoryItem, error) {
	var i InventoryItem
	err := r.Scan(&i.ID, &i.Name, &i.Description, &i.Quantity, &i.Unit, &i.IsActive, &i.UpdatedAt, &i.Version)
	i.UpdatedAt = i.UpdatedAt.UTC()
	return i, err
}

// InventoryItems lists supplies by name.
func (s *Service) InventoryItems(ctx context.Context, q string, includeInactive bool, limit int, cursor string) (InventoryPage, error) {
	var f apperr.Fields
	q = strings.TrimSpace(q)
	validate.Text(&f, "q", q, false, maxSearch)
	limit = db.CheckPageLimit(&f, limit)
	after := db.CheckKeyCursor(&f, cursor)
	if err := f.Err(); err != nil {
		return InventoryPage{}, err
	}
	like := "%" + db.EscapeLike(q) + "%"
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (InventoryItem, error) { return scanInventory(r) }, func(x InventoryItem) string { return db.EncodeKeyCursor(x.Name) },
		selectInventory+` WHERE name > $1 AND ($2 OR is_active) AND name ILIKE $3 ORDER BY name LIMIT $4`,
		after, includeInactive, like, limit+1)
	if err != nil {
		return page, fmt.Errorf("list inventory: %w", err)
	}
	return page, nil
}

// InventoryItem returns one supply, or apperr.ErrNotFound.
func (s *Service) InventoryItem(ctx context.Context, id int64) (InventoryItem, error) {
	return supplies.get(ctx, s.db.Pool, id)
}

// InventoryParams creates a supply, with no stock (stock comes through adjustments).
// The validate tags are the fields' limits, for Validate, the OpenAPI document and the forms.
type InventoryParams struct {
	Name        string `json:"name" validate:"required,max=255,text"`
	Description string `json:"description,omitempty" validate:"max=2000,text"`
	Unit        string `json:"unit,omitempty" validate:"required,max=50,text" doc:"Defaults to \"piece\"."`
}

// Validate reports every bad field at once (the service gives Unit its default first).
func (p InventoryParams) Validate() error {
	return validate.Check(p)
}

// InventoryEdit edits a supply made on Version; absent fields stay.
type InventoryEdit struct {
	Version     int64   `json:"version,omitempty"`
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Unit        *string `json:"unit,omitempty"`
	IsActive    *bool   `json:"is_active,omitempty"`
}

// LimitsFrom says an edit's fields have the limits of InventoryParams' (see validate.Borrower).
func (InventoryEdit) LimitsFrom() any { return InventoryParams{} }

// Validate reports every bad field at once: the version and each field given.
func (e InventoryEdit) Validate() error {
	return validate.CheckEdit(e, e.Version)
}

// CreateInventoryItem adds a supply.
func (s *Service) CreateInventoryItem(ctx context.Context, actor db.Actor, p InventoryParams) (InventoryItem, error) {
	p.Name, p.Description, p.Unit = strings.TrimSpace(p.Name), strings.TrimSpace(p.Description), strings.TrimSpace(p.Unit)
	if p.Unit == "" {
		p.Unit = "piece"
	}
	if err := p.Validate(); err != nil {
		return InventoryItem{}, err
	}
	return supplies.create(ctx, s.db, actor, `INSERT INTO core_inventoryitem (name, description, unit) VALUES ($1, nullif($2, ''), $3) RETURNING id`,
		p.Name, p.Description, p.Unit)
}

// UpdateInventoryItem edits a supply; a stale version is a conflict.
func (s *Service) UpdateInventoryItem(ctx context.Context, actor db.Actor, id int64, e InventoryEdit) (InventoryItem, error) {
	validate.Trim(e.Name, e.Description, e.Unit)
	if err := e.Validate(); err != nil {
		return InventoryItem{}, err
	}
	return supplies.edit(ctx, s.db, actor, id, e.Version, `UPDATE core_inventoryitem SET name = coalesce($2, name),
		description = CASE WHEN $3::text IS NULL THEN description ELSE nullif($3, '') END,
		unit = coalesce($4, unit), is_active = coalesce($5, is_active) WHERE id = $1`,
		id, e.Name, e.Description, e.Unit, e.IsActive)
}

// InventoryMovement is one row of a supply's ledger.
type InventoryMovement struct {
	ID             int64     `json:"id"`
	ItemID         int64     `json:"item_id"`
	QuantityChange int64     `json:"quantity_change"`
	BalanceAfter   int64     `json:"balance_after"`
	Reason         string    `json:"reason"`
	CreatedBy      *int64    `json:"created_by"`
	CreatedByName  string    `json:"created_by_name"`
	CreatedAt      time.Time `json:"created_at"`
}

// InventoryMovementPage is a page of a supply's ledger, newest first.
type InventoryMovementPage = db.Page[InventoryMovement]

const selectInventoryMovement = `
	SELECT v.id, v.item_id, v.quantity_change, v.balance_after, v.reason, v.created_by,
	       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), v.created_at
	  FROM core_inventorymovement v LEFT JOIN auth_user u ON u.id = v.created_by`

func scanInventoryMovement(r pgx.Row) (InventoryMovement, error) {
	var m InventoryMovement
	err := r.Scan(&m.ID, &m.ItemID, &m.QuantityChange, &m.BalanceAfter, &m.Reason, &m.CreatedBy, &m.CreatedByName, &m.CreatedAt)
	m.CreatedAt = m.CreatedAt.UTC()
	return m, err
}

// InventoryAdjustParams changes a supply's quantity: received (+), used or lost (-), always
// with a reason.
type InventoryAdjustParams struct {
	QuantityChange int64  `json:"quantity_change" validate:"required,min=-10000000,max=10000000"`
	Reason         string `json:"reason" validate:"required,max=500,text"`
}

// Validate reports every bad field at once.
func (p InventoryAdjustParams) Validate() error {
	return validate.Check(p)
}

// InventoryChange is an adjusted supply and its ledger row.
type InventoryChange struct {
	Item     InventoryItem     `json:"item"`
	Movement InventoryMovement `json:"movement"`
}

// AdjustInventory writes a movement of a supply; it never goes below zero.
func (s *Service) AdjustInventory(ctx context.Context, actor db.Actor, id int64, p InventoryAdjustParams) (InventoryChange, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return InventoryChange{}, err
	}
	var out InventoryChange
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var qty int64
		err := tx.QueryRow(ctx, `SELECT quantity FROM core_inventoryitem WHERE id = $1 FOR UPDATE`, id).Scan(&qty)
		if err != nil {
			return db.OrNotFound(err)
		}
		if qty+p.QuantityChange < 0 {
			return insufficient(qty, -p.QuantityChange, whatStock)
		}
		var mid int64
		if err := tx.QueryRow(ctx, `INSERT INTO core_inventorymovement (item_id, quantity_change, reason, created_by)
			VALUES ($1, $2, $3, $4) RETURNING id`, id, p.QuantityChange, p.Reason, actorID(actor)).Scan(&mid); err != nil {
			if db.IsCheck(err) {
				return apperr.Wrap(apperr.ErrConflict, err, "Not enough stock.").WithCode("insufficient-stock").WithKey("err.stock.not_enough")
			}
			return fmt.Errorf("write inventory movement: %w", err)
		}
		if out.Item, err = supplies.get(ctx, tx, id); err != nil {
			return err
		}
		out.Movement, err = scanInventoryMovement(tx.QueryRow(ctx, selectInventoryMovement+` WHERE v.id = $1`, mid))
		return err
	})
	return out, err
}

// InventoryMovements is a supply's ledger, newest first.
func (s *Service) InventoryMovements(ctx context.Context, id int64, limit int, cursor string) (InventoryMovementPage, error) {
	var f apperr.Fields
	limit = db.CheckPageLimit(&f, limit)
	before := db.CheckCursor(&f, cursor)
	if err := f.Err(); err != nil {
		return InventoryMovementPage{}, err
	}
	if _, err := s.InventoryItem(ctx, id); err != nil {
		return InventoryMovementPage{}, err
	}
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (InventoryMovement, error) { return scanInventoryMovement(r) }, func(x InventoryMovement) string { return db.EncodeCursor(x.ID) },
		selectInventoryMovement+` WHERE v.item_id = $1 AND ($2 = 0 OR v.id < $2) ORDER BY v.id DESC LIMIT $3`,
		id, before, limit+1)
	if err != nil {
		return page, fmt.Errorf("inventory movements: %w", err)
	}
	return page, nil
}
