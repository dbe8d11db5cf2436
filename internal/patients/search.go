package patients

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Match is a search result: the patient and how well they match (1 is an exact record number
// or every word of the name exact; lower is looser).
type Match struct {
	Patient
	Score float64 `json:"score"`
}

// searchRow is a row of a name search's page: the patient, its sort key and the match count.
type searchRow struct {
	Patient
	Rank  int64 `db:"search_rank"`
	Visit int64 `db:"search_visit"`
	Total int   `db:"search_total"`
}

// SearchResult is one page of the answer to a search, best matches first. Warning says why a
// typed record number cannot be right (a wrong check digit, another clinic's prefix). Total
// counts every match (all pages) up to SearchCountCap; when more match, Total is the cap and
// TotalCapped is true ("more than Total"): the pages still reach every match. NextCursor, when
// set, fetches the next page.
type SearchResult struct {
	Items       []Match `json:"items"`
	Warning     string  `json:"warning,omitempty"`
	Total       int     `json:"total" doc:"how many patients match, all pages; at most the count cap (500), see total_capped"`
	TotalCapped bool    `json:"total_capped" doc:"more patients match than total (the count stops at its cap): say 'more than total'; next_cursor still reaches every one"`
	NextCursor  *string `json:"next_cursor"`
}

// maxMRNDigits is the most digits a record number holds (8 for the number, 1 check digit).
const maxMRNDigits = 9

// MaxSearchLimit caps how many matches a page of search returns.
const MaxSearchLimit = 50

var partialMRN = regexp.MustCompile(`^[A-Za-z]{1,10}-?[0-9]{3,}(-[0-9]?)?$`)

// SearchQuery is what a search box sends: the text, the page size (default 20) and the cursor
// of the page before (empty: the first page).
type SearchQuery struct {
	Q      string
	Limit  int
	Cursor string
}

// Search returns the first page of a search (see SearchPage).
func (s *Service) Search(ctx context.Context, q string, limit int) (SearchResult, error) {
	return s.SearchPage(ctx, SearchQuery{Q: q, Limit: limit})
}

// SearchPage finds patients from one box: a name (see nameSearch: every word typed, in any
// order, exact, as the beginning of a name word, or with one typo, accents ignored); a record
// number typed with or without dashes (exact, or its digits in part); or a phone number however
// it is spaced. A well-formed record number with a wrong check digit is searched in part, with
// a warning that says so. Every match is counted (Total) and reachable page by page.
//
// Order: how well the words match (see nameSearch; for numbers, an exact record number, then
// the longest share of the number), then the most recent visit first (check-in or encounter;
// never visited last), then the oldest record first (id): a total order, which the cursor
// continues exactly.
func (s *Service) SearchPage(ctx context.Context, in SearchQuery) (SearchResult, error) {
	q, limit := strings.TrimSpace(in.Q), in.Limit
	var f apperr.Fields
	switch {
	case limit == 0:
		limit = 20
	case limit < 1 || limit > MaxSearchLimit:
		f.Add("limit", apperr.CodeOutOfRange, fmt.Sprintf("limit must be between 1 and %d.", MaxSearchLimit))
	}
	if utf8.RuneCountInString(q) > 100 {
		f.Add("q", apperr.CodeTooLong, "Search at most 100 characters.")
	}
	after, ok := decodeSearchCursor(in.Cursor)
	if !ok {
		f.Add("cursor", apperr.CodeInvalid, "Use the next_cursor of the previous page.")
	}
	if err := f.Err(); err != nil {
		return SearchResult{}, err
	}
	res := SearchResult{Items: []Match{}}
	if utf8.RuneCountInString(q) < 2 {
		return res, nil
	}
	prefix, err := s.mrnPrefix(ctx)
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

	// Each branch gives (id, rank, visit): rank 0 is best; visit orders the most recent visit
	// first. Each branch uses its own index.
	const visit = visitKey
	var branches []string
	args := []any{}
	arg := func(v any) string {
		args = append(args, v)
		return fmt.Sprintf("$%d", len(args))
	}
	// hide passes a value through the one-row CTE "a", read back by a sub-select: the planner
	// cannot see it, so a prepared statement keeps one generic plan (pgx prepares each
	// statement once per connection) instead of being planned again at each search, as it is
	// when a plan with the values looks cheaper (a range of phone numbers, a name's keys).
	// Planning was measured at about a third of the database's time of a name search.
	var hidden []string
	hide := func(expr string) string {
		hidden = append(hidden, fmt.Sprintf("%s AS a%d", expr, len(hidden)+1))
		return fmt.Sprintf("(SELECT a%d FROM a)", len(hidden))
	}
	if isMRN {
		branches = append(branches, `SELECT s.patient_id AS id, 0 AS rank, `+visit+` AS visit
			   FROM core_patient p JOIN core_patientsearch s ON s.patient_id = p.id WHERE p.unique_id = `+arg(mrn))
	}
	if len(digits) >= 3 && !isMRN && (mrnLike || !hasLetters) {
		// Digits match a record number (or, without letters, a phone number); a longer share of
		// the number ranks higher. A whole, valid record number is that patient alone: record
		// numbers have one length, so no other one holds its digits.
		n, like := arg(len(digits)), "%"+digits+"%"
		rank := func(col string, base float64) string {
			return fmt.Sprintf(`(1000 - round(1000 * (%g + 0.4 * %s::float8 / greatest(length(s.%s), 1))))::int`, base, n, col)
		}
		// Ten digits or more are a phone number: no record number is that long (the digits of
		// one of the hundred millionth patient are nine), and the record numbers' trigram index
		// would cost a millisecond to say so.
		if len(digits) <= maxMRNDigits {
			branches = append(branches,
				`SELECT s.patient_id AS id, `+rank("id_digits", 0.5)+` AS rank, `+visit+` AS visit
				   FROM core_patientsearch s WHERE s.id_digits LIKE `+arg(like))
		}
		if !hasLetters {
			if tail := strings.TrimLeft(digits, "0"); len(tail) >= 6 {
				// The end of a phone number (typed whole, or without its 0 or country code): the
				// stored numbers whose reverse begins with the reversed tail, as a range of the
				// index (not LIKE 'x%', which a prepared statement's generic plan cannot turn into
				// a range: each search would be planned again). Digits only: the range ends at the
				// tail with its last digit one higher (':' follows '9').
				from := reverse(tail)
				to := from[:len(from)-1] + string(from[len(from)-1]+1)
				branches = append(branches,
					`SELECT s.patient_id AS id, `+rank("phone_digits", 0.6)+` AS rank, `+visit+` AS visit
					   FROM core_patientsearch s WHERE reverse(s.phone_digits) ~>=~ `+hide(arg(from)+"::text")+` AND reverse(s.phone_digits) ~<~ `+hide(arg(to)+"::text"))
			} else {
				branches = append(branches,
					`SELECT s.patient_id AS id, `+rank("phone_digits", 0.5)+` AS rank, `+visit+` AS visit
					   FROM core_patientsearch s WHERE s.phone_digits LIKE `+arg(like))
			}
		}
	}
	if hasLetters && !mrnLike {
		words := SearchWords(q)
		if !isMRN && aliasKey(q) == "" && len(words) > 0 {
			// A name alone: the index in memory answers, when it is ready (nameindex.go).
			keys, total, err := s.indexedSearch(ctx, words, after, limit)
			if err == nil {
				return s.pageOf(ctx, res, keys, total, limit)
			}
			if !errors.Is(err, errNoIndex) {
				return res, err
			}
		}
		if branch := nameSearch(words, visit, arg, hide); branch != "" {
			branches = append(branches, branch)
		}
	}
	// An old record number of an imported patient (alias.go).
	if b := aliasBranch(q, visit, arg); b != "" {
		branches = append(branches, b)
	}
	if len(branches) == 0 {
		return res, nil
	}
	ranked := `ranked AS MATERIALIZED (` + branches[0] + `)`
	if len(branches) > 1 { // the best rank of each patient
		ranked = `hits AS (` + strings.Join(branches, " UNION ALL ") + `),
		     ranked AS MATERIALIZED (SELECT id, min(rank) AS rank, visit FROM hits GROUP BY id, visit)`
	}
	// The page's bounds are hidden too: a plan that knows the LIMIT differs from the generic one.
	bound := hide(arg(after.rank)+"::bigint") + `, ` + hide(arg(after.visit)+"::bigint") + `, ` + hide(arg(after.id)+"::bigint")
	pageLimit := hide(arg(limit+1) + "::bigint")
	ranked = `WITH a AS MATERIALIZED (SELECT ` + strings.Join(hidden, ", ") + `),
		     ` + ranked
	page := ranked + `,
		     page AS (SELECT id, rank, visit FROM ranked WHERE (rank, visit, id) > (` + bound + `)
		               ORDER BY rank, visit, id LIMIT ` + pageLimit + `)
		SELECT ` + patientColumns + `, g.rank AS search_rank, g.visit AS search_visit, (SELECT count(*) FROM ranked) AS search_total
		  FROM page g JOIN core_patient p ON p.id = g.id
		 ORDER BY g.rank, g.visit, g.id`
	rows, err := s.db.Pool.Query(ctx, page, args...)
	if err != nil {
		return res, fmt.Errorf("search patients: %w", err)
	}
	var keys []searchKey
	res.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Match, error) {
		row, err := db.RowTo[searchRow](r)
		k := searchKey{rank: row.Rank, visit: row.Visit, id: row.ID}
		res.Total = row.Total
		keys = append(keys, k)
		return Match{Patient: row.Patient, Score: scoreOf(k.rank)}, err
	})
	if err != nil {
		return res, fmt.Errorf("search patients: %w", err)
	}
	if len(res.Items) > limit {
		res.Items = res.Items[:limit]
		c := keys[limit-1].encode()
		res.NextCursor = &c
	}
	if len(res.Items) == 0 && in.Cursor != "" { // past the last page: the count alone
		if err := s.db.Pool.QueryRow(ctx, ranked+` SELECT count(*) FROM ranked`, args...).Scan(&res.Total); err != nil {
			return res, fmt.Errorf("search patients: %w", err)
		}
	}
	s.capTotal(&res)
	return res, nil
}

func (s *Service) capTotal(res *SearchResult) {
	if res.Total > s.countCap() {
		res.Total, res.TotalCapped = s.countCap(), true
	}
}

// pageOf completes a page found in the index: the patients of keys (limit+1 at most, in
// order), read by id, and the count.
func (s *Service) pageOf(ctx context.Context, res SearchResult, keys []searchKey, total, limit int) (SearchResult, error) {
	res.Total = total
	s.capTotal(&res)
	if len(keys) > limit {
		keys = keys[:limit]
		c := keys[limit-1].encode()
		res.NextCursor = &c
	}
	if len(keys) == 0 {
		return res, nil
	}
	ids := make([]int64, len(keys))
	for i, k := range keys {
		ids[i] = k.id
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT `+patientColumns+` FROM core_patient p WHERE p.id = ANY($1)`, ids)
	if err != nil {
		return res, fmt.Errorf("search patients: %w", err)
	}
	found, err := pgx.CollectRows(rows, db.RowTo[Patient])
	if err != nil {
		return res, fmt.Errorf("search patients: %w", err)
	}
	byID := make(map[int64]Patient, len(found))
	for _, p := range found {
		byID[p.ID] = p
	}
	for _, k := range keys {
		if p, ok := byID[k.id]; ok { // else deleted since the index was read
			res.Items = append(res.Items, Match{Patient: p, Score: scoreOf(k.rank)})
		}
	}
	return res, nil
}

// SearchCountCap is the most matches a search reports: past it, Total is the cap and
// TotalCapped says that more match ("more than 500"). The count itself is still exact here
// (the ranked matches are counted); the cap lets a cheaper count stop early (see
// bench/patients/NOTES.md: the tiered search that did so was measured slower and undone).
const SearchCountCap = 500

func (s *Service) countCap() int {
	if s.searchCountCap > 0 {
		return s.searchCountCap
	}
	return SearchCountCap
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
