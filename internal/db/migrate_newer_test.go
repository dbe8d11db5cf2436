package db_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestMigrateRefusesANewerSchema: a database migrated by a newer Chelal (a schema version
// this build has no migration for) is refused before anything runs, with a message that says
// both numbers and what to do, and is left as it was.
func TestMigrateRefusesANewerSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	mg, err := db.NewMigrator(d.DSN(), log)
	if err != nil {
		t.Fatal(err)
	}
	st, err := mg.Status(ctx)
	_ = mg.Close()
	if err != nil {
		t.Fatal(err)
	}
	newer := st.Latest + 1
	for _, dirty := range []bool{false, true} {
		t.Run(fmt.Sprintf("dirty=%v", dirty), func(t *testing.T) {
			if _, err := d.Pool.Exec(ctx, `UPDATE schema_migrations SET version = $1, dirty = $2`, newer, dirty); err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("made by a newer Chelal (schema %d); this is schema %d: install the newer version", newer, st.Latest)
			err := db.Migrate(ctx, d.DSN(), log)
			var se *db.SchemaNewerError
			if err == nil || !strings.Contains(err.Error(), want) || !errors.As(err, &se) {
				t.Fatalf("Migrate: %v, want an error saying %q", err, want)
			}
			mg, err := db.NewMigrator(d.DSN(), log)
			if err != nil {
				t.Fatal(err)
			}
			defer mg.Close()
			for name, op := range map[string]func() error{
				"to":    func() error { return mg.To(ctx, st.Latest) },
				"steps": func() error { return mg.Steps(ctx, -1) },
			} {
				if err := op(); !errors.As(err, &se) {
					t.Errorf("%s: %v, want the newer-schema refusal", name, err)
				}
			}
			var v int64
			var gotDirty bool
			if err := d.Pool.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&v, &gotDirty); err != nil {
				t.Fatal(err)
			}
			if uint(v) != newer || gotDirty != dirty {
				t.Fatalf("schema_migrations became %d dirty=%v; want it left at %d dirty=%v", v, gotDirty, newer, dirty)
			}
		})
	}
}
