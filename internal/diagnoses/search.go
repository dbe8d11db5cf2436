// Package diagnoses keeps an encounter's coded diagnoses (migration 0031): the bundled ICD-10
// list and its search, the clinic's favourites, and the diagnoses of an encounter (primary or
// secondary, provisional or confirmed, a new case or a follow-up).
package diagnoses

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/i18n"
)

// ICD10Code is one code of the ICD-10 list, its title in the reader's language.
type ICD10Code struct {
	Code    string `json:"code"`
	Title   string `json:"title"`
	Chapter string `json:"chapter"`
}

// ICD10List is a list of codes (a search's answer, the favourites).
type ICD10List struct {
	Items []ICD10Code `json:"items"`
}

// Search limits: the default and the most a search answers.
const (
	DefaultLimit = 20
	MaxLimit     = 50
	maxQuery     = 100
)

// titleSQL is the title of code row c in language $1: the language's own when the list has it,
// else the English column (see README.md on the bundled titles).
const titleSQL = `CASE $1::text WHEN 'fr' THEN coalesce(c.title_fr, c.title_en) WHEN 'sw' THEN coalesce(c.title_sw, c.title_en) ELSE c.title_en END`

// codeLike is what a typed code looks like: a letter, two characters, then the subcategory
// with or without its dot ("a09", "B50.9", "b509").
var codeLike = regexp.MustCompile(`^[A-Za-z][0-9][0-9A-Za-z]?\.?[0-9A-Za-z]{0,4}$`)

// NormalizeCode writes a typed code as the list does: upper case, the dot after the category.
func NormalizeCode(s string) string {
	r := []rune(strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), ".", "")))
	if len(r) > 3 {
		return string(r[:3]) + "." + string(r[3:])
	}
	return string(r)
}

// words splits a query into the words searched: letters and digits, lower case; words of one
// letter are dropped (they match everything). Accents are removed by the database (unaccent).
func words(q string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) >= 2 && len(out) < 6 {
			out = append(out, w)
		}
	}
	return out
}

// Search finds codes by code (a prefix: "J0" finds J00..J06.9) or by words of their titles in
// any of the list's languages, accents ignored; a word of 4 letters or more also matches with
// one typo (see index.match for the order).
func (s *Service) Search(ctx context.Context, lang i18n.Lang, q string, limit int) (ICD10List, error) {
	q = strings.TrimSpace(q)
	if len([]rune(q)) > maxQuery {
		q = string([]rune(q)[:maxQuery])
	}
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	out := ICD10List{Items: []ICD10Code{}}
	if q == "" {
		return out, nil
	}
	if codeLike.MatchString(q) && strings.ContainsAny(q, "0123456789") {
		items, err := db.QueryAll(ctx, s.db.Pool, scanCode, `SELECT c.code, `+titleSQL+`, c.chapter FROM core_icd10code c
			WHERE c.code LIKE $2 ORDER BY c.code LIMIT $3`, string(lang), db.EscapeLike(NormalizeCode(q))+"%", limit)
		if err != nil {
			return out, wrapSearch(err)
		}
		if len(items) > 0 {
			out.Items = items
			return out, nil
		}
		// no such code: the characters may be a word ("b12" in a title), searched below
	}
	ws := words(q)
	if len(ws) == 0 {
		return out, nil
	}
	// The words without accents, as the search texts were written (unaccent), then matched in
	// memory (index.go).
	if err := s.db.Pool.QueryRow(ctx, `SELECT array_agg(lower(unaccent(x))) FROM unnest($1::text[]) AS x`, ws).Scan(&ws); err != nil {
		return out, wrapSearch(err)
	}
	ix, err := s.loadIndex(ctx)
	if err != nil {
		return out, err
	}
	for _, i := range ix.match(ws, limit) {
		out.Items = append(out.Items, ICD10Code{Code: ix.codes[i].code, Title: ix.title(i, string(lang)), Chapter: ix.codes[i].chapter})
	}
	return out, nil
}

func scanCode(r pgx.CollectableRow) (ICD10Code, error) {
	var c ICD10Code
	err := r.Scan(&c.Code, &c.Title, &c.Chapter)
	return c, err
}

func wrapSearch(err error) error {
	if err != nil {
		return fmt.Errorf("icd-10 search: %w", err)
	}
	return nil
}
