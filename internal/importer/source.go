package importer

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// srcRow is one row of the original database, read as JSON (to_jsonb) so that a column an
// older or newer original lacks is simply absent instead of failing the whole import.
type srcRow map[string]any

func (r srcRow) id() int64 { n, _ := r.int("id"); return n }

// str is the column as trimmed text, "" when NULL or absent.
func (r srcRow) str(k string) string {
	switch v := r[k].(type) {
	case nil:
		return ""
	case string:
		return strings.TrimSpace(v)
	case json.Number:
		return v.String()
	case bool:
		return strconv.FormatBool(v)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// opt is str as a pointer, nil when empty: an optional column stays NULL.
func (r srcRow) opt(k string) *string {
	s := r.str(k)
	if s == "" {
		return nil
	}
	return &s
}

// int is the column as an integer; ok is false when NULL, absent or not an integer.
func (r srcRow) int(k string) (int64, bool) {
	n, ok := r[k].(json.Number)
	if !ok {
		return 0, false
	}
	i, err := n.Int64()
	return i, err == nil
}

// intp is int as a pointer, nil when NULL or absent.
func (r srcRow) intp(k string) *int64 {
	if n, ok := r.int(k); ok {
		return &n
	}
	return nil
}

// num is a decimal column as exact text ("12.50"), "" when NULL or absent.
func (r srcRow) num(k string) string {
	switch v := r[k].(type) {
	case json.Number:
		return v.String()
	case string:
		return strings.TrimSpace(v)
	}
	return ""
}

func (r srcRow) boolean(k string, def bool) bool {
	if b, ok := r[k].(bool); ok {
		return b
	}
	return def
}

// jsonValue is the column as raw JSON, nil when NULL or absent.
func (r srcRow) jsonValue(k string) any { return r[k] }

// source reads the original database inside one read-only snapshot.
type source struct {
	tx pgx.Tx
}

// has says whether the original database has table (older originals lack some).
func (s source) has(ctx context.Context, table string) (bool, error) {
	var ok bool
	err := s.tx.QueryRow(ctx, `SELECT to_regclass($1) IS NOT NULL`, table).Scan(&ok)
	return ok, err
}

// each calls fn with every row of table in id order. A missing table has no rows.
func (s source) each(ctx context.Context, table string, fn func(srcRow) error) error {
	ok, err := s.has(ctx, table)
	if err != nil || !ok {
		return err
	}
	rows, err := s.tx.Query(ctx, `SELECT to_jsonb(t) FROM `+pgx.Identifier{table}.Sanitize()+` t ORDER BY t.id`)
	if err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	var raw []byte
	for rows.Next() {
		if err := rows.Scan(&raw); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		var r srcRow
		if err := d.Decode(&r); err != nil {
			return fmt.Errorf("read %s: %w", table, err)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read %s: %w", table, err)
	}
	return nil
}

// all reads every row of table, for the child tables grouped under their parent (bill items
// and payments under their bill).
func (s source) all(ctx context.Context, table string) ([]srcRow, error) {
	var out []srcRow
	err := s.each(ctx, table, func(r srcRow) error { out = append(out, r); return nil })
	return out, err
}

func jsonNumber(s string) json.Number { return json.Number(s) }
