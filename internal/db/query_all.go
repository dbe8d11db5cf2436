package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// QueryAll runs sql on q and scans every row with scan: a list read whole (not a page, see
// QueryPage), e.g. a bill's lines or the rows a report counts. No row is an empty slice, not
// nil, so a list answered as JSON is [] rather than null. The caller wraps the error with its
// operation (a failed query and a failed scan are one failure to it).
func QueryAll[T any](ctx context.Context, q Querier, scan pgx.RowToFunc[T], sql string, args ...any) ([]T, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scan)
}
