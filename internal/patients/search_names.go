package patients

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/settings"
)

// maxSearchWords caps the words of a name search that must match (the others are ignored).
const maxSearchWords = 6

// SearchWords splits what was typed into the words a name search matches: lower case,
// apostrophes dropped ("Ng'ang'a" is one word, as names are stored), any other character that is
// not a letter or a digit a break. Words of one letter are left out (an initial matches too much
// to tell anyone apart; the other words decide). Accents are removed by the database
// (chelal_unaccent), as in the stored names.
func SearchWords(q string) []string {
	q = strings.ToLower(q)
	q = strings.Map(func(r rune) rune {
		switch r {
		case '\'', '’', 'ʼ', '`':
			return -1
		}
		return r
	}, q)
	var out []string
	for _, w := range strings.FieldsFunc(q, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if utf8.RuneCountInString(w) >= 2 && len(out) < maxSearchWords {
			out = append(out, w)
		}
	}
	return out
}

// The ways a typed word matches a word of a name, best first.
const (
	matchExact  = 0
	matchPrefix = 1 // the typed word begins the name's word
	matchTypo   = 2 // one typo: removing at most one letter from each makes them equal (4+ letters typed)
)

// wordMatch is a dictionary word that typed word i (from 1) matches, and how (matchExact...).
type wordMatch struct {
	i    int
	word string
	cls  int
}

// nameMatches matches the typed words against the dictionary of name words (core_nameword,
// tens of thousands of rows, not a million): every word they begin (a B-tree range) and every
// word one typo away (core_namewordvariant, by equality), each with its best way of matching.
// nil: some typed word matches no name word at all (nobody can match).
func (s *Service) nameMatches(ctx context.Context, words []string) ([]wordMatch, error) {
	rows, err := s.db.Pool.Query(ctx, `
		WITH q (i, w) AS MATERIALIZED (SELECT i::int, chelal_unaccent(lower(t)) FROM unnest($1::text[]) WITH ORDINALITY AS v (t, i))
		SELECT i, word, min(cls) FROM (
		  SELECT q.i, n.word, CASE WHEN n.word = q.w THEN `+strconv.Itoa(matchExact)+` ELSE `+strconv.Itoa(matchPrefix)+` END AS cls
		    FROM q JOIN core_nameword n ON n.word ~>=~ q.w AND n.word ~<~ (q.w || chr(1114111))
		  UNION ALL
		  SELECT q.i, v.word, `+strconv.Itoa(matchTypo)+`
		    FROM q CROSS JOIN LATERAL chelal_word_variants(q.w) AS t (variant)
		    JOIN core_namewordvariant v ON v.variant = t.variant
		   WHERE length(q.w) >= 4) x
		 GROUP BY i, word`, words)
	if err != nil {
		return nil, fmt.Errorf("search patients: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (wordMatch, error) {
		var m wordMatch
		return m, r.Scan(&m.i, &m.word, &m.cls)
	})
	if err != nil {
		return nil, fmt.Errorf("search patients: %w", err)
	}
	seen := map[int]bool{}
	for _, m := range out {
		seen[m.i] = true
	}
	if len(seen) < len(words) {
		return nil, nil
	}
	return out, nil
}

// nameSearch returns the CTE and the branch of a name search. Every typed word must match a
// word of the name (in any order); each typed word's match is its best one in that name. A
// patient ranks by the worst of their words' matches, then by the sum of them: every word exact
// first, then names with some word as a beginning, then names with a typo.
//
// The patients holding a match of every typed word are found by exact words through the GIN
// index on their words, driven by one typed word only: the one whose matches are the rarest in
// names (by the planner's statistics of the words column). The other words are checked on the
// rows found. A common first name ("Amina": one patient in eighty) would otherwise have the
// index read its whole list of patients at each search, which was most of a search's time.
func (s *Service) nameSearch(ctx context.Context, matches []wordMatch, visit string, arg func(any) string) (with, branch string) {
	freq := s.wordFreqs(ctx)
	n := 0
	for _, m := range matches {
		n = max(n, m.i)
	}
	sets := make([][]string, n+1)
	cost := make([]float64, n+1)
	var is, cls []int32
	var ws []string
	for _, m := range matches {
		sets[m.i] = append(sets[m.i], m.word)
		f, ok := freq.of[m.word]
		if !ok {
			f = freq.rare
		}
		cost[m.i] += f
		is, ws, cls = append(is, int32(m.i)), append(ws, m.word), append(cls, int32(m.cls))
	}
	drive := 1
	for i := 2; i <= n; i++ {
		if cost[i] < cost[drive] || (cost[i] == cost[drive] && len(sets[i]) < len(sets[drive])) {
			drive = i
		}
	}
	conds := []string{"s.words && " + arg(sets[drive]) + "::text[]"}
	for i := 1; i <= n; i++ {
		if i != drive { // a function, not the operator: a check on the row, not an index scan
			conds = append(conds, "arrayoverlap(s.words, "+arg(sets[i])+"::text[])")
		}
	}
	with = `m AS MATERIALIZED (SELECT * FROM unnest(` + arg(is) + `::int[], ` + arg(ws) + `::text[], ` + arg(cls) + `::int[]) AS m (i, word, cls)),
		     `
	// Each candidate's words are joined to the matches (a hash of the dictionary words
	// matched), not compared with each of them: the cost grows with the candidates.
	branch = `SELECT id, max(cls) * 16 + sum(cls) AS rank, visit FROM (
		  SELECT s.patient_id AS id, ` + visit + ` AS visit, m.i, min(m.cls) AS cls
		    FROM core_patientsearch s CROSS JOIN LATERAL unnest(s.words) AS w (word) JOIN m ON m.word = w.word
		   WHERE ` + strings.Join(conds, " AND ") + `
		   GROUP BY 1, 2, 3) c
		 GROUP BY id, visit`
	return with, branch
}

// wordFreqs are the share of patients whose name holds each of the most common name words
// (PostgreSQL's statistics of core_patientsearch.words); rare is the share assumed for the
// others. Read again every few minutes (ANALYZE, by autovacuum, refreshes them).
type wordFreqs struct {
	of    map[string]float64
	rare  float64
	until time.Time
}

const wordFreqsFor = 5 * time.Minute

func (s *Service) wordFreqs(ctx context.Context) *wordFreqs {
	s.freqMu.Lock()
	defer s.freqMu.Unlock()
	if s.freqs != nil && time.Now().Before(s.freqs.until) {
		return s.freqs
	}
	f := &wordFreqs{of: map[string]float64{}, until: time.Now().Add(wordFreqsFor)}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT e, fr FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs) AS x (e, fr)
		 WHERE schemaname = current_schema() AND tablename = 'core_patientsearch' AND attname = 'words' AND e IS NOT NULL`)
	if err == nil {
		for rows.Next() {
			var e string
			var fr float64
			if rows.Scan(&e, &fr) == nil {
				f.of[e] = fr
				if f.rare == 0 || fr < f.rare {
					f.rare = fr
				}
			}
		}
		rows.Close()
	}
	// Without statistics (a new clinic) every word weighs the same: the typed word with the
	// fewest matches drives.
	f.rare /= 2
	s.freqs = f
	return f
}

// scoreOf turns a rank (0 best) into the score shown with a match (1 best).
func scoreOf(rank int64) float64 {
	return max(0, 1-float64(rank)/1000)
}

// searchKey is a match's place in the order: rank, visit, id.
type searchKey struct{ rank, visit, id int64 }

func (k searchKey) encode() string {
	return base64.RawURLEncoding.EncodeToString(fmt.Appendf(nil, "%d.%d.%d", k.rank, k.visit, k.id))
}

// decodeSearchCursor reads a next_cursor; the empty cursor is the first page (before every key).
func decodeSearchCursor(c string) (searchKey, bool) {
	if c == "" {
		return searchKey{rank: -1}, true
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) > 64 {
		return searchKey{}, false
	}
	parts := strings.Split(string(b), ".")
	if len(parts) != 3 {
		return searchKey{}, false
	}
	var k searchKey
	for i, dst := range []*int64{&k.rank, &k.visit, &k.id} {
		v, err := strconv.ParseInt(parts[i], 10, 64)
		if err != nil {
			return searchKey{}, false
		}
		*dst = v
	}
	return k, k.rank >= 0 && k.id > 0
}

// prefixCache keeps the record-number prefix between searches: a search would otherwise read
// the setting at each request (a round trip of its own). The prefix is chosen once, at setup;
// the cache holds it for a few seconds only (a restored backup may bring another).
type prefixCache struct {
	mu    sync.Mutex
	value string
	until time.Time
}

const prefixCacheFor = 5 * time.Second

func (s *Service) mrnPrefix(ctx context.Context) (string, error) {
	c := &s.prefix
	c.mu.Lock()
	defer c.mu.Unlock()
	if time.Now().Before(c.until) {
		return c.value, nil
	}
	v, err := settings.Get(ctx, s.db.Pool, settings.MRNPrefix, settings.DefaultMRNPrefix)
	if err != nil {
		return v, err
	}
	c.value, c.until = v, time.Now().Add(prefixCacheFor)
	return v, nil
}
