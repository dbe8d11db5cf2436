package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// TxBeginner is what can open a transaction: a pool, a connection.
type TxBeginner interface {
	BeginTx(ctx context.Context, opts pgx.TxOptions) (pgx.Tx, error)
}

// BeginSnapshot opens a read-only REPEATABLE READ transaction on b: every query in it sees the
// database as of its first query, whatever commits meanwhile (a report's totals agree with its
// lines; a backup's tables agree with each other), and neither blocks nor is blocked by
// writers. It writes nothing: the caller ends it with Rollback (deferred).
func BeginSnapshot(ctx context.Context, b TxBeginner) (pgx.Tx, error) {
	return b.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
}

// Snapshot runs fn in a snapshot (see BeginSnapshot), then rolls it back.
func Snapshot(ctx context.Context, b TxBeginner, fn func(tx pgx.Tx) error) error {
	tx, err := BeginSnapshot(ctx, b)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	return fn(tx)
}
