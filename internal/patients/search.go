package patients

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/settings"
)

// Match is a search result: the patient and how well they match (1 is an exact record number).
type Match struct {
	Patient
	Score float64 `json:"score"`
}

// SearchResult is the answer to a search, best matches first. Warning says why a typed
// record number cannot be right (a wrong check digit, another clinic's prefix).
type SearchResult struct {
	Items   []Match `json:"items"`
	Warning string  `json:"warning,omitempty"`
}

// MaxSearchLimit caps how many matches a search returns.
const MaxSearchLimit = 50

var partialMRN = regexp.MustCompile(`^[A-Za-z]{1,10}-?[0-9]{3,}(-[0-9]?)?$`)

// Search finds patients from one box: names in either order, partial, without accents and with
// a typo (pg_trgm over unaccented lower-case names); a record number typed with or without
// dashes (exact, or its digits in part); or a phone number however it is spaced. Best matches
// come first. A well-formed record number with a wrong check digit is searched in part, with a
// warning that says so.
func (s *Service) Search(ctx context.Context, q string, limit int) (SearchResult, error) {
	q = strings.TrimSpace(q)
	switch {
	case limit == 0:
		limit = 20
	case limit < 1 || limit > MaxSearchLimit:
		return SearchResult{}, apperr.Invalid(apperr.FieldError{Field: "limit", Code: apperr.CodeOutOfRange, Message: fmt.Sprintf("limit must be between 1 and %d.", MaxSearchLimit)})
	}
	if utf8.RuneCountInString(q) > 100 {
		return SearchResult{}, apperr.Invalid(apperr.FieldError{Field: "q", Code: apperr.CodeTooLong, Message: "Search at most 100 characters."})
	}
	res := SearchResult{Items: []Match{}}
	if utf8.RuneCountInString(q) < 2 {
		return res, nil
	}
	prefix, err := settings.Get(ctx, s.db.Pool, settings.MRNPrefix, settings.DefaultMRNPrefix)
	if err != nil {
		return res, err
	}
	mrn, isMRN, err := ParseMRN(q, prefix)
	if err != nil {
		res.Warning = apperr.FieldsOf(err)[0].Message
		isMRN = false
	}
	var digits string
	for _, r := range q {
		if r >= '0' && r <= '9' {
			digits += string(r)
		}
	}
	hasLetters := strings.ContainsFunc(q, unicode.IsLetter)
	// A record number in part: its prefix and some digits ("CHL-0001", "chl000123").
	mrnLike := isMRN || err != nil || partialMRN.MatchString(q)

	// Each branch uses its own index; the union keeps the best score per patient.
	var branches []string
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	if isMRN {
		branches = append(branches, `SELECT p.id, 1.0::float8 AS score FROM core_patient p WHERE p.unique_id = `+arg(mrn))
	}
	// The branches read core_patientsearch (s), whose columns are computed at each change.
	if len(digits) >= 3 && (mrnLike || !hasLetters) {
		// Digits match a record number (or, without letters, a phone number); a longer share of
		// the number ranks higher.
		d, n := arg("%"+digits+"%"), arg(len(digits))
		branches = append(branches,
			`SELECT s.patient_id AS id, 0.5 + 0.4 * `+n+`::float8 / greatest(length(s.id_digits), 1) AS score
			   FROM core_patientsearch s WHERE s.id_digits LIKE `+d)
		if !hasLetters {
			if tail := strings.TrimLeft(digits, "0"); len(tail) >= 6 {
				// The end of a phone number (typed whole, or without its 0 or country code).
				branches = append(branches,
					`SELECT s.patient_id AS id, 0.6 + 0.4 * `+n+`::float8 / greatest(length(s.phone_digits), 1) AS score
					   FROM core_patientsearch s WHERE reverse(s.phone_digits) LIKE `+arg(reverse(tail)+"%"))
			} else {
				branches = append(branches,
					`SELECT s.patient_id AS id, 0.5 + 0.4 * `+n+`::float8 / greatest(length(s.phone_digits), 1) AS score
					   FROM core_patientsearch s WHERE s.phone_digits LIKE `+d)
			}
		}
	}
	if hasLetters && !mrnLike {
		// Every word typed must match a word of the name: closely (strict word similarity:
		// a typo, accents ignored) or as part of it (typing in progress). Words in any order.
		// Each typed word is matched against the dictionary of the words of all names
		// (core_nameword: tens of thousands of rows, not a million), keeping its best dozen
		// matches; the patients whose names hold a match of every typed word are then found by
		// exact words through a GIN index; a patient's score is the mean of each typed word's
		// best match in their name.
		var values []string
		var conds []string
		for _, w := range strings.Fields(strings.ToLower(q)) {
			if utf8.RuneCountInString(w) < 3 || len(values) == 4 {
				continue // too short to tell names apart; the other words decide
			}
			i := len(values) + 1
			values = append(values, fmt.Sprintf("(%d, chelal_unaccent(%s), chelal_unaccent(%s))", i, arg(w), arg(db.EscapeLike(w))))
			conds = append(conds, fmt.Sprintf("s.words && (SELECT array_agg(word) FROM d WHERE i = %d)", i))
		}
		if len(values) > 0 {
			branches = append(branches, `
				SELECT id, score FROM (
				  WITH q (i, w, l) AS (VALUES `+strings.Join(values, ", ")+`),
				       d AS MATERIALIZED (
				         SELECT q.i, m.word, m.sim FROM q CROSS JOIN LATERAL (
				           SELECT n.word, greatest(strict_word_similarity(q.w, n.word),
				                    CASE WHEN n.word LIKE q.l || '%' THEN 0.95 WHEN n.word LIKE '%' || q.l || '%' THEN 0.6 ELSE 0 END) AS sim
				             FROM core_nameword n
				            WHERE q.w <<% n.word OR n.word LIKE '%' || q.l || '%'
				            ORDER BY 2 DESC, 1 LIMIT 12) m)
				  SELECT s.patient_id AS id,
				         ((SELECT sum(b) FROM (SELECT max(d.sim) AS b FROM d WHERE d.word = ANY (s.words) GROUP BY d.i) x) / `+fmt.Sprint(len(values))+`)::float8 AS score
				    FROM core_patientsearch s
				   WHERE `+strings.Join(conds, " AND ")+`) names`)
		}
	}
	// An old record number of an imported patient (alias.go).
	if b := aliasBranch(q, arg); b != "" {
		branches = append(branches, b)
	}
	if len(branches) == 0 {
		return res, nil
	}
	sql := `
		WITH hits AS (` + strings.Join(branches, " UNION ALL ") + `),
		     best AS (SELECT id, max(score) AS score FROM hits GROUP BY id ORDER BY max(score) DESC, id LIMIT ` + arg(limit) + `)
		SELECT ` + patientColumns + `, b.score
		  FROM best b JOIN core_patient p ON p.id = b.id
		 ORDER BY b.score DESC, p.last_name, p.first_name, p.id`
	// A read-only transaction only to scope the threshold of a word's match (pg_trgm's strict
	// word similarity): 0.3 takes a missing, wrong or swapped letter in each word; all the words
	// must match, which keeps unrelated names out.
	err = pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SET LOCAL pg_trgm.strict_word_similarity_threshold = 0.3`); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, sql, args...)
		if err != nil {
			return err
		}
		res.Items, err = pgx.CollectRows(rows, db.RowTo[Match])
		return err
	})
	if err != nil {
		return res, fmt.Errorf("search patients: %w", err)
	}
	return res, nil
}

// DuplicateQuery describes a patient about to be registered.
type DuplicateQuery struct {
	FirstName, LastName, DateOfBirth, ContactInfo string
}

// Duplicates returns likely duplicates of a patient about to be registered: a similar name with
// the same date of birth, or the same phone number.
func (s *Service) Duplicates(ctx context.Context, q DuplicateQuery) ([]Patient, error) {
	var f apperr.Fields
	if strings.TrimSpace(q.FirstName) == "" && strings.TrimSpace(q.LastName) == "" && strings.TrimSpace(q.ContactInfo) == "" {
		f.Add("last_name", apperr.CodeRequired, "Give a name or a phone number to compare.")
	}
	if len(q.FirstName) > 400 || len(q.LastName) > 400 || len(q.ContactInfo) > 1000 {
		f.Add("last_name", apperr.CodeTooLong, "Too long.")
	}
	if q.DateOfBirth != "" && !isDate(q.DateOfBirth) {
		f.Add("date_of_birth", apperr.CodeInvalid, "Date of birth must be a date (YYYY-MM-DD).")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return duplicates(ctx, s.db.Pool, q)
}

func duplicates(ctx context.Context, q db.Querier, d DuplicateQuery) ([]Patient, error) {
	name := strings.ToLower(strings.TrimSpace(d.FirstName) + " " + strings.TrimSpace(d.LastName))
	phone := ""
	for _, r := range d.ContactInfo {
		if r >= '0' && r <= '9' {
			phone += string(r)
		}
	}
	var dob any
	if d.DateOfBirth != "" {
		dob = d.DateOfBirth
	}
	rows, err := q.Query(ctx, `
		SELECT `+patientColumns+`
		  FROM core_patient p JOIN core_patientsearch s ON s.patient_id = p.id
		 WHERE ($2::date IS NOT NULL AND p.date_of_birth = $2::date
		        AND similarity(s.name, chelal_unaccent($1)) >= 0.45)
		    OR (length($3) >= 7 AND s.phone_digits = $3)
		 ORDER BY p.id
		 LIMIT 10`, name, dob, phone)
	if err != nil {
		return nil, fmt.Errorf("duplicates: %w", err)
	}
	return pgx.CollectRows(rows, db.RowTo[Patient])
}

func isDate(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

func reverse(s string) string {
	b := []byte(s) // ASCII digits only
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return string(b)
}
