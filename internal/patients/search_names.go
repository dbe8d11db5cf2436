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

// nameSearch returns the CTEs and the branch of a name search. Every typed word must match a
// word of the name (in any order); each typed word's match is its best one in that name. A
// patient ranks by the worst of their words' matches, then by the sum of them: every word exact
// first, then names with some word as a beginning, then names with a typo.
//
// The typed words are first matched against the dictionary of name words (core_nameword, tens
// of thousands of rows, not a million): every word they begin (a B-tree range) and every word
// one typo away (core_namewordvariant, by equality). The patients holding a match of every
// typed word are then found by exact words through the GIN index on their words.
func nameSearch(words []string, visit string, arg func(any) string) (with, branch string) {
	if len(words) == 0 {
		return "", ""
	}
	var values, conds []string
	for i, w := range words {
		values = append(values, fmt.Sprintf("(%d, %s::text)", i+1, arg(w)))
		conds = append(conds, fmt.Sprintf("s.words && (SELECT array_agg(word) FROM m WHERE i = %d)", i+1))
	}
	with = `q (i, w) AS MATERIALIZED (SELECT i, chelal_unaccent(lower(t)) FROM (VALUES ` + strings.Join(values, ", ") + `) v (i, t)),
		     m AS MATERIALIZED (
		       SELECT i, word, min(cls) AS cls FROM (
		         SELECT q.i, n.word, CASE WHEN n.word = q.w THEN ` + strconv.Itoa(matchExact) + ` ELSE ` + strconv.Itoa(matchPrefix) + ` END AS cls
		           FROM q JOIN core_nameword n ON n.word ~>=~ q.w AND n.word ~<~ (q.w || chr(1114111))
		         UNION ALL
		         SELECT q.i, v.word, ` + strconv.Itoa(matchTypo) + `
		           FROM q CROSS JOIN LATERAL chelal_word_variants(q.w) AS t (variant)
		           JOIN core_namewordvariant v ON v.variant = t.variant
		          WHERE length(q.w) >= 4) x
		       GROUP BY i, word),
		     `
	// Each candidate's words are joined to the matches (a hash of the few hundred dictionary
	// words matched), not each candidate compared with every match: the cost grows with the
	// candidates, not with candidates times matches.
	branch = `SELECT id, max(cls) * 16 + sum(cls) AS rank, visit FROM (
		  SELECT s.patient_id AS id, ` + visit + ` AS visit, m.i, min(m.cls) AS cls
		    FROM core_patientsearch s CROSS JOIN LATERAL unnest(s.words) AS w (word) JOIN m ON m.word = w.word
		   WHERE ` + strings.Join(conds, " AND ") + `
		   GROUP BY 1, 2, 3) c
		 GROUP BY id, visit`
	return with, branch
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
