package db

import (
	"errors"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
)

// OrNotFound is err with pgx.ErrNoRows (a read by id that found no row) turned into
// apperr.ErrNotFound, the 404 of every domain; any other error, and nil, pass unchanged.
func OrNotFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.ErrNotFound
	}
	return err
}

// AtVersion checks the row an edit locked (err: its read's error, version: the row's) against
// the version the edit was made on (want): no row is apperr.ErrNotFound, a failed read is
// returned as is, another version is apperr.Stale(what) and nothing may change.
func AtVersion(err error, version, want int64, what string) error {
	if err != nil {
		return OrNotFound(err)
	}
	if version != want {
		return apperr.Stale(what)
	}
	return nil
}
