package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestIsUnavailable tells a database that cannot work now (503, retry) from a statement the
// database refused or a bug (not a 503), on errors the real server and driver produce.
func TestIsUnavailable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)

	// A backend terminated by an administrator (or a server shutting down): 57P01.
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, terminated := conn.Exec(ctx, `SELECT pg_terminate_backend(pg_backend_pid())`)
	_, afterwards := conn.Exec(ctx, `SELECT 1`)
	conn.Release()
	_, syntax := d.Pool.Exec(ctx, `SELEKT 1`)
	_, duplicate := d.Pool.Exec(ctx, `INSERT INTO core_role (name, description) VALUES ('admin', 'again')`)
	noRows := d.Pool.QueryRow(ctx, `SELECT 1 WHERE false`).Scan(new(int))
	closed := dbtest.New(t)
	closed.Close()
	_, closedPool := closed.Pool.Exec(ctx, `SELECT 1`)

	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"terminated backend", terminated, true},
		{"query on the dead connection", afterwards, true},
		{"closed pool", closedPool, true},
		{"disk full", fmt.Errorf("insert: %w", &pgconn.PgError{Code: "53100"}), true},
		{"too many connections", &pgconn.PgError{Code: "53300"}, true},
		{"cannot connect now", &pgconn.PgError{Code: "57P03"}, true},
		{"connection failure", &pgconn.PgError{Code: "08006"}, true},
		{"connection cut mid-answer", fmt.Errorf("create patient: %w", io.ErrUnexpectedEOF), true},
		{"syntax error", syntax, false},
		{"unique violation", duplicate, false},
		{"no rows", noRows, false},
		{"not found", apperr.ErrNotFound, false},
		{"nil", nil, false},
	} {
		if tc.err == nil && tc.want {
			t.Fatalf("%s: the server gave no error", tc.name)
		}
		if got := db.IsUnavailable(tc.err); got != tc.want {
			t.Errorf("%s: IsUnavailable(%v) = %v, want %v", tc.name, tc.err, got, tc.want)
		}
		mapped := db.Unavailable(tc.err)
		if tc.want && (apperr.KindOf(mapped) != apperr.ErrUnavailable || apperr.CodeOf(mapped) != db.CodeUnavailable || apperr.RetryAfterOf(mapped) <= 0) {
			t.Errorf("%s: Unavailable gave %v (kind %s code %q)", tc.name, mapped, apperr.KindOf(mapped), apperr.CodeOf(mapped))
		}
		if !tc.want && !errors.Is(mapped, tc.err) && tc.err != nil {
			t.Errorf("%s: Unavailable changed an error it should leave alone: %v", tc.name, mapped)
		}
	}
	if !errors.Is(noRows, pgx.ErrNoRows) {
		t.Fatalf("no rows: %v", noRows)
	}
}
