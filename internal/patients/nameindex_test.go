package patients

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// runIndexed returns a service whose name search's index is built and kept (Run), for the
// test's life; its searches take the indexed path (indexed fails the test otherwise).
func runIndexed(t *testing.T, d *db.DB) *Service {
	t.Helper()
	s := NewService(d)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); s.Run(ctx, testLog(t)) }()
	t.Cleanup(func() { cancel(); <-done })
	wctx, wcancel := context.WithTimeout(ctx, time.Minute)
	defer wcancel()
	if err := s.WaitNameIndex(wctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// indexedOnly searches q on the index only: an error if the SQL path would have answered.
func indexedOnly(t *testing.T, s *Service, q string) []searchKey {
	t.Helper()
	keys, _, err := s.indexedSearch(context.Background(), SearchWords(q), searchKey{rank: -1}, 49)
	if err != nil {
		t.Fatalf("%q: %v", q, err)
	}
	return keys
}

// TestNameIndexFollowsChanges: what is written after the index was built (new patients, a
// renamed one, a deleted one, a visit) is found at once, on this instance and on another one,
// before and after the index is brought forward; and both instances answer as the scan does.
func TestNameIndexFollowsChanges(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	loadRecall(t, d, recallNames())
	a, b := runIndexed(t, d), runIndexed(t, d)
	queries := []string{"Backup", "zawadi", "zawdi", "mohamed hassan", "Kiprotich", "kiprotch", "Lefevre", "Case", "mo"}
	check := func(when string) {
		t.Helper()
		for _, q := range queries {
			want := bruteSearch(t, d, q)
			for _, s := range []*Service{a, b} {
				indexedOnly(t, s, q) // the index answers (not the SQL path)
				checkRecall(t, s, q, 50, want)
			}
			if t.Failed() {
				t.Fatalf("%s: %q differs from the scan", when, q)
			}
		}
	}
	check("built")

	// Written after the index: new names (one with a new word), a rename, a deletion, a visit.
	for _, w := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		  VALUES ('CHL-900001', 'Kiprotich', 'Backup99', '1990-01-01', 'unknown'),
		         ('CHL-900002', 'Zawadi', 'Lefèvre', '1991-01-01', 'unknown')`, nil},
		{`UPDATE core_patient SET first_name = 'Zawadi' WHERE unique_id = $1`, []any{FormatMRN("CHL", 30)}}, // a Mohamed
		{`DELETE FROM core_patient WHERE unique_id = $1`, []any{FormatMRN("CHL", 6)}},                       // Backup5, never seen
		{`INSERT INTO core_encounter (patient_id, doctor_id, notes, created_at)
		  SELECT p.id, u.id, 'seen', now() FROM core_patient p, auth_user u
		   WHERE u.username = 'drrecall' AND p.first_name = 'Backup3'`, nil},
	} {
		if _, err := d.Pool.Exec(ctx, w.sql, w.args...); err != nil {
			t.Fatal(err)
		}
	}
	check("changed, before the index is brought forward")
	for _, s := range []*Service{a, b} {
		if err := s.refreshNameIndex(ctx); err != nil {
			t.Fatal(err)
		}
	}
	check("brought forward")

	// A change the log cannot say (a TRUNCATE, the rows put back): each index is built again,
	// the SQL path answering meanwhile.
	a.names.mu.RLock()
	before := a.names.data
	a.names.mu.RUnlock()
	if _, err := d.Pool.Exec(ctx, `CREATE TEMP TABLE keep AS SELECT * FROM core_patientsearch;
		TRUNCATE core_patientsearch; INSERT INTO core_patientsearch SELECT * FROM keep`); err != nil {
		t.Fatal(err)
	}
	_, _, err := a.indexedSearch(ctx, []string{"backup"}, searchKey{rank: -1}, 10)
	a.names.mu.RLock()
	rebuilt := a.names.data != before
	a.names.mu.RUnlock()
	if err != errNoIndex && !rebuilt { // Run may have built it again already
		t.Fatalf("after a TRUNCATE the index answered from before it: %v", err)
	}
	checkRecall(t, a, "backup", 50, bruteSearch(t, d, "backup")) // by the SQL path
	wctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for _, s := range []*Service{a, b} {
		for {
			if _, _, err := s.indexedSearch(ctx, []string{"backup"}, searchKey{rank: -1}, 10); err == nil {
				break
			}
			if wctx.Err() != nil {
				t.Fatal("the index was not built again after the TRUNCATE")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	check("built again")
}

// TestOneTypoAgreesWithTheDictionary: the typo rule judged in Go for the patients changed since
// the snapshot (oneTypo) is the database's (core_namewordvariant), word for word.
func TestOneTypoAgreesWithTheDictionary(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	dict := []string{"ali", "alia", "amina", "anima", "mina", "mohamed", "mohammed", "mohamud", "muhamed", "hassan", "hasan",
		"lefevre", "lefebvre", "zoe", "zoeh", "ngoue", "faṭima", "fatima", "abc", "abcd", "acbd", "ab"}
	for _, w := range dict {
		if _, err := d.Pool.Exec(ctx, `INSERT INTO core_nameword (word) VALUES ($1) ON CONFLICT DO NOTHING`, w); err != nil {
			t.Fatal(err)
		}
	}
	added, sorted := &nameData{wordID: map[string]uint32{}}, &nameData{wordID: map[string]uint32{}}
	for _, w := range dict {
		added.wordOf(w)
		sorted.wordOf(w)
	}
	sorted.typo, sorted.typoNew = slices.Sorted(slices.Values(sorted.typoNew)), nil
	for _, u := range []string{"ali", "alia", "amina", "amna", "mohamed", "mohmed", "hasan", "lefevre", "zoeh", "zoe", "fatima", "faṭima", "abcd", "abdc", "bcd"} {
		var typos []string
		if err := d.Pool.QueryRow(ctx, `SELECT coalesce(array_agg(DISTINCT word ORDER BY word), '{}') FROM core_namewordvariant
			WHERE length($1) >= 4 AND variant IN (SELECT chelal_word_variants($1)) AND word = ANY($2)`, u, dict).Scan(&typos); err != nil {
			t.Fatal(err)
		}
		for _, w := range dict {
			want := slices.Contains(typos, w)
			if got := oneTypo(u, w); got != want {
				t.Errorf("oneTypo(%q, %q) = %v, the dictionary says %v", u, w, got, want)
			}
		}
		// The index's neighbourhood gives the same words (less those u begins), whether they
		// were added one by one (typoNew) or sorted in (typo).
		var want []string
		for _, w := range typos {
			if !strings.HasPrefix(w, u) {
				want = append(want, w)
			}
		}
		for _, d := range []*nameData{added, sorted} {
			var got []string
			for _, id := range d.typoWords(u) {
				got = append(got, d.words[id])
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("typoWords(%q) = %v, the dictionary says %v", u, got, want)
			}
		}
	}
}

// testLog logs to the test's output.
func testLog(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(tWriter{t}, nil))
}

type tWriter struct{ t *testing.T }

func (w tWriter) Write(b []byte) (int, error) {
	w.t.Log(string(b))
	return len(b), nil
}

// TestNameIndexUnderConcurrentWrites: while two writers register and rename patients and the
// index is brought forward under them, each writer finds what it has just written at once
// (the index path, not the SQL one), searches run alongside, and at the end the index answers
// as the scan does.
func TestNameIndexUnderConcurrentWrites(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	loadRecall(t, d, recallNames())
	s := runIndexed(t, d)
	stop := make(chan struct{})
	errs := make(chan error, 8)
	var readers, writers sync.WaitGroup
	for r := range 3 {
		readers.Go(func() {
			qs := []string{"mohamed", "backup case", "hasan", "zawadi", "mo", "wri"}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				if _, err := s.SearchPage(ctx, SearchQuery{Q: qs[(i+r)%len(qs)], Limit: 20}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for w := range 2 {
		writers.Go(func() {
			for i := range 40 {
				name := fmt.Sprintf("Writer%dx%d", w, i)
				var id int64
				if err := d.Pool.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
					VALUES ($1, $2, 'Zawadi', '1990-01-01', 'unknown') RETURNING id`, fmt.Sprintf("W-%d-%d", w, i), name).Scan(&id); err != nil {
					errs <- err
					return
				}
				if i%4 == 0 { // and renamed at once
					name = fmt.Sprintf("Renamed%dx%d", w, i)
					if _, err := d.Pool.Exec(ctx, `UPDATE core_patient SET first_name = $1 WHERE id = $2`, name, id); err != nil {
						errs <- err
						return
					}
				}
				keys, _, err := s.indexedSearch(ctx, SearchWords(name+" zawadi"), searchKey{rank: -1}, 5)
				if err != nil {
					errs <- fmt.Errorf("%s: %w", name, err)
					return
				}
				if len(keys) == 0 || keys[0].id != id || keys[0].rank != 0 {
					errs <- fmt.Errorf("%s (patient %d) just written, the index finds %+v", name, id, keys)
					return
				}
			}
		})
	}
	writers.Wait()
	close(stop)
	readers.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if t.Failed() {
		return
	}
	for _, q := range []string{"writer", "renamed zawadi", "zawadi", "writer1x3", "mohamed"} {
		indexedOnly(t, s, q)
		checkRecall(t, s, q, 50, bruteSearch(t, d, q))
	}
}

// TestNameIndexHostileQueries: what a fuzzer sends the search box (NUL bytes, emoji, invalid
// UTF-8, combining accents, other scripts, the longest query) gets the same answer from the
// index as from the SQL search, and no error from either.
func TestNameIndexHostileQueries(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	loadRecall(t, d, recallNames())
	for _, n := range [][2]string{{"محمد", "حسن"}, {"Zoe\u0301", "Ngoue\u0301"}, {"王", "小明"}} {
		if _, err := d.Pool.Exec(context.Background(), `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
			VALUES ('X-' || left(md5($1), 12), $1, $2, '1990-01-01', 'unknown')`, n[0], n[1]); err != nil {
			t.Fatal(err)
		}
	}
	plain, indexed := NewService(d), runIndexed(t, d)
	for _, q := range []string{
		"moh\x00amed", "\x00\x00", "😀 mohamed 😀", "mo\xff\xfehamed", "\xc3", "zoe\u0301", "ngoué", "محمد", "محم حسن",
		"小明", "  ", "a b c", strings.Repeat("mohamed ", 13)[:100], strings.Repeat("é", 100), "backup\u200bcase", "'''", "o'", "-- ;",
	} {
		want := bruteSearch(t, d, q)
		checkRecall(t, plain, q, 20, want)
		checkRecall(t, indexed, q, 20, want)
	}
}
