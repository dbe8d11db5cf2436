package db

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/diagnoses/icd10data"
)

// loadICD10 brings core_icd10code up to the bundled ICD-10 list (internal/diagnoses/icd10data)
// after the migrations: nothing when core_icd10source already has the bundled file's checksum
// (one query at each start), else every code inserted or updated in one transaction (codes are
// never deleted: diagnoses refer to them). Concurrent starts wait on an advisory lock.
func loadICD10(ctx context.Context, dsn string) (loaded bool, err error) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return false, fmt.Errorf("icd-10 list: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	sum := icd10data.Sum()
	var have string
	err = conn.QueryRow(ctx, `SELECT coalesce((SELECT sha256 FROM core_icd10source), '')`).Scan(&have)
	if err != nil || have == sum {
		return false, wrapICD10(err)
	}
	codes, err := icd10data.Codes()
	if err != nil {
		return false, err
	}
	err = pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('chelal_icd10_load'))`); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `SELECT coalesce((SELECT sha256 FROM core_icd10source), '')`).Scan(&have); err != nil || have == sum {
			return err // another start loaded it meanwhile
		}
		loaded = true
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE icd10_in (code text, chapter text, parent text, title_en text, title_fr text) ON COMMIT DROP`); err != nil {
			return err
		}
		rows := make([][]any, len(codes))
		for i, c := range codes {
			rows[i] = []any{c.Code, c.Chapter, c.Parent, c.TitleEN, c.TitleFR}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"icd10_in"}, []string{"code", "chapter", "parent", "title_en", "title_fr"},
			pgx.CopyFromRows(rows)); err != nil {
			return err
		}
		// title_en is NOT NULL: while the list has no English title, the French one stands in.
		// search: the code with and without its dot and every title, lower case, no accents.
		if _, err := tx.Exec(ctx, `
			INSERT INTO core_icd10code AS c (code, chapter, parent, title_en, title_fr, search)
			SELECT code, chapter, nullif(parent, ''), coalesce(nullif(title_en, ''), title_fr), nullif(title_fr, ''),
			       lower(unaccent(code || ' ' || replace(code, '.', '') || ' ' || coalesce(nullif(title_en, ''), title_fr) || ' ' || title_fr))
			  FROM icd10_in
			ON CONFLICT (code) DO UPDATE SET chapter = EXCLUDED.chapter, parent = EXCLUDED.parent,
			       title_en = EXCLUDED.title_en, title_fr = EXCLUDED.title_fr,
			       search = lower(unaccent(EXCLUDED.search || ' ' || coalesce(c.title_sw, '')))
			 WHERE (c.chapter, c.parent, c.title_en, c.title_fr) IS DISTINCT FROM
			       (EXCLUDED.chapter, EXCLUDED.parent, EXCLUDED.title_en, EXCLUDED.title_fr)`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `ANALYZE core_icd10code`); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO core_icd10source (id, sha256, codes, loaded_at) VALUES (1, $1, $2, now())
			ON CONFLICT (id) DO UPDATE SET sha256 = EXCLUDED.sha256, codes = EXCLUDED.codes, loaded_at = EXCLUDED.loaded_at`,
			sum, len(codes))
		return err
	})
	return loaded && err == nil, wrapICD10(err)
}

func wrapICD10(err error) error {
	if err != nil {
		return fmt.Errorf("icd-10 list: %w", err)
	}
	return nil
}

// LoadICD10 is loadICD10 for the benchmark and the tests: whether it loaded, and how long it took.
func LoadICD10(ctx context.Context, dsn string) (bool, time.Duration, error) {
	t := time.Now()
	loaded, err := loadICD10(ctx, dsn)
	return loaded, time.Since(t), err
}
