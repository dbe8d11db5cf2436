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

// nameSearch returns the branch of a name search. Every typed word must match a
// word of the name (in any order); each typed word's match is its best one in that name. A
// patient ranks by the worst of their words' matches, then by the sum of them: every word exact
// first, then names with some word as a beginning, then names with a typo.
//
// The patients holding a match of every typed word are found in one scan of a GIN index on
// their search keys (migration 0039: each word of the name as "=word", and each of its
// beginnings of 2 letters or more as ">beginning"): a typed word w matches the keys ">w"
// (every name word that begins with w, exact ones included: one key, however many words begin
// with it) and "=t" for each dictionary word t one typo away from w that ">w" does not cover
// (core_namewordvariant, by equality: a handful). A GIN scan costs about its keys times their
// patients: indexing the one-typo variants themselves ("~v") was measured slower, as each
// variant of a common word carries every patient of that word again. Each candidate is then ranked by a few comparisons of its own words,
// no join: a typed word is exact when the name holds it, a beginning when one of the name's
// words begins with it, and otherwise a typo (the index found it by one).
//
// A word typed in ASCII is already as stored (lower case, no accent): its one-typo variants
// (the word and the word less each letter, as chelal_word_variants makes them) are computed
// here; another word is unaccented, and its variants made, by the database. Every value goes
// through hide (SearchPage's one-row CTE), so that the statement keeps one generic plan.
func nameSearch(words []string, visit string, arg func(any) string, hide func(expr string) string) (branch string) {
	if len(words) == 0 {
		return ""
	}
	var conds, cases, cls []string
	for _, w := range words {
		var qw, qv string
		if isASCII(w) {
			qw, qv = hide(arg(w)+"::text"), hide(arg(typoVariants(w))+"::text[]")
		} else {
			u := "chelal_unaccent(lower(" + arg(w) + "::text))"
			qw, qv = hide(u), hide("CASE WHEN length("+u+") >= 4 THEN ARRAY(SELECT chelal_word_variants("+u+")) ELSE '{}' END")
		}
		conds = append(conds, "chelal_search_keys(s.words) && (ARRAY['>' || "+qw+"] || ARRAY(SELECT '=' || v.word FROM core_namewordvariant v WHERE v.variant = ANY("+qv+"::text[]) AND NOT starts_with(v.word, "+qw+")))")
		c := fmt.Sprintf("c%d", len(cls)+1)
		cls = append(cls, c)
		cases = append(cases, `CASE WHEN s.words @> ARRAY[`+qw+`] THEN `+strconv.Itoa(matchExact)+
			` WHEN strpos(s.joined, ' ' || `+qw+`) > 0 THEN `+strconv.Itoa(matchPrefix)+
			` ELSE `+strconv.Itoa(matchTypo)+` END AS `+c)
	}
	// A name's words hold no space (they are split at anything not a letter or a digit). Each
	// word's match is computed once per candidate, on the name's words joined once: the
	// OFFSET 0 fences keep the planner from copying the expressions into each use (the ranking
	// was half of the time of a search with 15,000 candidates).
	branch = `SELECT id, greatest(` + strings.Join(cls, ", ") + `) * 16 + ` + strings.Join(cls, " + ") + ` AS rank, visit
		    FROM (SELECT s.id, ` + strings.Join(cases, ", ") + `, s.visit
		            FROM (SELECT s.patient_id AS id, s.words, ' ' || array_to_string(s.words, ' ') AS joined, ` + visit + ` AS visit
		                    FROM core_patientsearch s
		                   WHERE ` + strings.Join(conds, " AND ") + ` OFFSET 0) s OFFSET 0) c`
	return branch
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// typoVariants is what chelal_word_variants gives for an ASCII word of a name search: for 4
// letters or more, the word and the word less each one of its letters (a word and a dictionary
// word one typo apart share one of these); for shorter words, none (no typo is allowed).
func typoVariants(w string) []string {
	if len(w) < 4 {
		return []string{}
	}
	out := []string{w}
	for k := range len(w) {
		out = append(out, w[:k]+w[k+1:])
	}
	return out
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
