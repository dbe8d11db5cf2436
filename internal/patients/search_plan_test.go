package patients

import (
	"context"
	"slices"
	"testing"

	"chelal/internal/db/dbtest"
)

// TestTypoVariantsAsTheDatabase: the variants the name search computes for an ASCII word are
// the ones chelal_word_variants gives (the dictionary's variants are made by it).
func TestTypoVariantsAsTheDatabase(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	for _, w := range []string{"ab", "abc", "abcd", "amina", "mohammed", "aab", "aaaa", "wanjiru1"} {
		var want []string
		if len(w) >= 4 {
			if err := d.Pool.QueryRow(context.Background(), `SELECT coalesce(array_agg(v ORDER BY v), '{}') FROM chelal_word_variants($1) v`, w).Scan(&want); err != nil {
				t.Fatal(err)
			}
		}
		got := typoVariants(w)
		slices.Sort(got)
		got = slices.Compact(got)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("%q: %v, the database gives %v", w, got, want)
		}
	}
}

// TestSearchPastTheLastPage: a cursor past every match gives no item and still the total (the
// count alone is asked, with the same hidden values as the page).
func TestSearchPastTheLastPage(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	loadRecall(t, d, [][2]string{{"Amina", "Juma"}, {"Amina", "Wekesa"}, {"Aminata", "Juma"}, {"Baraka", "Juma"}})
	s := NewService(d)
	past := searchKey{rank: 1 << 40, visit: 0, id: 1}.encode()
	for q, want := range map[string]int{"amina": 3, "amina juma": 2, "juma": 3, "0712": 0} {
		first, err := s.SearchPage(context.Background(), SearchQuery{Q: q})
		if err != nil {
			t.Fatal(err)
		}
		res, err := s.SearchPage(context.Background(), SearchQuery{Q: q, Cursor: past})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if len(res.Items) != 0 || res.Total != want || first.Total != want {
			t.Errorf("%q past the last page: %d items, total %d (first page %d), want none and %d", q, len(res.Items), res.Total, first.Total, want)
		}
	}
}
