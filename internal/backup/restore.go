package backup

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/durable"
)

// ErrPassphrase means the backup is encrypted and the passphrase is missing or wrong.
var ErrPassphrase = errors.New("the backup is encrypted: the passphrase is missing or wrong")

const ageHeader = "age-encryption.org/v1\n"

// open opens the backup file at path: decrypted, its first gzip member decompressed.
func open(path, passphrase string) (*source, func() error, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, fmt.Errorf("open backup: %w", err)
	}
	src, err := openReader(f, passphrase)
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return src, f.Close, nil
}

func openReader(r io.Reader, passphrase string) (*source, error) {
	br := bufio.NewReader(r)
	peek, _ := br.Peek(len(ageHeader))
	var in io.Reader = br
	if bytes.Equal(peek, []byte(ageHeader)) {
		if passphrase == "" {
			return nil, ErrPassphrase
		}
		id, err := age.NewScryptIdentity(passphrase)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrPassphrase, err)
		}
		dec, err := age.Decrypt(br, id)
		if err != nil {
			return nil, fmt.Errorf("%w (%v)", ErrPassphrase, err)
		}
		in = ageReader{dec}
	}
	return newSource(in)
}

// ageReader names age's failures below the header: a changed byte fails authentication.
type ageReader struct{ r io.Reader }

func (a ageReader) Read(p []byte) (int, error) {
	n, err := a.r.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
		err = damaged("the encrypted data", "it fails its authentication (%v)", err)
	}
	return n, err
}

// ReadHeader returns what a backup file says of itself, without restoring it.
func ReadHeader(path, passphrase string) (Header, error) {
	src, closeFn, err := open(path, passphrase)
	if err != nil {
		return Header{}, err
	}
	defer closeFn()
	fr, err := newFrameReader(src.gz)
	if err != nil {
		return Header{}, err
	}
	return readHeader(fr)
}

func readHeader(fr *frameReader) (Header, error) {
	kind, name, data, err := fr.next("the format version")
	if err != nil {
		return Header{}, err
	}
	if kind != 'H' {
		return Header{}, damaged(partName(kind, name), "the file does not begin with a header")
	}
	var h Header
	if err := readJSON(data, &h); err != nil {
		return h, err
	}
	return h, nil
}

// readJSON reads a JSON frame whole (its checksum checked) before decoding it.
func readJSON(data *chunkReader, v any) error {
	b, err := io.ReadAll(io.LimitReader(data, maxFileSize))
	if err != nil {
		return err
	}
	if err := data.drain(); err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return damaged(data.part, "not valid JSON (%v)", err)
	}
	return nil
}

// body is what a backup holds after its header.
type body struct {
	m     Manifest
	sums  map[string]TableSum // of the tables as read
	files map[string][]byte
}

// readBody reads a backup from after its header to its very last byte, giving each table's
// COPY data to table, and checks everything the format lets it check: frame order, frame
// checksums, the manifest's row counts and checksums, the files' checksums, the gzip CRC and
// the seal. Format 2 sequences are read into h.
func readBody(fr *frameReader, src *source, h *Header, table func(name string, data io.Reader) error,
	progress func(table string, rows int64, done, total int)) (body, error) {
	b := body{sums: map[string]TableSum{}, files: map[string][]byte{}}
	after := "the header"
	if fr.version >= 2 {
		kind, name, data, err := fr.next(after)
		if err != nil {
			return b, err
		}
		if kind != 'S' {
			return b, damaged(partName(kind, name), "the sequences were expected here")
		}
		h.Sequences = nil
		if err := readJSON(data, &h.Sequences); err != nil {
			return b, err
		}
		after = "the sequences"
	}
	stage := byte('T') // then 'F', 'M'
	for {
		kind, name, data, err := fr.next(after)
		if err != nil {
			return b, err
		}
		part := partName(kind, name)
		switch kind {
		case 'T':
			if stage != 'T' {
				return b, damaged(part, "a table after the files or the manifest")
			}
			if _, twice := b.sums[name]; twice || !slices.Contains(h.Tables, name) {
				return b, damaged(part, "not a table the header lists, or one seen twice")
			}
			s := newSummer()
			err := table(name, io.TeeReader(data, s))
			if data.err != nil {
				return b, data.err
			}
			if err != nil {
				return b, fmt.Errorf("restore %s: %w", name, err)
			}
			if err := data.drain(); err != nil {
				return b, err
			}
			b.sums[name] = s.sum(name)
			if progress != nil {
				progress(name, s.rows, len(b.sums), len(h.Tables))
			}
		case 'F':
			if fr.version < 2 || stage == 'M' {
				return b, damaged(part, "a file where none belongs")
			}
			stage = 'F'
			if _, twice := b.files[name]; twice || !fileName.MatchString(name) {
				return b, damaged(part, "not a file a backup holds, or one seen twice")
			}
			content, err := io.ReadAll(io.LimitReader(data, maxFileSize+1))
			if err != nil {
				return b, err
			}
			if len(content) > maxFileSize {
				return b, damaged(part, "larger than any file a backup holds")
			}
			if err := data.drain(); err != nil {
				return b, err
			}
			b.files[name] = content
		case 'M':
			if stage == 'M' {
				return b, damaged(part, "a second manifest")
			}
			stage = 'M'
			if err := readJSON(data, &b.m); err != nil {
				return b, err
			}
		case 'E':
			if stage != 'M' {
				return b, damaged("the manifest", "missing before the end frame")
			}
			if err := data.drain(); err != nil {
				return b, err
			}
			if _, err := fr.r.Peek(1); err == nil {
				return b, damaged("the end of the file", "data after the end frame")
			}
			if err := src.finish(fr.version); err != nil {
				return b, err
			}
			if err := compare(b.m, b.sums); err != nil {
				return b, err
			}
			return b, compareFiles(b.m.Files, b.files)
		default:
			return b, damaged(part, "after %s", after)
		}
		after = part
	}
}

// compareFiles checks the files read against the manifest.
func compareFiles(want []FileSum, got map[string][]byte) error {
	if len(want) != len(got) {
		return damaged("the files", "the manifest lists %d, the file holds %d", len(want), len(got))
	}
	for _, f := range want {
		data, ok := got[f.Name]
		sum := sha256.Sum256(data)
		if !ok || int64(len(data)) != f.Size || hex.EncodeToString(sum[:]) != f.SHA256 {
			return damaged("file "+f.Name, "it does not match the manifest")
		}
	}
	return nil
}

// CheckFile is Check of the backup file at path.
func CheckFile(path, passphrase string) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, fmt.Errorf("open backup: %w", err)
	}
	defer f.Close()
	return Check(f, passphrase)
}

// Check reads a whole backup without a database and checks all that readBody checks: what
// a restore checks as it loads. A backup that passes may still fail to load (a newer schema);
// Verify is the full proof.
func Check(r io.Reader, passphrase string) (Result, error) {
	src, err := openReader(r, passphrase)
	if err != nil {
		return Result{}, err
	}
	fr, err := newFrameReader(src.gz)
	if err != nil {
		return Result{}, err
	}
	h, err := readHeader(fr)
	if err != nil {
		return Result{Header: h}, err
	}
	b, err := readBody(fr, src, &h, func(_ string, data io.Reader) error {
		_, err := io.Copy(io.Discard, data)
		return err
	}, nil)
	return Result{Header: h, Manifest: b.m}, err
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
	// DataDir, when set, receives the backup's files (secret.key, profile images): see
	// InstallFiles.
	DataDir string
}

// Restore loads a backup into the empty database at dsn, all in one transaction: either every
// table is loaded and matches the manifest (row counts and checksums), or nothing is. With
// o.DataDir, the files of the backup (secret.key, profile images) are put into that data dir
// afterwards (InstallFiles).
func Restore(ctx context.Context, path, dsn string, o RestoreOptions) (Header, Manifest, error) {
	h, b, err := restore(ctx, path, dsn, o)
	if err != nil || o.DataDir == "" {
		return h, b.m, err
	}
	if _, _, err := InstallFiles(o.DataDir, b.files); err != nil {
		return h, b.m, err
	}
	return h, b.m, nil
}

func restore(ctx context.Context, path, dsn string, o RestoreOptions) (Header, body, error) {
	src, closeFn, err := open(path, o.Passphrase)
	if err != nil {
		return Header{}, body{}, err
	}
	defer closeFn()
	fr, err := newFrameReader(src.gz)
	if err != nil {
		return Header{}, body{}, err
	}
	h, err := readHeader(fr)
	if err != nil {
		return h, body{}, err
	}
	if o.LatestSchema != 0 && h.SchemaVersion > o.LatestSchema {
		return h, body{}, fmt.Errorf("this backup is from a newer Chelal (schema %d; this one knows up to %d): restore it with Chelal %s or newer", h.SchemaVersion, o.LatestSchema, h.ChelalVersion)
	}
	target, err := db.Connect(ctx, dsn)
	if err != nil {
		return h, body{}, err
	}
	defer target.Close()
	if err := requireEmpty(ctx, target); err != nil {
		return h, body{}, err
	}
	mg, err := db.NewMigrator(dsn, o.Log)
	if err != nil {
		return h, body{}, err
	}
	defer mg.Close()
	if err := mg.To(ctx, h.SchemaVersion); err != nil {
		return h, body{}, fmt.Errorf("prepare the schema of version %d: %w", h.SchemaVersion, err)
	}
	b, err := load(ctx, target, fr, src, &h, o)
	if err != nil {
		// Leave the database as empty as it was found.
		_ = mg.To(context.WithoutCancel(ctx), 0)
		return h, b, err
	}
	if o.MigrateUp {
		if err := mg.Up(ctx); err != nil {
			return h, b, fmt.Errorf("migrate the restored database up: %w", err)
		}
	}
	return h, b, nil
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

func load(ctx context.Context, target *db.DB, fr *frameReader, src *source, h *Header, o RestoreOptions) (body, error) {
	var b body
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
		var err error
		b, err = readBody(fr, src, h, func(name string, data io.Reader) error {
			_, err := pg.CopyFrom(ctx, data, `COPY `+pgx.Identifier{name}.Sanitize()+` FROM STDIN`)
			return err
		}, o.Progress)
		if err != nil {
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
	})
	return b, err
}

// compare checks what was read against the manifest, table by table.
func compare(m Manifest, got map[string]TableSum) error {
	if len(m.Tables) != len(got) {
		return damaged("the tables", "the manifest lists %d, the file holds %d", len(m.Tables), len(got))
	}
	for _, want := range m.Tables {
		g, ok := got[want.Name]
		switch {
		case !ok:
			return damaged("table "+want.Name, "missing")
		case g.Rows != want.Rows:
			return damaged("table "+want.Name, "%d rows, the manifest says %d", g.Rows, want.Rows)
		case g.SHA256 != want.SHA256:
			return damaged("table "+want.Name, "it does not match the manifest's checksum")
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
	if err := compareSequences(ctx, restored, h); err != nil {
		return Result{Header: h, Manifest: m}, fmt.Errorf("verify: the restored copy differs: %w", err)
	}
	return Result{Header: h, Manifest: m}, nil
}

// Checksums reads every table of d as a backup would and returns its row count and checksum.
func Checksums(ctx context.Context, d *db.DB) (map[string]TableSum, error) {
	out := map[string]TableSum{}
	err := db.Snapshot(ctx, d.Pool, func(tx pgx.Tx) error {
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
	// KeyKeptAs is where the secret.key in use before the restore was kept, when the backup's
	// differed and replaced it ("": the key did not change).
	KeyKeptAs string `json:"key_kept_as,omitempty"`
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
	h, b, err := restore(ctx, path, dsn, o)
	if err != nil {
		return fail(err)
	}
	restored, err := db.Connect(ctx, dsn)
	if err != nil {
		return fail(err)
	}
	sums, err := Checksums(ctx, restored)
	if err == nil {
		err = compareSequences(ctx, restored, h)
	}
	restored.Close()
	if err != nil {
		return fail(err)
	}
	for _, t := range b.m.Tables {
		if sums[t.Name] != t {
			return fail(fmt.Errorf("table %s differs from the backup after loading", t.Name))
		}
	}
	if err := db.Migrate(ctx, dsn, o.Log); err != nil {
		return fail(err)
	}
	var keptKey string
	undo := func() {}
	if o.DataDir != "" {
		if keptKey, undo, err = InstallFiles(o.DataDir, b.files); err != nil {
			return fail(err)
		}
	}
	previous := db.CurrentDatabase(e.Dir())
	if err := e.SwitchDatabase(name); err != nil {
		undo()
		return fail(err)
	}
	return Restored{Header: h, Database: name, Previous: previous, KeyKeptAs: keptKey}, nil
}

// compareSequences checks that every sequence of the backup has its value in d: a restore with
// sequences behind their tables fails the next insert of every row (a login's session, say).
func compareSequences(ctx context.Context, d *db.DB, h Header) error {
	want := h.Sequences
	var got map[string]int64
	err := pgx.BeginTxFunc(ctx, d.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		var err error
		got, err = sequenceValues(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(want)) {
		if g, ok := got[name]; !ok || g != want[name] {
			return damaged("the sequences", "sequence %s is at %d after the restore, the backup says %d", name, g, want[name])
		}
	}
	if h.Format >= 2 {
		return nil // the sequences frame has its own checksum
	}
	// A format 1 backup has no checksum over its sequences: what catches one damaged there is
	// a sequence behind the values of the column it feeds.
	rows, err := d.Pool.Query(ctx, `
		SELECT s.relname, t.relname, a.attname FROM pg_class s
		  JOIN pg_namespace n ON n.oid = s.relnamespace
		  JOIN pg_depend dep ON dep.objid = s.oid AND dep.classid = 'pg_class'::regclass
		   AND dep.refclassid = 'pg_class'::regclass AND dep.deptype IN ('a', 'i')
		  JOIN pg_class t ON t.oid = dep.refobjid
		  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = dep.refobjsubid
		 WHERE s.relkind = 'S' AND n.nspname = current_schema()
		 ORDER BY 1`)
	if err != nil {
		return err
	}
	type owned struct{ seq, table, column string }
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (owned, error) {
		var o owned
		err := r.Scan(&o.seq, &o.table, &o.column) // before o is read: Go leaves "return o, f(&o)" in either order
		return o, err
	})
	if err != nil {
		return err
	}
	for _, o := range list {
		var maxValue *int64
		q := fmt.Sprintf(`SELECT max(%s)::bigint FROM %s`, pgx.Identifier{o.column}.Sanitize(), pgx.Identifier{o.table}.Sanitize())
		if err := d.Pool.QueryRow(ctx, q).Scan(&maxValue); err != nil {
			return fmt.Errorf("check sequence %s: %w", o.seq, err)
		}
		if v, listed := want[o.seq]; listed && maxValue != nil && v < *maxValue {
			return damaged("the sequences", "sequence %s is at %d, behind %s.%s, which holds %d: new rows would collide", o.seq, v, o.table, o.column, *maxValue)
		}
	}
	return nil
}

// InstallFiles puts a restored backup's files into dataDir: the profile images beside those
// already there, the backup's LAN CA (installCA) and its secret.key in place of the current
// ones when they differ.
// The current key is never destroyed: it is renamed to secret.key.before-restore-TIME
// (returned), since the data it sealed may still be needed. undo puts the old key back (a
// restore that fails after this point).
func InstallFiles(dataDir string, files map[string][]byte) (keptKey string, undo func(), err error) {
	undo = func() {}
	caUndo, err := installCA(dataDir, files)
	if err != nil {
		return "", undo, err
	}
	undo = caUndo
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if name == "secret.key" || strings.HasPrefix(name, "lan/") || !fileName.MatchString(name) {
			continue
		}
		path := filepath.Join(dataDir, filepath.FromSlash(name))
		if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, files[name]) {
			continue
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return "", undo, fmt.Errorf("restore %s: %w", name, err)
		}
		if err := durable.WriteFile(path, files[name], 0o600); err != nil {
			return "", undo, fmt.Errorf("restore %s: %w", name, err)
		}
	}
	key, ok := files["secret.key"]
	if !ok {
		return "", undo, nil
	}
	if k, err := hex.DecodeString(strings.TrimSpace(string(key))); err != nil || len(k) != 32 {
		return "", undo, damaged("file secret.key", "it is not a key")
	}
	path := filepath.Join(dataDir, "secret.key")
	old, err := os.ReadFile(path)
	switch {
	case err == nil && strings.TrimSpace(string(old)) == strings.TrimSpace(string(key)):
		return "", undo, nil
	case err == nil:
		keptKey = path + ".before-restore-" + time.Now().UTC().Format("20060102-150405")
		if err := os.Rename(path, keptKey); err != nil {
			return "", undo, fmt.Errorf("keep the current secret.key aside: %w", err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return "", undo, fmt.Errorf("read the current secret.key: %w", err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return "", undo, err
	}
	if err := durable.WriteFile(path, key, 0o600); err != nil {
		if keptKey != "" {
			_ = os.Rename(keptKey, path)
		}
		return "", undo, fmt.Errorf("restore secret.key: %w", err)
	}
	undo = func() {
		if keptKey != "" {
			_ = os.Rename(keptKey, path)
		} else {
			_ = os.Remove(path)
		}
		caUndo()
	}
	return keptKey, undo, nil
}
