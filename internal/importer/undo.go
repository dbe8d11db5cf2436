package importer

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// historyTables hold clinical and money history, which is never removed (encounters are
// sealed, bill lines and payments append-only): an import that brought any cannot be undone.
var historyTables = []string{"core_encounter", "core_prescription", "core_vitals", "core_bill", "core_billitem", "core_payment"}

// batchTables are the core_importrow names of the stock batches an import received: a
// spreadsheet's (core_stockbatch) and the original's opening stock (core_medicationitem.stock).
var batchTables = []string{"core_stockbatch", "core_medicationitem.stock"}

// undoDeletes are the tables whose imported rows an undo removes, in this order (what refers to
// a row first). A row referred to by a record made since (a patient with a new visit, a
// service on a bill) makes the delete fail, and the undo with it.
var undoDeletes = []string{"core_notification", "core_appointment", "core_patient", "core_servicecatalog"}

// undoDeactivates are the tables whose rows an undo deactivates (is_active = false) when the
// import made them: their ledger or the audit log keeps referring to them. Rows the import
// matched to existing ones (a user of the same name, a medication the stock was added to) are
// left as they are.
var undoDeactivates = []string{"core_medicationitem", "core_inventoryitem", "auth_user"}

// Undo undoes an import as a whole while nothing it brought has changed since; otherwise it
// is a conflict and nothing is undone. The audit log and the stock ledgers are append-only, so
// the undo is a compensating change, audited like any other: the stock received is taken out
// again by ledger movements (reason "import undone"), the patients, appointments, notifications
// and services it made are removed, the medications, stock items and users it made are
// deactivated, and the import is marked undone. The original database's audit log stays as
// history, and an import that brought encounters, bills or payments (history never removed)
// cannot be undone. "Changed since": an audit row on an imported row after the import, stock
// moved out of an imported batch, or a record made since that refers to an imported one.
func Undo(ctx context.Context, d *db.DB, actor db.Actor, importID int64) error {
	return d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var kind string
		var at time.Time
		var undone *time.Time
		err := tx.QueryRow(ctx, `SELECT kind, created_at, undone_at FROM core_importrun WHERE id = $1 FOR UPDATE`, importID).Scan(&kind, &at, &undone)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.Errorf(apperr.ErrNotFound, "There is no import #%d.", importID)
		}
		if err != nil {
			return err
		}
		if undone != nil {
			return apperr.Errorf(apperr.ErrConflict, "Import #%d was undone already.", importID)
		}
		u := undo{tx: tx, id: importID}
		// Statistics first: right after a large import (before autovacuum has looked), the
		// planner believes the import's rows and aliases are a handful and joins them in a
		// nested loop with a filter, which made the undo of 100,000 patients take 17 minutes
		// instead of seconds. ANALYZE samples at most 30,000 rows per table: a fraction of a
		// second, in this transaction.
		if _, err := tx.Exec(ctx, `ANALYZE core_importrow, core_patientalias, core_patient, core_appointment, core_notification, core_servicecatalog`); err != nil {
			return fmt.Errorf("undo import: analyze: %w", err)
		}
		if n, err := u.count(ctx, `SELECT count(*) FROM core_importrow WHERE import_id = $1 AND table_name = ANY($2)`, historyTables); err != nil {
			return err
		} else if n > 0 {
			return apperr.Errorf(apperr.ErrConflict, "Import #%d brought %d encounters, prescriptions, vital signs, bills or payments: clinical and money history is never removed, so the import cannot be undone. Correct the records instead.", importID, n)
		}
		changed, err := u.count(ctx, `
			SELECT (SELECT count(DISTINCT (r.table_name, r.new_id)) FROM core_importrow r
			          JOIN core_auditlog a ON a.model_name = r.table_name AND a.object_id = r.new_id
			         WHERE r.import_id = $1 AND a."timestamp" > $2)
			     + (SELECT count(DISTINCT r.new_id) FROM core_importrow r JOIN core_stockmovement m ON m.batch_id = r.new_id
			         WHERE r.import_id = $1 AND r.table_name = ANY($3) AND m.created_at > $2)`, at, batchTables)
		if err != nil {
			return err
		}
		if changed > 0 {
			return apperr.Errorf(apperr.ErrConflict, "%d of the records import #%d brought changed since (edited, or stock dispensed or adjusted): the import can no longer be undone as a whole.", changed, importID)
		}
		reason := fmt.Sprintf("import undone (import #%d)", importID)
		if err := u.exec(ctx, `
			INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after, reason, created_by)
			SELECT b.medication_id, b.id, 'adjust', -b.quantity_left, 0, 0, $3, nullif(current_setting('chelal.user_id', true), '')::integer
			  FROM core_stockbatch b JOIN core_importrow r ON r.new_id = b.id AND r.import_id = $1 AND r.table_name = ANY($2)
			 WHERE b.quantity_left > 0
			 ORDER BY b.id`, batchTables, reason); err != nil {
			return err
		}
		if err := u.exec(ctx, `
			INSERT INTO core_inventorymovement (item_id, quantity_change, balance_after, reason, created_by)
			SELECT i.id, -i.quantity, 0, $2, nullif(current_setting('chelal.user_id', true), '')::integer
			  FROM core_inventoryitem i JOIN core_importrow r ON r.new_id = i.id AND r.import_id = $1 AND r.table_name = 'core_inventoryitem'
			 WHERE i.quantity > 0
			 ORDER BY i.id`, reason); err != nil {
			return err
		}
		if err := u.exec(ctx, `DELETE FROM core_patientalias WHERE patient_id IN (
			SELECT new_id FROM core_importrow WHERE import_id = $1 AND table_name = 'core_patient')`); err != nil {
			return err
		}
		for _, table := range undoDeletes {
			// A record in use (a visit, a bill line) is protected by its foreign keys: the
			// delete fails, and the whole undo with it.
			refused, err := savepoint(ctx, tx, func(tx pgx.Tx) error {
				_, err := tx.Exec(ctx, `DELETE FROM `+pgx.Identifier{table}.Sanitize()+`
					 WHERE id IN (SELECT new_id FROM core_importrow WHERE import_id = $1 AND table_name = $2)`, importID, table)
				return err
			})
			if err != nil {
				return err
			}
			if refused != "" {
				return apperr.Errorf(apperr.ErrConflict, "Some records import #%d brought are in use since (%s): the import can no longer be undone as a whole.", importID, refused)
			}
		}
		for _, table := range undoDeactivates {
			// Made by the import: its creation is audited at the import's time.
			if err := u.exec(ctx, `UPDATE `+pgx.Identifier{table}.Sanitize()+` t SET is_active = false
				  FROM core_importrow r
				 WHERE r.import_id = $1 AND r.table_name = $3 AND t.id = r.new_id AND t.is_active
				   AND EXISTS (SELECT 1 FROM core_auditlog a WHERE a.model_name = $3 AND a.object_id = r.new_id
				                  AND a.action = 'create' AND a."timestamp" = $2)`, at, table); err != nil {
				return err
			}
		}
		return u.exec(ctx, `UPDATE core_importrun SET undone_at = now(), undone_by = $2 WHERE id = $1`, nullID(actor.UserID))
	})
}

// undo is one undo's transaction, with the import's id as the first argument of its statements.
type undo struct {
	tx pgx.Tx
	id int64
}

func (u undo) count(ctx context.Context, sql string, args ...any) (int, error) {
	var n int
	if err := u.tx.QueryRow(ctx, sql, append([]any{u.id}, args...)...).Scan(&n); err != nil {
		return 0, fmt.Errorf("undo import: %w", err)
	}
	return n, nil
}

func (u undo) exec(ctx context.Context, sql string, args ...any) error {
	if _, err := u.tx.Exec(ctx, sql, append([]any{u.id}, args...)...); err != nil {
		return fmt.Errorf("undo import: %w", err)
	}
	return nil
}
