package patients

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// A patient's timeline is assembled above the domains (internal/chart): each domain that
// keeps rows about a patient (appointments, clinical, billing) contributes its own entries
// with TimelineRows, so this package reads only its own tables.

// TimelineEntry is one event of a patient's history.
type TimelineEntry struct {
	Kind    string    `json:"kind"`
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Title   string    `json:"title"`
	Details string    `json:"details"`
}

// Timeline is a patient's history, newest first.
type Timeline struct {
	Items []TimelineEntry `json:"items"`
}

// TimelineRows is how a domain contributes its entries of a patient's timeline: sql selects
// (id, at, title, details) of patient $1's rows, newest first, at most $2; finish, when not
// nil, rewrites each entry (a status in the user's language, values as text).
func TimelineRows(ctx context.Context, q db.Querier, kind, sql string, patientID int64, limit int, finish func(*TimelineEntry) error) ([]TimelineEntry, error) {
	out, err := db.QueryAll(ctx, q, func(r pgx.CollectableRow) (TimelineEntry, error) {
		e := TimelineEntry{Kind: kind}
		if err := r.Scan(&e.ID, &e.At, &e.Title, &e.Details); err != nil {
			return e, err
		}
		e.At = e.At.UTC()
		var err error
		if finish != nil {
			err = finish(&e) // before e is read: Go leaves "return e, f(&e)" in either order
		}
		return e, err
	}, sql, patientID, limit)
	if err != nil {
		return nil, fmt.Errorf("timeline %s: %w", kind, err)
	}
	return out, nil
}
