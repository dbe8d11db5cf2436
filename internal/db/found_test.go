package db_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// OrNotFound and AtVersion: no row is a 404 (also wrapped), another failure passes as is, a
// locked row at another version is the stale-version conflict, the right version passes.
func TestOrNotFoundAndAtVersion(t *testing.T) {
	t.Parallel()
	broken := errors.New("connection lost")
	if err := db.OrNotFound(fmt.Errorf("read: %w", pgx.ErrNoRows)); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("no row: %v, want not found", err)
	}
	if err := db.OrNotFound(broken); err != broken {
		t.Errorf("failure: %v, want it unchanged", err)
	}
	if err := db.OrNotFound(nil); err != nil {
		t.Errorf("nil: %v", err)
	}
	if err := db.AtVersion(pgx.ErrNoRows, 0, 3, "thing"); !errors.Is(err, apperr.ErrNotFound) {
		t.Errorf("no row: %v, want not found", err)
	}
	if err := db.AtVersion(broken, 3, 3, "thing"); err != broken {
		t.Errorf("failure: %v, want it unchanged", err)
	}
	var ae *apperr.Error
	if err := db.AtVersion(nil, 4, 3, "thing"); !errors.As(err, &ae) || !errors.Is(err, apperr.ErrConflict) || ae.Code != "stale-version" {
		t.Errorf("other version: %v, want the stale-version conflict", err)
	}
	if err := db.AtVersion(nil, 3, 3, "thing"); err != nil {
		t.Errorf("same version: %v", err)
	}
}
