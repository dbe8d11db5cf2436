package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Edit is the shape of a change to one record, in one transaction with its audit row (InTx):
// lock reads the record FOR UPDATE and checks it may change (its version: see AtVersion),
// change writes what changes, given what lock read, and read reads the record back as the
// caller answers it. A failing step rolls everything back and its error is returned.
func Edit[L, T any](ctx context.Context, d *DB, actor Actor,
	lock func(ctx context.Context, tx pgx.Tx) (L, error),
	change func(ctx context.Context, tx pgx.Tx, locked L) error,
	read func(ctx context.Context, tx pgx.Tx) (T, error)) (T, error) {
	var out T
	err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := lock(ctx, tx)
		if err != nil {
			return err
		}
		if err := change(ctx, tx, cur); err != nil {
			return err
		}
		out, err = read(ctx, tx)
		return err
	})
	return out, err
}
