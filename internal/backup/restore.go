package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// ErrPassphrase means the backup is encrypted and the passphrase is missing or wrong.
var ErrPassphrase = errors.New("the backup is encrypted: the passphrase is missing or wrong")

const ageHeader = "age-encryption.org/v1\n"

// open returns the decrypted, decompressed content of a backup file.
func open(path, passphrase string) (io.Reader, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open backup: %w", err)
	}
	br := bufio.NewReader(f)
	peek, _ := br.Peek(len(ageHeader))
	var r io.Reader = br
	if bytes.Equal(peek, []byte(ageHeader)) {
		if passphrase == "" {
			f.Close()
			return nil, nil, ErrPassphrase
		}
		id, err := age.NewScryptIdentity(passphrase)
		if err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%w: %v", ErrPassphrase, err)
		}
		if r, err = age.Decrypt(br, id); err != nil {
			f.Close()
			return nil, nil, fmt.Errorf("%w (%v)", ErrPassphrase, err)
		}
	}
	gz, err := gzip.NewReader(r)
	if err != nil {
		f.Close()
		return nil, nil, fmt.Errorf("%w: %v", ErrNotBackup, err)
	}
	return gz, f.Close, nil
}

// ReadHeader returns what a backup file says of itself, without restoring it.
func ReadHeader(path, passphrase string) (Header, error) {
	r, closeFn, err := open(path, passphrase)
	if err != nil {
		return Header{}, err
	}
	defer closeFn()
	fr, err := newFrameReader(r)
	if err != nil {
		return Header{}, err
	}
	return readHeader(fr)
}

func readHeader(fr *frameReader) (Header, error) {
	kind, _, data, err := fr.next()
	if err != nil {
		return Header{}, err
	}
	if kind != 'H' {
		return Header{}, fmt.Errorf("%w: it does not begin with a header", ErrNotBackup)
	}
	var h Header
	if err := json.NewDecoder(data).Decode(&h); err != nil {
		return h, fmt.Errorf("%w: header: %v", ErrNotBackup, err)
	}
	_, _ = io.Copy(io.Discard, data)
	return h, nil
}

// RestoreOptions says how to restore.
type RestoreOptions struct {
	Passphrase string
	// LatestSchema is the newest schema version this Chelal knows; a backup of a newer one is
	// refused. After loading, the database is migrated up to it (MigrateUp).
	LatestSchema uint
	MigrateUp    bool
	Log          *slog.Logger
	// Progress, when set, is told each table as it is loaded.
	Progress func(table string, rows int64, done, total int)
}

// Restore loads a backup into the empty database at dsn, all in one transaction: either every
// table is loaded and matches the manifest (row counts and checksums), or nothing is.
func Restore(ctx context.Context, path, dsn string, o RestoreOptions) (Header, Manifest, error) {
	r, closeFn, err := open(path, o.Passphrase)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	defer closeFn()
	fr, err := newFrameReader(r)
	if err != nil {
		return Header{}, Manifest{}, err
	}
	h, err := readHeader(fr)
	if err != nil {
		return h, Manifest{}, err
	}
	if o.LatestSchema != 0 && h.SchemaVersion > o.LatestSchema {
		return h, Manifest{}, fmt.Errorf("this backup is from a newer Chelal (schema %d; this one knows up to %d): restore it with Chelal %s or newer", h.SchemaVersion, o.LatestSchema, h.ChelalVersion)
	}
	target, err := db.Connect(ctx, dsn)
	if err != nil {
		return h, Manifest{}, err
	}
	defer target.Close()
	if err := requireEmpty(ctx, target); err != nil {
		return h, Manifest{}, err
	}
	mg, err := db.NewMigrator(dsn, o.Log)
	if err != nil {
		return h, Manifest{}, err
	}
	defer mg.Close()
	if err := mg.To(ctx, h.SchemaVersion); err != nil {
		return h, Manifest{}, fmt.Errorf("prepare the schema of version %d: %w", h.SchemaVersion, err)
	}
	m, err := load(ctx, target, fr, h, o)
	if err != nil {
		// Leave the database as empty as it was found.
		_ = mg.To(context.WithoutCancel(ctx), 0)
		return h, m, err
	}
	if o.MigrateUp {
		if err := mg.Up(ctx); err != nil {
			return h, m, fmt.Errorf("migrate the restored database up: %w", err)
		}
	}
	return h, m, nil
}

func requireEmpty(ctx context.Context, d *db.DB) error {
	var tables int
	err := d.Pool.QueryRow(ctx, `
		SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = current_schema() AND c.relkind = 'r'`).Scan(&tables)
	if err != nil {
		return err
	}
	if tables > 0 {
		return errors.New("the target database is not empty: restore into a new, empty database")
	}
	return nil
}

func load(ctx context.Context, target *db.DB, fr *frameReader, h Header, o RestoreOptions) (Manifest, error) {
	var m Manifest
	sums := map[string]TableSum{}
	err := pgx.BeginFunc(ctx, target.Pool, func(tx pgx.Tx) error {
		pg := tx.Conn().PgConn()
		// The migrations seed some rows (roles, their permissions); the backup has them all.
		// Triggers (audit, search, touch, append-only) stay off while the copy goes in.
		var names []string
		for _, t := range h.Tables {
			table := pgx.Identifier{t}.Sanitize()
			names = append(names, table)
			if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` DISABLE TRIGGER USER`); err != nil {
				return fmt.Errorf("restore %s: %w", t, err)
			}
		}
		if len(names) > 0 {
			if _, err := tx.Exec(ctx, `TRUNCATE `+strings.Join(names, ", ")); err != nil {
				return fmt.Errorf("restore: clear seeded rows: %w", err)
			}
		}
		done := 0
		for {
			kind, name, data, err := fr.next()
			if err != nil {
				return err
			}
			switch kind {
			case 'T':
				if !slices.Contains(h.Tables, name) {
					return fmt.Errorf("%w: unexpected table %q", ErrNotBackup, name)
				}
				table := pgx.Identifier{name}.Sanitize()
				s := newSummer()
				if _, err := pg.CopyFrom(ctx, io.TeeReader(data, s), `COPY `+table+` FROM STDIN`); err != nil {
					return fmt.Errorf("restore %s: %w", name, err)
				}
				sums[name] = s.sum(name)
				done++
				if o.Progress != nil {
					o.Progress(name, s.rows, done, len(h.Tables))
				}
			case 'M':
				if err := json.NewDecoder(data).Decode(&m); err != nil {
					return fmt.Errorf("%w: manifest: %v", ErrNotBackup, err)
				}
				_, _ = io.Copy(io.Discard, data)
			case 'E':
				if len(m.Tables) == 0 && len(h.Tables) > 0 {
					return ErrTruncated
				}
				if err := compare(m, sums); err != nil {
					return err
				}
				for seq, v := range h.Sequences {
					if _, err := tx.Exec(ctx, `SELECT setval($1::regclass, $2, true)`, pgx.Identifier{seq}.Sanitize(), v); err != nil {
						return fmt.Errorf("restore sequence %s: %w", seq, err)
					}
				}
				for _, table := range names {
					if _, err := tx.Exec(ctx, `ALTER TABLE `+table+` ENABLE TRIGGER USER`); err != nil {
						return fmt.Errorf("restore %s: %w", table, err)
					}
				}
				return nil
			default:
				return fmt.Errorf("%w: unknown frame %q", ErrNotBackup, kind)
			}
		}
	})
	return m, err
}

// compare checks what was read against the manifest, table by table.
func compare(m Manifest, got map[string]TableSum) error {
	if len(m.Tables) != len(got) {
		return fmt.Errorf("the backup is damaged: the manifest lists %d tables, the file holds %d", len(m.Tables), len(got))
	}
	for _, want := range m.Tables {
		g, ok := got[want.Name]
		switch {
		case !ok:
			return fmt.Errorf("the backup is damaged: table %s is missing", want.Name)
		case g.Rows != want.Rows:
			return fmt.Errorf("the backup is damaged: table %s has %d rows, the manifest says %d", want.Name, g.Rows, want.Rows)
		case g.SHA256 != want.SHA256:
			return fmt.Errorf("the backup is damaged: table %s does not match its checksum", want.Name)
		}
	}
	return nil
}

// Result is the outcome of a verification.
type Result struct {
	Header   Header   `json:"header"`
	Manifest Manifest `json:"manifest"`
}

// Verify restores a backup into a scratch database on d's server, reads every table back and
// compares row counts and checksums with the manifest, then drops the scratch database.
func Verify(ctx context.Context, d *db.DB, path, passphrase string, latest uint, log *slog.Logger) (Result, error) {
	raw := make([]byte, 6)
	_, _ = rand.Read(raw)
	scratch := "chelal_verify_" + hex.EncodeToString(raw)
	if _, err := d.Pool.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{scratch}.Sanitize()); err != nil {
		return Result{}, fmt.Errorf("verify: create a scratch database: %w", err)
	}
	defer func() {
		_, _ = d.Pool.Exec(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+pgx.Identifier{scratch}.Sanitize()+` WITH (FORCE)`)
	}()
	dsn, err := withDatabase(d.DSN(), scratch)
	if err != nil {
		return Result{}, err
	}
	h, m, err := Restore(ctx, path, dsn, RestoreOptions{Passphrase: passphrase, LatestSchema: latest, Log: log})
	if err != nil {
		return Result{Header: h, Manifest: m}, err
	}
	restored, err := db.Connect(ctx, dsn)
	if err != nil {
		return Result{}, err
	}
	defer restored.Close()
	sums, err := Checksums(ctx, restored)
	if err != nil {
		return Result{}, err
	}
	if err := compare(m, sums); err != nil {
		return Result{Header: h, Manifest: m}, fmt.Errorf("verify: the restored copy differs: %w", err)
	}
	return Result{Header: h, Manifest: m}, nil
}

// Checksums reads every table of d as a backup would and returns its row count and checksum.
func Checksums(ctx context.Context, d *db.DB) (map[string]TableSum, error) {
	out := map[string]TableSum{}
	err := pgx.BeginTxFunc(ctx, d.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		tables, err := tablesInRestoreOrder(ctx, tx)
		if err != nil {
			return err
		}
		for _, t := range tables {
			sql, err := copyQuery(ctx, tx, t)
			if err != nil {
				return err
			}
			s := newSummer()
			if _, err := tx.Conn().PgConn().CopyTo(ctx, s, sql); err != nil {
				return fmt.Errorf("checksum %s: %w", t, err)
			}
			out[t] = s.sum(t)
		}
		return nil
	})
	return out, err
}

// withDatabase returns dsn pointing at another database of the same server.
func withDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil {
		return "", fmt.Errorf("database address: %w", err)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// Restored is a restore into a new database of the embedded server.
type Restored struct {
	Header   Header `json:"header"`
	Database string `json:"database"` // the new database Chelal uses from its next start
	Previous string `json:"previous"` // the database it used, kept until an administrator removes it
}

// RestoreEmbedded restores a backup into a new database of d's embedded server, checks every
// table against the manifest again, migrates it up, and only then makes Chelal use it from its
// next start. On any failure the new database is dropped and Chelal stays on its current one.
func RestoreEmbedded(ctx context.Context, d *db.DB, path string, o RestoreOptions) (Restored, error) {
	e := d.Embedded()
	if e == nil {
		return Restored{}, errors.New("restoring into a new database needs the embedded server; with an external server, restore into an empty database with `chelal restore` and DATABASE_URL")
	}
	name := "chelal_" + time.Now().UTC().Format("20060102_150405")
	if _, err := d.Pool.Exec(ctx, `CREATE DATABASE `+pgx.Identifier{name}.Sanitize()); err != nil {
		return Restored{}, fmt.Errorf("restore: create database %s: %w", name, err)
	}
	dsn := e.DSNFor(name)
	fail := func(err error) (Restored, error) {
		_, _ = d.Pool.Exec(context.WithoutCancel(ctx), `DROP DATABASE IF EXISTS `+pgx.Identifier{name}.Sanitize()+` WITH (FORCE)`)
		return Restored{}, fmt.Errorf("restore failed; Chelal still uses its current database: %w", err)
	}
	o.MigrateUp = false // after the check below
	h, m, err := Restore(ctx, path, dsn, o)
	if err != nil {
		return fail(err)
	}
	restored, err := db.Connect(ctx, dsn)
	if err != nil {
		return fail(err)
	}
	sums, err := Checksums(ctx, restored)
	restored.Close()
	if err != nil {
		return fail(err)
	}
	for _, t := range m.Tables {
		if sums[t.Name] != t {
			return fail(fmt.Errorf("table %s differs from the backup after loading", t.Name))
		}
	}
	if err := db.Migrate(ctx, dsn, o.Log); err != nil {
		return fail(err)
	}
	previous := db.CurrentDatabase(e.Dir())
	if err := e.SwitchDatabase(name); err != nil {
		return fail(err)
	}
	return Restored{Header: h, Database: name, Previous: previous}, nil
}
