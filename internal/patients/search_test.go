package patients

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// recallNames are the names of the recall test: the Backup0..Backup24 case (a prefix shared by
// more names than the old search kept), 300 variants of Mohamed, and Swahili, French and Arabic
// transliterated names (accents, apostrophes, hyphens).
func recallNames() [][2]string {
	var out [][2]string
	for i := range 25 {
		out = append(out, [2]string{fmt.Sprintf("Backup%d", i), "Case"})
	}
	mohs := []string{"Mohamed", "Mohammed", "Mohamud", "Muhammad", "Mohammad", "Mohamad", "Muhamed", "Mohamedi"}
	lasts := []string{"Hassan", "Abdi", "Omar", "Ali", "Juma", "Said", "Farah", "Osman", "Yusuf", "Noor", "Warsame", "Mohamed"}
	for i := range 300 {
		out = append(out, [2]string{mohs[i%len(mohs)], fmt.Sprintf("%s %s", lasts[i%len(lasts)], lasts[(i/len(lasts))%len(lasts)])})
	}
	for _, n := range [][2]string{
		// Swahili and other Kenyan names.
		{"Wanjiru", "Ng'ang'a"}, {"Njeri", "Wa-Kamau"}, {"Mwanaisha", "Bakari"}, {"Zawadi", "Mwakilema"}, {"Baraka", "Otieno-Were"},
		{"Achieng'", "Odhiambo"}, {"Kiprono", "Kipchumba"}, {"Neema", "Mwakasege"}, {"Rehema", "Shauri"}, {"Faraji", "Kazungu"},
		// French.
		{"Amélie", "Lefèvre"}, {"Hélène", "Dubois"}, {"François", "Léger"}, {"Zoé", "Mbappé"}, {"Jérôme", "N'Diaye"},
		{"Anaïs", "Côté"}, {"Gaëlle", "Roux"}, {"Noël", "Bâ"}, {"Émile", "Ngoué"}, {"Françoise", "Kaboré"},
		// Arabic transliterations.
		{"Abd al-Rahman", "Al-Hassan"}, {"ʿAli", "ibn Yusuf"}, {"Fāṭima", "Al-Zahrāʾ"}, {"Khadīja", "Bint Khuwaylid"},
		{"Hussein", "El-Sayed"}, {"Husayn", "Abu Bakr"}, {"Aisha", "Abdulrahman"}, {"Abdirahman", "Haji"},
		{"Ibrahim", "Al Amin"}, {"Yusuf", "Al-Amin"}, {"Omar", "Abdallah"}, {"Umar", "Abdullah"},
	} {
		out = append(out, n)
	}
	// Filler: common names that must not come up for the queries above.
	for i, n := range strings.Fields("Grace Mary John Esther Peter Ruth Daniel Sarah David Faith Samuel Mercy Joseph Amina Kamau Wanjiku") {
		out = append(out, [2]string{n, fmt.Sprintf("Filler%c", 'a'+i)})
	}
	return out
}

func loadRecall(t *testing.T, d *db.DB, names [][2]string) {
	t.Helper()
	ctx := context.Background()
	for i, n := range names {
		if _, err := d.Pool.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
			VALUES ($1, $2, $3, DATE '1950-01-01' + $4::int, 'unknown')`, FormatMRN("CHL", int64(i+1)), n[0], n[1], i); err != nil {
			t.Fatal(err)
		}
	}
	// Visits for some: every seventh patient checked in on a day of its own, and encounters
	// for others, so that the recent-visit tie-break has something to order.
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO auth_user (username, email, password, role_id)
		SELECT 'drrecall', 'recall@clinic.test', 'x', id FROM core_role WHERE name = 'doctor';
		INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, checked_in_at)
		SELECT p.id, u.id, DATE '2026-01-01' + p.id, TIME '08:00', 'completed', TIMESTAMPTZ '2026-01-01 08:00Z' + p.id * interval '1 day'
		  FROM core_patient p, auth_user u WHERE u.username = 'drrecall' AND p.id % 7 = 0;
		INSERT INTO core_encounter (patient_id, doctor_id, notes, created_at)
		SELECT p.id, u.id, 'seen', TIMESTAMPTZ '2025-06-01 08:00Z' + p.id * interval '1 hour'
		  FROM core_patient p, auth_user u WHERE u.username = 'drrecall' AND p.id % 5 = 0`); err != nil {
		t.Fatal(err)
	}
}

// bruteWords are a stored name's words by the rule of the documentation, written here without
// the database's help but its accent folding: lower case, apostrophes dropped, a break at any
// other character not a letter or digit, and a hyphenated name also as one word.
func bruteWords(name string) []string {
	name = strings.Map(func(r rune) rune {
		if strings.ContainsRune("'’ʼ`", r) {
			return -1
		}
		return r
	}, name)
	words := strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, h := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' }) {
		if strings.Contains(h, "-") {
			if j := strings.ReplaceAll(h, "-", ""); j != "" {
				words = append(words, j)
			}
		}
	}
	return words
}

// dropOne: a and b are equal once at most one letter is removed from each.
func dropOne(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	variants := func(r []rune) map[string]bool {
		m := map[string]bool{string(r): true}
		for i := range r {
			m[string(r[:i])+string(r[i+1:])] = true
		}
		return m
	}
	vb := variants(rb)
	for v := range variants(ra) {
		if vb[v] {
			return true
		}
	}
	return false
}

// bruteClass is how typed word w matches name word n: 0 exact, 1 prefix, 2 typo, -1 not at all.
func bruteClass(w, n string) int {
	switch {
	case w == n:
		return matchExact
	case strings.HasPrefix(n, w):
		return matchPrefix
	case utf8.RuneCountInString(w) >= 4 && dropOne(w, n):
		return matchTypo
	}
	return -1
}

type bruteHit struct {
	id, rank, visit int64
}

// bruteSearch scans every patient of the table and applies the rule to each.
func bruteSearch(t *testing.T, d *db.DB, q string) []bruteHit {
	t.Helper()
	ctx := context.Background()
	var typed []string
	for _, w := range SearchWords(q) {
		var n string
		if err := d.Pool.QueryRow(ctx, `SELECT chelal_unaccent(lower($1))`, w).Scan(&n); err != nil {
			t.Fatal(err)
		}
		typed = append(typed, n)
	}
	rows, err := d.Pool.Query(ctx, `
		SELECT p.id, chelal_unaccent(lower(p.first_name || ' ' || p.last_name)),
		       coalesce(-(extract(epoch FROM greatest(
		           (SELECT max(checked_in_at) FROM core_appointment a WHERE a.patient_id = p.id),
		           (SELECT max(created_at) FROM core_encounter e WHERE e.patient_id = p.id))) * 1000000)::bigint, 9223372036854775807)
		  FROM core_patient p`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var hits []bruteHit
	for rows.Next() {
		var h bruteHit
		var name string
		if err := rows.Scan(&h.id, &name, &h.visit); err != nil {
			t.Fatal(err)
		}
		words := bruteWords(name)
		worst, sum, all := 0, 0, len(typed) > 0
		for _, w := range typed {
			best := -1
			for _, n := range words {
				if c := bruteClass(w, n); c >= 0 && (best < 0 || c < best) {
					best = c
				}
			}
			if best < 0 {
				all = false
				break
			}
			worst, sum = max(worst, best), sum+best
		}
		if all {
			h.rank = int64(worst*16 + sum)
			hits = append(hits, h)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(hits, func(a, b bruteHit) int {
		return cmpKeys(searchKey{a.rank, a.visit, a.id}, searchKey{b.rank, b.visit, b.id})
	})
	return hits
}

func cmpKeys(a, b searchKey) int {
	if c := int(a.rank - b.rank); c != 0 {
		return c
	}
	if a.visit != b.visit {
		if a.visit < b.visit {
			return -1
		}
		return 1
	}
	return int(a.id - b.id)
}

// TestNameSearchRecall compares every page of a name search with a scan of the whole table by
// the documented rule: the same patients, in the same order, the same total.
func TestNameSearchRecall(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	loadRecall(t, d, recallNames())
	s, indexed := NewService(d), runIndexed(t, d)
	for _, tc := range []struct {
		q       string
		atLeast int // a floor that does not depend on the rule's details
	}{
		{"Backup", 25}, {"backup case", 25}, {"Case", 25}, {"case backup1", 11}, {"Backup24 Case", 1},
		{"Moh", 200}, {"Mohamed", 38}, {"mohammed", 38}, {"Mohamud", 38}, {"Muhamed", 38}, {"mohmed", 38},
		{"mohamed hassan", 2}, {"hassan mohamed", 2}, {"Mohamed Hasan", 2}, {"Mohamed Hassan Abdi", 1}, {"Muhammad Ali", 1},
		{"Wanjiru", 1}, {"nganga", 1}, {"Ng'ang'a wanjiru", 1}, {"wakamau", 1}, {"otieno were", 1}, {"otienowere", 1},
		{"Achieng", 1}, {"mwana", 1}, {"zawdi", 1},
		{"Amelie", 1}, {"amélie lefevre", 1}, {"HELENE", 1}, {"francois", 2}, {"Françoise", 2}, {"zoe", 1}, {"ndiaye jerome", 1},
		{"anais cote", 1}, {"gaelle", 1}, {"noel ba", 1}, {"emile", 1},
		{"abd al-rahman", 1}, {"abdulrahman", 1}, {"abdirahman", 1}, {"al-hassan", 1}, {"alhassan", 1}, {"fatima", 1},
		{"khadija", 1}, {"hussein", 1}, {"husein", 1}, {"ali", 30}, {"umar", 2}, {"abdalla", 1}, {"yusuf al amin", 1},
		{"zzyzx", 0}, {"mo", 200},
	} {
		want := bruteSearch(t, d, tc.q)
		if len(want) < tc.atLeast {
			t.Errorf("%q: the scan finds %d, expected at least %d (the test's names changed?)", tc.q, len(want), tc.atLeast)
		}
		checkRecall(t, s, tc.q, 50, want)
		checkRecall(t, indexed, tc.q, 50, want)
	}
	// Past the count's cap: the total says "more than the cap", and the pages still reach
	// every match, in the scan's order (pages of 7, so a page ends inside each tier).
	capped, cappedIndexed := NewService(d), runIndexed(t, d)
	capped.searchCountCap, cappedIndexed.searchCountCap = 30, 30
	for _, q := range []string{"Moh", "mo", "ali", "Mohamed", "mohmed", "Case", "backup case", "Backup24 Case", "zzyzx"} {
		want := bruteSearch(t, d, q)
		checkRecall(t, capped, q, 7, want)
		checkRecall(t, cappedIndexed, q, 7, want)
	}
}

// checkRecall pages through a search and compares it with want (bruteSearch): the same patients
// in the same order, and on every page the total, exact up to the service's count cap.
func checkRecall(t *testing.T, s *Service, q string, limit int, want []bruteHit) {
	t.Helper()
	ctx := context.Background()
	wantTotal, wantCapped := len(want), len(want) > s.countCap()
	if wantCapped {
		wantTotal = s.countCap()
	}
	var got []bruteHit
	cursor, pages := "", 0
	for {
		res, err := s.SearchPage(ctx, SearchQuery{Q: q, Limit: limit, Cursor: cursor})
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		if res.Total != wantTotal || res.TotalCapped != wantCapped {
			t.Errorf("%q page %d: total %d (capped %v), the scan finds %d (cap %d)", q, pages, res.Total, res.TotalCapped, len(want), s.countCap())
		}
		for _, m := range res.Items {
			got = append(got, bruteHit{id: m.ID})
		}
		pages++
		if res.NextCursor == nil {
			break
		}
		if pages > 100 {
			t.Fatalf("%q: more than 100 pages", q)
		}
		cursor = *res.NextCursor
	}
	if len(got) != len(want) {
		t.Errorf("%q: %d found over %d pages of %d, the scan finds %d", q, len(got), pages, limit, len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i].id != want[i].id {
			t.Errorf("%q: match %d is patient %d, the scan's order has %d (rank %d)", q, i+1, got[i].id, want[i].id, want[i].rank)
			break
		}
	}
}

// TestNameSearchRanking: exact before prefix before typo, then the most recent visit.
func TestNameSearchRanking(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	loadRecall(t, d, [][2]string{
		{"Mohamedi", "Juma"}, // 1: prefix
		{"Mohamud", "Juma"},  // 2: typo
		{"Mohamed", "Juma"},  // 3: exact
		{"Mohamed", "Juma"},  // 4: exact, with no visit (the loader's visits: multiples of 5 and 7)
		{"Mohamed", "Juma"},  // 5: exact, an encounter
	})
	res, err := NewService(d).Search(context.Background(), "mohamed juma", 10)
	if err != nil {
		t.Fatal(err)
	}
	var ids []int64
	for _, m := range res.Items {
		ids = append(ids, m.ID)
	}
	if want := []int64{5, 3, 4, 1, 2}; !slices.Equal(ids, want) || res.Total != 5 {
		t.Fatalf("order %v (total %d), want %v: exact (visited first, then by record), prefix, typo", ids, res.Total, want)
	}
	if !(res.Items[0].Score == 1 && res.Items[3].Score < 1 && res.Items[4].Score < res.Items[3].Score) {
		t.Errorf("scores %v %v %v", res.Items[0].Score, res.Items[3].Score, res.Items[4].Score)
	}
}

// TestSearchCursorRefused: a cursor that this server did not give out is a 422, not a 500.
func TestSearchCursorRefused(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	s := NewService(d)
	for _, c := range []string{"!!", "bm90IGEga2V5", (searchKey{rank: -1, id: 1}).encode(), (searchKey{rank: 1}).encode()} {
		if _, err := s.SearchPage(context.Background(), SearchQuery{Q: "amina", Cursor: c}); err == nil || !strings.Contains(err.Error(), "cursor") {
			t.Errorf("cursor %q: %v, want a cursor error", c, err)
		}
	}
}
