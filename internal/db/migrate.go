package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"

	"github.com/golang-migrate/migrate/v4"
	pgxmigrate "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	"github.com/golang-migrate/migrate/v4/source"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for golang-migrate

	"chelal/migrations"
)

// MigrationStatus is the schema's state: the applied version and every known migration.
type MigrationStatus struct {
	Version uint   // 0: nothing applied
	Dirty   bool   // a migration failed half-way and was not cleaned up
	Latest  uint   // the newest migration this build knows
	All     []uint // every migration version this build knows, oldest first
}

// SchemaNewerError is the refusal to run on a database whose schema was written by a newer
// Chelal: this build does not know its migrations, so it can neither use nor migrate it.
type SchemaNewerError struct {
	Found uint // the database's schema version
	Known uint // the newest migration this build knows
}

func (e *SchemaNewerError) Error() string {
	return fmt.Sprintf("this data was made by a newer Chelal (schema %d); this is schema %d: install the newer version (nothing was changed)", e.Found, e.Known)
}

// Migrator applies the embedded migrations to one database.
type Migrator struct {
	m   *migrate.Migrate
	src source.Driver
	sql *sql.DB
	log *slog.Logger
}

// NewMigrator opens a migrator on the database at dsn.
func NewMigrator(dsn string, log *slog.Logger) (*Migrator, error) {
	if log == nil {
		log = slog.Default()
	}
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	sqlDB, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("migrations: open: %w", err)
	}
	drv, err := pgxmigrate.WithInstance(sqlDB, &pgxmigrate.Config{})
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, "pgx5", drv)
	if err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{m: m, src: src, sql: sqlDB, log: log}, nil
}

// Close releases the migrator's connection.
func (mg *Migrator) Close() error {
	srcErr, dbErr := mg.m.Close()
	return errors.Join(srcErr, dbErr)
}

// Up applies every pending migration. A migration left dirty by a crash (its transaction was
// rolled back by the server when the connection died) is forced back one step and retried once.
func (mg *Migrator) Up(ctx context.Context) error {
	return mg.move("migrate up", mg.m.Up)
}

// To migrates up or down to version (0 = empty schema).
func (mg *Migrator) To(ctx context.Context, version uint) error {
	return mg.move(fmt.Sprintf("migrate to %d", version), func() error {
		if version == 0 {
			return mg.m.Down()
		}
		return mg.m.Migrate(version)
	})
}

// Steps applies n migrations up (n > 0) or rolls back -n (n < 0).
func (mg *Migrator) Steps(ctx context.Context, n int) error {
	return mg.move(fmt.Sprintf("migrate %d steps", n), func() error { return mg.m.Steps(n) })
}

// move runs one change of the schema's version, named op in its error: refused on a schema
// newer than this executable, after a dirty migration is recovered; nothing to do is no error.
func (mg *Migrator) move(op string, change func() error) error {
	if err := mg.checkNotNewer(); err != nil {
		return err
	}
	if err := mg.recoverDirty(); err != nil {
		return err
	}
	if err := change(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// Status reports the applied version and the known migrations.
func (mg *Migrator) Status(ctx context.Context) (MigrationStatus, error) {
	var st MigrationStatus
	v, dirty, err := mg.m.Version()
	if err != nil && !errors.Is(err, migrate.ErrNilVersion) {
		return st, fmt.Errorf("migration status: %w", err)
	}
	st.Version, st.Dirty = v, dirty
	st.All, err = knownVersions(mg.src)
	if err != nil {
		return st, err
	}
	if len(st.All) > 0 {
		st.Latest = st.All[len(st.All)-1]
	}
	return st, nil
}

// checkNotNewer refuses a schema newer than every migration this build knows, before
// golang-migrate meets the unknown version (it would fail with a "no migration found" that
// tells the user nothing, or a dirty one be "recovered" with migrations it does not have).
func (mg *Migrator) checkNotNewer() error {
	v, _, err := mg.m.Version()
	if err != nil {
		return nil // no version yet (or unreadable: the migration itself reports it)
	}
	all, err := knownVersions(mg.src)
	if err != nil || len(all) == 0 {
		return err
	}
	if latest := all[len(all)-1]; v > latest {
		return &SchemaNewerError{Found: v, Known: latest}
	}
	return nil
}

func (mg *Migrator) recoverDirty() error {
	v, dirty, err := mg.m.Version()
	if err != nil || !dirty {
		return nil
	}
	prev := -1 // golang-migrate's "no version"
	if p, err := mg.src.Prev(v); err == nil {
		prev = int(p)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("migrations: %w", err)
	}
	mg.log.Warn("schema was left dirty by an interrupted migration; retrying it", "version", v)
	if err := mg.m.Force(prev); err != nil {
		return fmt.Errorf("migrations: force %d: %w", prev, err)
	}
	return nil
}

func knownVersions(src source.Driver) ([]uint, error) {
	var all []uint
	v, err := src.First()
	for err == nil {
		all = append(all, v)
		v, err = src.Next(v)
	}
	if !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return all, nil
}

// Migrate applies every pending migration to the database at dsn, then loads the bundled
// ICD-10 list if it changed.
func Migrate(ctx context.Context, dsn string, log *slog.Logger) error {
	mg, err := NewMigrator(dsn, log)
	if err != nil {
		return err
	}
	defer mg.Close()
	if err := mg.Up(ctx); err != nil {
		return err
	}
	_, err = loadICD10(ctx, dsn) // the bundled ICD-10 list (icd10.go)
	return err
}
