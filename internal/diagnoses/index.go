package diagnoses

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// index is the ICD-10 list in memory for the word search: the list is fixed (the loader
// rewrites it only at start-up, internal/db/icd10.go), 14,000 codes, and matching every word
// against every title with a typo allowed is a few milliseconds in Go, where the trigram index
// took tens to hundreds on a loaded machine. Codes keep their search text (core_icd10code.search:
// lower case, no accents, every language's title).
type index struct {
	codes  []indexedCode
	words  []string         // every distinct word of the search texts, sorted
	posts  map[string][]int // word -> the codes whose search text has it
	byCode map[string]int
}

type indexedCode struct {
	code, chapter, en, fr, sw string
}

func (s *Service) loadIndex(ctx context.Context) (*index, error) {
	if ix := s.idx.Load(); ix != nil {
		return ix, nil
	}
	s.idxMu.Lock()
	defer s.idxMu.Unlock()
	if ix := s.idx.Load(); ix != nil {
		return ix, nil
	}
	rows, err := s.db.Pool.Query(ctx, `SELECT code, chapter, title_en, coalesce(title_fr, ''), coalesce(title_sw, ''), search
		FROM core_icd10code ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("icd-10 index: %w", err)
	}
	defer rows.Close()
	ix := &index{posts: map[string][]int{}, byCode: map[string]int{}}
	for rows.Next() {
		var c indexedCode
		var search string
		if err := rows.Scan(&c.code, &c.chapter, &c.en, &c.fr, &c.sw, &search); err != nil {
			return nil, fmt.Errorf("icd-10 index: %w", err)
		}
		i := len(ix.codes)
		ix.codes = append(ix.codes, c)
		ix.byCode[c.code] = i
		for _, w := range splitWords(search) {
			if p := ix.posts[w]; len(p) == 0 || p[len(p)-1] != i {
				ix.posts[w] = append(p, i)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("icd-10 index: %w", err)
	}
	for w := range ix.posts {
		ix.words = append(ix.words, w)
	}
	slices.Sort(ix.words)
	s.idx.Store(ix)
	return ix, nil
}

func splitWords(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// title is code i's title in lang: the language's own where the list has it, else English.
func (ix *index) title(i int, lang string) string {
	c := ix.codes[i]
	switch {
	case lang == "fr" && c.fr != "":
		return c.fr
	case lang == "sw" && c.sw != "":
		return c.sw
	}
	return c.en
}

// match answers the codes whose search text has every word of ws (lower case, no accents):
// a title word containing it (typing in progress, or part of a compound), or, for a word of 4
// letters or more, a title word (or its beginning) one typo away (a letter missing, added,
// wrong, or two swapped). Codes matching every word exactly come first, then those with more
// exact words, then shorter codes, then by code.
func (ix *index) match(ws []string, limit int) []int {
	exact := make([]int, len(ix.codes)) // per code: how many words matched exactly
	hits := make([]int, len(ix.codes))  // per code: how many words matched at all
	for _, w := range ws {
		seen := map[int]int{} // code -> 2 exact, 1 typo
		for _, t := range ix.words {
			kind := 0
			switch {
			case strings.Contains(t, w):
				kind = 2
			case len(w) >= 4 && oneTypo(w, t):
				kind = 1
			}
			if kind == 0 {
				continue
			}
			for _, i := range ix.posts[t] {
				if seen[i] < kind {
					seen[i] = kind
				}
			}
		}
		for i, kind := range seen {
			hits[i]++
			if kind == 2 {
				exact[i]++
			}
		}
	}
	var out []int
	for i, h := range hits {
		if h == len(ws) {
			out = append(out, i)
		}
	}
	slices.SortFunc(out, func(a, b int) int {
		if exact[a] != exact[b] {
			return exact[b] - exact[a]
		}
		if la, lb := len(ix.codes[a].code), len(ix.codes[b].code); la != lb {
			return la - lb
		}
		return strings.Compare(ix.codes[a].code, ix.codes[b].code)
	})
	return out[:min(limit, len(out))]
}

// oneTypo says whether word w is one typo from t or from t's beginning of about w's length.
// It compares bytes: the texts are without accents (a letter the list still writes in two
// bytes, such as æ, counts as two), and nothing is allocated for the 10,000 words tried.
func oneTypo(w, t string) bool {
	if len(t)+1 < len(w) {
		return false
	}
	if within1(w, t) {
		return true
	}
	for _, n := range []int{len(w) - 1, len(w), len(w) + 1} {
		if n > 0 && n < len(t) && within1(w, t[:n]) {
			return true
		}
	}
	return false
}

// within1: a and b are equal or one edit apart (insertion, deletion, substitution, or two
// neighbours swapped).
func within1(a, b string) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if i == len(a) {
		return true // equal, or b has one more at the end
	}
	if len(a) == len(b) {
		if a[i+1:] == b[i+1:] {
			return true // one substitution
		}
		return i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && a[i+2:] == b[i+2:] // a swap
	}
	return a[i:] == b[i+1:] // one insertion in b
}
