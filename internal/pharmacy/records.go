package pharmacy

import (
	"context"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// record is how the pharmacy's simple records (a medication category, a supply) are read by
// id, created and edited: one read, one insert-then-read, one locked edit at a version.
type record[T any] struct {
	what    string // its name in errors: "category"
	byID    string // its SELECT ... WHERE <id> = $1
	lock    string // what makes byID lock the row: " FOR UPDATE"
	scan    func(pgx.Row) (T, error)
	version func(T) int64
}

// get reads record id, or apperr.ErrNotFound.
func (r record[T]) get(ctx context.Context, q db.Querier, id int64) (T, error) {
	x, err := r.scan(q.QueryRow(ctx, r.byID, id))
	return x, db.OrNotFound(err)
}

// create runs insert (an INSERT ... RETURNING id) and reads the new record back, in one
// transaction; a refused write is a field error or a conflict (mapWriteError).
func (r record[T]) create(ctx context.Context, d *db.DB, actor db.Actor, insert string, args ...any) (T, error) {
	var out T
	err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var id int64
		if err := tx.QueryRow(ctx, insert, args...).Scan(&id); err != nil {
			return mapWriteError(err, r.what)
		}
		var err error
		out, err = r.get(ctx, tx, id)
		return err
	})
	return out, err
}

// edit changes record id, edited on version: it locks the record, refuses another version
// (stale) and runs update (its arguments args), then reads the record back, in one transaction.
func (r record[T]) edit(ctx context.Context, d *db.DB, actor db.Actor, id, version int64, update string, args ...any) (T, error) {
	var out T
	err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := r.scan(tx.QueryRow(ctx, r.byID+r.lock, id))
		if err = db.AtVersion(err, r.version(cur), version, r.what); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, update, args...); err != nil {
			return mapWriteError(err, r.what)
		}
		out, err = r.get(ctx, tx, id)
		return err
	})
	return out, err
}
