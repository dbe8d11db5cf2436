package db

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Querier is what a read or a write needs: a pool (*pgxpool.Pool), a connection (*pgx.Conn) or
// a transaction (pgx.Tx) all are one. Functions take a Querier rather than a transaction when
// they may run inside the caller's transaction or on their own.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}
