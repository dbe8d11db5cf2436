package db_test

import (
	"context"
	"testing"

	"chelal/internal/db/dbtest"
)

// The stock of a medication, of each batch and of an inventory item is its ledger's sum: no
// direct write can make them disagree, none can go negative, and the ledger is append-only.
func TestStockLedgerCannotBeBroken(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	f := insertFixtures(t, d)
	q := func(sql string, args ...any) int64 { t.Helper(); return dbtest.ID(t, d, sql, args...) }
	batch := q(`INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost)
		VALUES ($1, 'B1', current_date + 365, 10, '1.00') RETURNING id`, f.medication)
	early := q(`INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost)
		VALUES ($1, 'B0', current_date + 30, 5, '1.00') RETURNING id`, f.medication)
	mustExec(t, d, `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change) VALUES ($1, $2, 'receive', 10)`, f.medication, batch)
	mustExec(t, d, `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change) VALUES ($1, $2, 'receive', 5)`, f.medication, early)
	mustExec(t, d, `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, reason) VALUES ($1, $2, 'adjust', -3, 'broken')`, f.medication, batch)
	if got := q(`SELECT stock_quantity FROM core_medicationitem WHERE id = $1`, f.medication); got != 12 {
		t.Fatalf("stock after +10 +5 -3: %d, want 12", got)
	}
	if got := q(`SELECT quantity_left FROM core_stockbatch WHERE id = $1`, batch); got != 7 {
		t.Fatalf("batch after +10 -3: %d, want 7", got)
	}
	if got := q(`SELECT (expiry_date = current_date + 30)::int FROM core_medicationitem WHERE id = $1`, f.medication); got != 1 {
		t.Fatal("the item's expiry_date is not its earliest live batch")
	}
	item := q(`INSERT INTO core_inventoryitem (name) VALUES ('Gloves') RETURNING id`)
	mustExec(t, d, `INSERT INTO core_inventorymovement (item_id, quantity_change, reason) VALUES ($1, 4, 'delivery')`, item)

	const checkViolation = "23514"
	for _, tc := range []struct {
		name, sql string
		args      []any
		code      string
	}{
		{"direct stock update", `UPDATE core_medicationitem SET stock_quantity = 100 WHERE id = $1`, []any{f.medication}, checkViolation},
		{"direct stock to zero", `UPDATE core_medicationitem SET stock_quantity = 0 WHERE id = $1`, []any{f.medication}, checkViolation},
		{"negative stock", `UPDATE core_medicationitem SET stock_quantity = -1 WHERE id = $1`, []any{f.medication}, checkViolation},
		{"direct batch update", `UPDATE core_stockbatch SET quantity_left = 50 WHERE id = $1`, []any{batch}, checkViolation},
		{"new item with stock", `INSERT INTO core_medicationitem (name, category_id, strength, form, unit_price, stock_quantity) VALUES ('X', $1, '1', 'tab', 1, 5)`, []any{f.category}, checkViolation},
		{"new batch already full", `INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, quantity_left, unit_cost) VALUES ($1, 'B2', current_date + 9, 5, 5, 1)`, []any{f.medication}, checkViolation},
		{"take more than the batch holds", `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, reason) VALUES ($1, $2, 'adjust', -8, 'count')`, []any{f.medication, batch}, checkViolation},
		{"adjust without reason", `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change) VALUES ($1, $2, 'adjust', -1)`, []any{f.medication, batch}, checkViolation},
		{"receive a negative quantity", `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change) VALUES ($1, $2, 'receive', -1)`, []any{f.medication, batch}, checkViolation},
		{"rewrite the ledger", `UPDATE core_stockmovement SET quantity_change = 100`, nil, "23001"},
		{"erase the ledger", `DELETE FROM core_stockmovement`, nil, "23001"},
		{"direct inventory update", `UPDATE core_inventoryitem SET quantity = 9 WHERE id = $1`, []any{item}, checkViolation},
		{"inventory below zero", `INSERT INTO core_inventorymovement (item_id, quantity_change, reason) VALUES ($1, -5, 'used')`, []any{item}, checkViolation},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Pool.Exec(ctx, tc.sql, tc.args...)
			if !isSQLState(err, tc.code) {
				t.Fatalf("%v, want SQLSTATE %s", err, tc.code)
			}
		})
	}
	if got := q(`SELECT stock_quantity - (SELECT sum(quantity_change) FROM core_stockmovement WHERE medication_id = $1) FROM core_medicationitem WHERE id = $1`, f.medication); got != 0 {
		t.Fatalf("stock and ledger differ by %d", got)
	}
	if got := q(`SELECT quantity FROM core_inventoryitem WHERE id = $1`, item); got != 4 {
		t.Fatalf("inventory %d, want 4", got)
	}
	// Editing other columns of a stocked item still works and keeps its stock.
	mustExec(t, d, `UPDATE core_medicationitem SET reorder_level = 3 WHERE id = $1`, f.medication)
	if got := q(`SELECT stock_quantity FROM core_medicationitem WHERE id = $1`, f.medication); got != 12 {
		t.Fatalf("stock after an edit: %d", got)
	}
}

// A medication's version follows its catalog fields, not the stock the ledger moves.
func TestStockMovementsKeepTheCatalogVersion(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	f := insertFixtures(t, d)
	var batch, before, after, edited int64
	if err := d.Pool.QueryRow(ctx, `INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost)
		VALUES ($1, 'B1', current_date + 365, 10, '1.00') RETURNING id`, f.medication).Scan(&batch); err != nil {
		t.Fatal(err)
	}
	_ = d.Pool.QueryRow(ctx, `SELECT version FROM core_medicationitem WHERE id = $1`, f.medication).Scan(&before)
	mustExec(t, d, `INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change) VALUES ($1, $2, 'receive', 10)`, f.medication, batch)
	_ = d.Pool.QueryRow(ctx, `SELECT version FROM core_medicationitem WHERE id = $1`, f.medication).Scan(&after)
	mustExec(t, d, `UPDATE core_medicationitem SET unit_price = 13 WHERE id = $1`, f.medication)
	_ = d.Pool.QueryRow(ctx, `SELECT version FROM core_medicationitem WHERE id = $1`, f.medication).Scan(&edited)
	if before != after || edited != before+1 {
		t.Fatalf("versions: %d before a receipt, %d after it, %d after a price edit; want v, v, v+1", before, after, edited)
	}
}
