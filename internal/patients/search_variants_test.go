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
