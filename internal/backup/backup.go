package backup

import (
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"filippo.io/age"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/durable"
)

// Extension is the file name extension of Chelal backups.
const Extension = ".chelal-backup"

// Options says how to write a backup.
type Options struct {
	ChelalVersion string
	// Passphrase, when set, encrypts the backup (age, scrypt): a stolen USB stick does not
	// expose patients. Without it the backup cannot be restored.
	Passphrase string
	// Progress, when set, is told each table as it is written.
	Progress func(table string, done, total int)
	// Now names the file (default time.Now): schedules and their tests share one clock.
	Now func() time.Time
	// DataDir, when set, is Chelal's data dir: its secret.key (without which no 2FA secret
	// can be read) and its profile images go into the backup too.
	DataDir string
}

// scryptWorkFactor, when set, replaces age's default (tests: thousands of decryptions).
var scryptWorkFactor int

// Create writes a backup of d into dir under a new name and returns its path. The file is
// written under a temporary name, fsynced and only then renamed: a partial file is never
// taken for a backup.
func Create(ctx context.Context, d *db.DB, dir string, o Options) (string, Manifest, error) {
	// Only the folder itself is created, never its parents: a folder on a USB drive that is
	// unplugged must fail, not quietly fill the system disk under the empty mount point.
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
		return "", Manifest{}, fmt.Errorf("backup folder %s: %w", dir, err)
	}
	removeStalePartials(dir)
	now := time.Now
	if o.Now != nil {
		now = o.Now
	}
	name := fmt.Sprintf("chelal-%s-%s%s", now().UTC().Format("20060102-150405"), uuid.NewString()[:8], Extension)
	final := filepath.Join(dir, name)
	tmp := final + ".partial"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return "", Manifest{}, fmt.Errorf("create backup file: %w", err)
	}
	fail := func(err error) (string, Manifest, error) {
		_ = f.Close()
		_ = os.Remove(tmp)
		return "", Manifest{}, err
	}
	var out io.WriteCloser = nopCloser{f}
	if o.Passphrase != "" {
		rcp, err := age.NewScryptRecipient(o.Passphrase)
		if err != nil {
			return fail(fmt.Errorf("backup passphrase: %w", err))
		}
		if scryptWorkFactor > 0 {
			rcp.SetWorkFactor(scryptWorkFactor)
		}
		if out, err = age.Encrypt(f, rcp); err != nil {
			return fail(fmt.Errorf("encrypt backup: %w", err))
		}
	}
	// The first gzip member holds the frames; the seal after it, the SHA-256 of its bytes.
	member := hashingWriter{w: out, h: sha256.New()}
	gz := gzip.NewWriter(member)
	_, m, err := Write(ctx, d, gz, o)
	if err != nil {
		return fail(err)
	}
	if err := gz.Close(); err != nil {
		return fail(fmt.Errorf("write backup: %w", err))
	}
	if _, err := out.Write(sealMember(member.h.Sum(nil))); err != nil {
		return fail(fmt.Errorf("write backup: %w", err))
	}
	if err := out.Close(); err != nil {
		return fail(fmt.Errorf("write backup: %w", err))
	}
	if err := f.Sync(); err != nil {
		return fail(fmt.Errorf("sync backup: %w", err))
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return "", Manifest{}, fmt.Errorf("write backup: %w", err)
	}
	if err := os.Rename(tmp, final); err != nil {
		_ = os.Remove(tmp)
		return "", Manifest{}, fmt.Errorf("finish backup: %w", err)
	}
	_ = durable.SyncDir(dir) // the backup is in place; a folder that cannot be synced changes nothing
	return final, m, nil
}

// removeStalePartials deletes what backups killed half-way left behind. A backup being written
// touches its file all the time; one untouched for ten minutes is dead.
func removeStalePartials(dir string) {
	partials, _ := filepath.Glob(filepath.Join(dir, "*"+Extension+".partial"))
	for _, p := range partials {
		if st, err := os.Stat(p); err == nil && time.Since(st.ModTime()) > 10*time.Minute {
			_ = os.Remove(p)
		}
	}
}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// Write writes the frames of one consistent snapshot of every table of d to w (not compressed,
// without the seal Create adds): a single REPEATABLE READ, read-only transaction, so concurrent
// writers neither block nor tear it. The files of o.DataDir follow the tables.
func Write(ctx context.Context, d *db.DB, w io.Writer, o Options) (Header, Manifest, error) {
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return Header{}, Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer conn.Release()
	tx, err := db.BeginSnapshot(ctx, conn)
	if err != nil {
		return Header{}, Manifest{}, fmt.Errorf("backup: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	h := Header{Format: formatVersion, ChelalVersion: o.ChelalVersion, CreatedAt: time.Now().UTC()}
	var dirty bool
	if err := tx.QueryRow(ctx, `SELECT version, dirty FROM schema_migrations`).Scan(&h.SchemaVersion, &dirty); err != nil {
		return h, Manifest{}, fmt.Errorf("backup: schema version: %w", err)
	}
	if dirty {
		return h, Manifest{}, errors.New("backup: the schema is dirty (an interrupted migration): run `chelal migrate up` first")
	}
	if err := tx.QueryRow(ctx, `SHOW server_version`).Scan(&h.PostgresVersion); err != nil {
		return h, Manifest{}, err
	}
	if h.Tables, err = tablesInRestoreOrder(ctx, tx); err != nil {
		return h, Manifest{}, err
	}
	seqs, err := sequenceValues(ctx, tx)
	if err != nil {
		return h, Manifest{}, err
	}
	fw, err := newFrameWriter(w)
	if err != nil {
		return h, Manifest{}, err
	}
	if err := writeJSONFrame(fw, 'H', h); err != nil {
		return h, Manifest{}, err
	}
	if err := writeJSONFrame(fw, 'S', seqs); err != nil {
		return h, Manifest{}, err
	}
	h.Sequences = seqs
	var m Manifest
	for i, table := range h.Tables {
		if o.Progress != nil {
			o.Progress(table, i, len(h.Tables))
		}
		sum, err := copyTable(ctx, tx, fw, table)
		if err != nil {
			return h, m, err
		}
		m.Tables = append(m.Tables, sum)
	}
	if o.DataDir != "" {
		if m.Files, err = writeFiles(fw, o.DataDir); err != nil {
			return h, m, err
		}
	}
	m.Finished = time.Now().UTC()
	if err := writeJSONFrame(fw, 'M', m); err != nil {
		return h, m, err
	}
	if err := fw.begin('E', ""); err != nil {
		return h, m, err
	}
	if err := fw.endFrame(); err != nil {
		return h, m, err
	}
	if err := fw.flush(); err != nil {
		return h, m, fmt.Errorf("write backup: %w", err)
	}
	return h, m, nil
}

func writeJSONFrame(fw *frameWriter, kind byte, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if err := fw.begin(kind, ""); err != nil {
		return err
	}
	if _, err := fw.Write(b); err != nil {
		return err
	}
	return fw.endFrame()
}

// summer counts rows (COPY text has one line per row) and hashes what passes through it.
type summer struct {
	h    hash.Hash
	rows int64
}

func newSummer() *summer { return &summer{h: sha256.New()} }

func (s *summer) Write(p []byte) (int, error) {
	s.h.Write(p)
	for _, b := range p {
		if b == '\n' {
			s.rows++
		}
	}
	return len(p), nil
}

func (s *summer) sum(table string) TableSum {
	return TableSum{Name: table, Rows: s.rows, SHA256: hex.EncodeToString(s.h.Sum(nil))}
}

// copyQuery is the COPY that reads a table in a stable order (its primary key).
func copyQuery(ctx context.Context, q pgx.Tx, table string) (string, error) {
	rows, err := q.Query(ctx, `
		SELECT a.attname FROM pg_index i
		  JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey::int2[])
		 WHERE i.indrelid = $1::regclass AND i.indisprimary
		 ORDER BY array_position(i.indkey::int2[], a.attnum)`, pgx.Identifier{table}.Sanitize())
	if err != nil {
		return "", err
	}
	cols, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	order := "1"
	if len(cols) > 0 {
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = pgx.Identifier{c}.Sanitize()
		}
		order = strings.Join(quoted, ", ")
	}
	return fmt.Sprintf(`COPY (SELECT * FROM %s ORDER BY %s) TO STDOUT`, pgx.Identifier{table}.Sanitize(), order), nil
}

func copyTable(ctx context.Context, tx pgx.Tx, fw *frameWriter, table string) (TableSum, error) {
	sql, err := copyQuery(ctx, tx, table)
	if err != nil {
		return TableSum{}, fmt.Errorf("backup %s: %w", table, err)
	}
	if err := fw.begin('T', table); err != nil {
		return TableSum{}, err
	}
	s := newSummer()
	if _, err := tx.Conn().PgConn().CopyTo(ctx, io.MultiWriter(fw, s), sql); err != nil {
		return TableSum{}, fmt.Errorf("backup %s: %w", table, err)
	}
	if err := fw.endFrame(); err != nil {
		return TableSum{}, err
	}
	return s.sum(table), nil
}

// tablesInRestoreOrder lists Chelal's tables with every table after the tables it references.
func tablesInRestoreOrder(ctx context.Context, tx pgx.Tx) ([]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND c.relname <> 'schema_migrations'
		 ORDER BY c.relname`)
	if err != nil {
		return nil, fmt.Errorf("backup: tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	rows, err = tx.Query(ctx, `
		SELECT c.relname, p.relname FROM pg_constraint k
		  JOIN pg_class c ON c.oid = k.conrelid JOIN pg_class p ON p.oid = k.confrelid
		  JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE k.contype = 'f' AND n.nspname = current_schema() AND c.oid <> p.oid`)
	if err != nil {
		return nil, fmt.Errorf("backup: references: %w", err)
	}
	deps := map[string][]string{}
	for rows.Next() {
		var child, parent string
		if err := rows.Scan(&child, &parent); err != nil {
			return nil, err
		}
		deps[child] = append(deps[child], parent)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var order []string
	done := map[string]bool{}
	var visit func(t string, path []string) error
	visit = func(t string, path []string) error {
		if done[t] {
			return nil
		}
		if slices.Contains(path, t) {
			return fmt.Errorf("backup: tables reference each other in a cycle: %v", append(path, t))
		}
		parents := slices.Clone(deps[t])
		slices.Sort(parents)
		for _, p := range parents {
			if err := visit(p, append(path, t)); err != nil {
				return err
			}
		}
		done[t] = true
		order = append(order, t)
		return nil
	}
	for _, t := range tables {
		if err := visit(t, nil); err != nil {
			return nil, err
		}
	}
	return order, nil
}

func sequenceValues(ctx context.Context, tx pgx.Tx) (map[string]int64, error) {
	rows, err := tx.Query(ctx, `SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL`)
	if err != nil {
		return nil, fmt.Errorf("backup: sequences: %w", err)
	}
	return db.CollectMap[string, int64](rows)
}

// dataFiles lists the files of a data dir a restore needs, as slash-separated paths relative
// to it: secret.key (the key of every stored 2FA secret), the LAN CA and the profile images.
func dataFiles(dataDir string) ([]string, error) {
	var out []string
	if st, err := os.Stat(filepath.Join(dataDir, "secret.key")); err == nil && st.Mode().IsRegular() {
		out = append(out, "secret.key")
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: secret.key: %w", err)
	}
	// The clinic's LAN CA: a computer restored from this backup keeps the authority every
	// workstation already trusts. Both files or neither.
	if caFilesPresent(dataDir) {
		out = append(out, caFiles...)
	}
	entries, err := os.ReadDir(filepath.Join(dataDir, "media", "profile"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("backup: profile images: %w", err)
	}
	for _, e := range entries {
		if name := "media/profile/" + e.Name(); e.Type().IsRegular() && fileName.MatchString(name) {
			out = append(out, name)
		}
	}
	return out, nil
}

// writeFiles writes a frame for each file of dataFiles.
func writeFiles(fw *frameWriter, dataDir string) ([]FileSum, error) {
	names, err := dataFiles(dataDir)
	if err != nil {
		return nil, err
	}
	var sums []FileSum
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(name)))
		if errors.Is(err, fs.ErrNotExist) {
			continue // an image replaced meanwhile
		}
		if err != nil {
			return nil, fmt.Errorf("backup %s: %w", name, err)
		}
		if len(data) > maxFileSize {
			return nil, fmt.Errorf("backup %s: %d bytes is more than a backup holds (%d)", name, len(data), maxFileSize)
		}
		if err := fw.begin('F', name); err != nil {
			return nil, err
		}
		if _, err := fw.Write(data); err != nil {
			return nil, err
		}
		if err := fw.endFrame(); err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		sums = append(sums, FileSum{Name: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])})
	}
	return sums, nil
}
