package patients

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/RoaringBitmap/roaring/v2"
	"github.com/bits-and-blooms/bitset"
	"github.com/jackc/pgx/v5"
)

// The name search's index in memory (migration 0051).
//
// A name search at a million patients spent most of its PostgreSQL time merging the GIN
// index's posting lists: the patients of every key of each typed word, walked to keep those
// holding all the words (bench/patients/NOTES.md). Each Chelal instance now keeps, as of a
// snapshot of the database (pg_current_snapshot), every patient's name words and last visit,
// each dictionary word's patients as a compressed bitmap (roaring), and the dictionary's
// one-typo neighbourhood. A search gathers each typed word's patients (the words it begins, the
// words one typo away) in dense bitsets, intersects them, and ranks the candidates as the SQL
// search does, in Go. PostgreSQL is asked, in one round trip, for the patients changed since the
// snapshot (core_patientsearch_log, written by a trigger in the changing transaction: the rows
// of the log not visible in the snapshot are exactly what the memory lacks, whatever order
// transactions commit in), and for the typed words without their accents when one has any;
// the changed patients are judged from their current words instead of the memory. Then the
// page's rows are read by id. The answer is the one the SQL search gives (nameSearch;
// TestNameSearchRecall checks both against a brute-force scan), on every instance, whatever
// was written a moment before, here or on another instance.
//
// Run builds the index at start and brings it forward every second (the changes applied, the
// snapshot moved on); until it is ready, or while it cannot be brought forward, searches take
// the SQL path. Memory: about 40 bytes per patient (40 MiB of Go heap at 1M patients, 185 MiB
// at 5M; bench/patients/NOTES.md).

// nameIndexRefresh is how often Run brings the index forward; a search whose changes since the
// snapshot are many asks for it sooner.
const nameIndexRefresh = time.Second

// nameIndexStale: an index not brought forward for so long is built again (the log is kept a
// day, nameIndexLogKeep, so nothing it would need is gone).
const nameIndexStale = time.Hour

// nameIndexLogKeep is how long the change log keeps a row.
const nameIndexLogKeep = "1 day"

// visitKey is the SQL of a patient's visit key (most recent first, never visited last), on
// core_patientsearch s.
const visitKey = `coalesce(-(extract(epoch FROM s.last_visit_at) * 1000000)::bigint, 9223372036854775807)`

// nameData is the index's contents, as of snap.
type nameData struct {
	snap    string            // the pg_snapshot the contents are as of
	started time.Time         // when the database server had started (changeSQL)
	freshAt time.Time         // when snap was taken
	words   []string          // by word id
	wordID  map[string]uint32 // word -> id
	sorted  []uint32          // word ids in the byte order of their words (prefix ranges)
	post    []*roaring.Bitmap // by word id: the patients whose name holds the word
	present roaring.Bitmap    // every patient indexed
	visit   []int64           // by patient id: the visit key
	// A patient's words (ids), to take them out when the name changes: pwData[pwStart[p]:][:pwLen[p]].
	pwStart []uint32
	pwLen   []uint8
	pwData  []uint32
	garbage int // entries of pwData no longer used
	// The dictionary's one-typo neighbourhood, as core_namewordvariant holds it: for each word of
	// 3 letters or more, the word and (4 or more) each of its one-letter deletions, as
	// hash(variant)<<32 | word id, sorted; typoNew holds those of the words added since, unsorted.
	typo    []uint64
	typoNew []uint64
}

// nameIndex is the index and its state; mu guards every field.
type nameIndex struct {
	mu      sync.RWMutex
	data    *nameData // nil: not built (searches take the SQL path)
	rebuild bool      // a change the log cannot say (a TRUNCATE): build again
	kick    chan struct{}
}

func newNameIndex() *nameIndex {
	return &nameIndex{kick: make(chan struct{}, 1)}
}

// intern gives word w its id, new (added) when the dictionary did not hold it.
func (d *nameData) intern(w string) (id uint32, added bool) {
	if id, ok := d.wordID[w]; ok {
		return id, false
	}
	id = uint32(len(d.words))
	d.words = append(d.words, w)
	d.wordID[w] = id
	return id, true
}

// wordOf is the id of word w, added to the dictionary, its bitmaps and its neighbourhood when new.
func (d *nameData) wordOf(w string) uint32 {
	id, added := d.intern(w)
	if !added {
		return id
	}
	d.post = append(d.post, roaring.New())
	i := sort.Search(len(d.sorted), func(i int) bool { return d.words[d.sorted[i]] >= w })
	d.sorted = slices.Insert(d.sorted, i, id)
	d.typoNew = appendVariants(d.typoNew, w, id)
	if len(d.typoNew) > 4096 {
		d.typo = append(d.typo, d.typoNew...)
		slices.Sort(d.typo)
		d.typoNew = d.typoNew[:0]
	}
	return id
}

var variantSeed = maphash.MakeSeed()

// appendVariants appends the entries of word w (id) to the typo neighbourhood: w and its
// one-letter deletions, as chelal_word_variants makes them (none under 3 letters; the word
// alone at 3).
func appendVariants(dst []uint64, w string, id uint32) []uint64 {
	r := []rune(w)
	switch {
	case len(r) < 3:
		return dst
	case len(r) == 3:
		return append(dst, maphash.String(variantSeed, w)>>32<<32|uint64(id))
	}
	for _, v := range runeVariants(r) {
		dst = append(dst, maphash.String(variantSeed, v)>>32<<32|uint64(id))
	}
	return dst
}

// typoWords are the dictionary words one typo away from u (oneTypo) that u does not begin.
func (d *nameData) typoWords(u string) []uint32 {
	r := []rune(u)
	if len(r) < 4 {
		return nil
	}
	var out []uint32
	add := func(e uint64) {
		id := uint32(e)
		if w := d.words[id]; !strings.HasPrefix(w, u) && !slices.Contains(out, id) && oneTypo(u, w) {
			out = append(out, id)
		}
	}
	for _, v := range runeVariants(r) {
		h := maphash.String(variantSeed, v) >> 32 << 32
		for i := sort.Search(len(d.typo), func(i int) bool { return d.typo[i] >= h }); i < len(d.typo) && d.typo[i]>>32<<32 == h; i++ {
			add(d.typo[i])
		}
		for _, e := range d.typoNew {
			if e>>32<<32 == h {
				add(e)
			}
		}
	}
	return out
}

func (d *nameData) grow(p uint32) {
	if int(p) < len(d.visit) {
		return
	}
	n := max(int(p)+1, len(d.visit)+len(d.visit)/4)
	d.visit = append(d.visit, make([]int64, n-len(d.visit))...)
	d.pwStart = append(d.pwStart, make([]uint32, n-len(d.pwStart))...)
	d.pwLen = append(d.pwLen, make([]uint8, n-len(d.pwLen))...)
}

// set puts patient p in the index with its words and visit key (taking out what it held).
func (d *nameData) set(p uint32, words []string, visit int64) {
	d.remove(p)
	d.grow(p)
	if len(words) > 255 {
		words = words[:255]
	}
	d.pwStart[p], d.pwLen[p] = uint32(len(d.pwData)), uint8(len(words))
	for _, w := range words {
		id := d.wordOf(w)
		d.pwData = append(d.pwData, id)
		d.post[id].Add(p)
	}
	d.visit[p] = visit
	d.present.Add(p)
}

// remove takes patient p out of the index.
func (d *nameData) remove(p uint32) {
	if !d.present.Contains(p) {
		return
	}
	for _, id := range d.pwData[d.pwStart[p]:][:d.pwLen[p]] {
		d.post[id].Remove(p)
	}
	d.garbage += int(d.pwLen[p])
	d.pwLen[p] = 0
	d.present.Remove(p)
	if d.garbage > 1<<16 && d.garbage > len(d.pwData)/2 {
		d.compact()
	}
}

// compact copies the words still used to a new pwData.
func (d *nameData) compact() {
	data := make([]uint32, 0, len(d.pwData)-d.garbage)
	it := d.present.Iterator()
	for it.HasNext() {
		p := it.Next()
		start := uint32(len(data))
		data = append(data, d.pwData[d.pwStart[p]:][:d.pwLen[p]]...)
		d.pwStart[p] = start
	}
	d.pwData, d.garbage = data, 0
}

// Run keeps the name search's index in memory until ctx ends: built at start (again after a
// failure, or when the log cannot say what changed), then brought forward every second, and
// the change log emptied of rows older than a day every hour.
func (s *Service) Run(ctx context.Context, log *slog.Logger) {
	x := s.names
	var pruned time.Time
	wait := nameIndexRefresh
	for {
		x.mu.RLock()
		d, rebuild := x.data, x.rebuild
		x.mu.RUnlock()
		var err error
		switch {
		case d == nil || rebuild || time.Since(d.freshAt) > nameIndexStale:
			start := time.Now()
			if err = s.buildNameIndex(ctx); err == nil {
				x.mu.RLock()
				n := x.data.present.GetCardinality()
				x.mu.RUnlock()
				log.Info("name search index built", "patients", n, "took", time.Since(start).Round(time.Millisecond))
			}
		default:
			err = s.refreshNameIndex(ctx)
		}
		if err == nil && time.Since(pruned) > time.Hour {
			if _, err = s.db.Pool.Exec(ctx, `DELETE FROM core_patientsearch_log WHERE at < now() - $1::interval`, nameIndexLogKeep); err == nil {
				pruned = time.Now()
			}
		}
		wait = nameIndexRefresh
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			// The database may be restarting: searches take the SQL path meanwhile (they fail
			// with it), and the index is tried again in a while.
			log.Warn("name search index", "err", err)
			wait = 5 * nameIndexRefresh
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		case <-x.kick:
		}
	}
}

// buildNameIndex reads every patient's words and visit as of one snapshot.
func (s *Service) buildNameIndex(ctx context.Context) error {
	// A log row whose transaction id is not yet given out came with a restored backup (another
	// cluster's ids): it would be read as a change at every search.
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM core_patientsearch_log WHERE xid >= pg_snapshot_xmax(pg_current_snapshot())`); err != nil {
		return fmt.Errorf("name index: %w", err)
	}
	d := &nameData{wordID: map[string]uint32{}}
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text, pg_postmaster_start_time()`).Scan(&d.snap, &d.started); err != nil {
			return err
		}
		d.freshAt = time.Now()
		var n int
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(patient_id), 0) FROM core_patientsearch`).Scan(&n); err != nil {
			return err
		}
		d.grow(uint32(n))
		// Each word's patients are gathered in id order, then made bitmaps at once.
		var lists [][]uint32
		rows, err := tx.Query(ctx, `SELECT s.patient_id, s.words, `+visitKey+` FROM core_patientsearch s ORDER BY s.patient_id`)
		if err != nil {
			return err
		}
		var (
			id    int32
			words []string
			visit int64
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &words, &visit}, func() error {
			p := uint32(id)
			d.grow(p)
			d.pwStart[p], d.pwLen[p] = uint32(len(d.pwData)), uint8(min(len(words), 255))
			for _, w := range words[:d.pwLen[p]] {
				wid, added := d.intern(w)
				if added {
					lists = append(lists, nil)
				}
				d.pwData = append(d.pwData, wid)
				lists[wid] = append(lists[wid], p)
			}
			d.visit[p] = visit
			d.present.Add(p)
			return nil
		})
		if err != nil {
			return err
		}
		d.post = make([]*roaring.Bitmap, len(lists))
		for i, l := range lists {
			d.post[i] = roaring.BitmapOf(l...)
			d.post[i].RunOptimize()
		}
		d.sorted = make([]uint32, len(d.words))
		for i := range d.sorted {
			d.sorted[i] = uint32(i)
		}
		slices.SortFunc(d.sorted, func(a, b uint32) int { return strings.Compare(d.words[a], d.words[b]) })
		for id, w := range d.words {
			d.typo = appendVariants(d.typo, w, uint32(id))
		}
		slices.Sort(d.typo)
		return nil
	})
	if err != nil {
		return fmt.Errorf("name index: %w", err)
	}
	x := s.names
	x.mu.Lock()
	x.data, x.rebuild = d, false
	x.mu.Unlock()
	return nil
}

// changeSQL reads the patients changed since the snapshot $1: their current words and visit
// key, or present false when they are gone; patient 0 means every patient (a TRUNCATE). Each
// row, and one row with no patient when nothing changed, carries when the database server
// started: a server started since the snapshot may give out again the id of a transaction
// that had not reached its WAL when it stopped (crash recovery), and a change written under
// such an id would look older than the snapshot; the index is then built again.
const changeSQL = `
	SELECT t.started, l.patient_id, coalesce(s.words, '{}'), coalesce(` + visitKey + `, 0), s.patient_id IS NOT NULL
	  FROM (SELECT pg_postmaster_start_time() AS started) t
	  LEFT JOIN (SELECT DISTINCT patient_id FROM core_patientsearch_log
	              WHERE xid >= pg_snapshot_xmin($1::pg_snapshot) AND NOT pg_visible_in_snapshot(xid, $1::pg_snapshot)) l ON true
	  LEFT JOIN core_patientsearch s ON s.patient_id = l.patient_id`

// nameChange is a patient changed since the index's snapshot.
type nameChange struct {
	id      uint32
	words   []string
	visit   int64
	present bool
}

// collectChanges reads changeSQL's rows; a server started at another time than started (the
// index's) is the change of every patient (id 0).
func collectChanges(rows pgx.Rows, started time.Time) ([]nameChange, error) {
	var out []nameChange
	var c nameChange
	var id *int32
	var at time.Time
	_, err := pgx.ForEachRow(rows, []any{&at, &id, &c.words, &c.visit, &c.present}, func() error {
		if !at.Equal(started) {
			out = append(out, nameChange{id: 0})
		}
		if id != nil {
			c.id = uint32(*id)
			out = append(out, c)
		}
		c.words = nil
		return nil
	})
	return out, err
}

// refreshNameIndex applies the changes since the index's snapshot and moves the snapshot on.
func (s *Service) refreshNameIndex(ctx context.Context) error {
	x := s.names
	x.mu.RLock()
	snap, started := x.data.snap, x.data.started
	x.mu.RUnlock()
	var changes []nameChange
	var next string
	err := pgx.BeginTxFunc(ctx, s.db.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&next); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, changeSQL, snap)
		if err != nil {
			return err
		}
		changes, err = collectChanges(rows, started)
		return err
	})
	if err != nil {
		return fmt.Errorf("name index: %w", err)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	d := x.data
	if d == nil || d.snap != snap {
		return nil // built again meanwhile
	}
	for _, c := range changes {
		switch {
		case c.id == 0:
			x.rebuild = true
			return nil
		case c.present:
			d.set(c.id, c.words, c.visit)
		default:
			d.remove(c.id)
		}
	}
	d.snap, d.freshAt = next, time.Now()
	return nil
}

// errNoIndex: the index cannot answer (not built, or built again); the SQL path does.
var errNoIndex = errors.New("name index not ready")

// indexedSearch is a name search answered from the index (see the top of this file): the keys
// of the page (limit+1 at most, after the cursor, in order) and the number of matches.
func (s *Service) indexedSearch(ctx context.Context, words []string, after searchKey, limit int) ([]searchKey, int, error) {
	x := s.names
	x.mu.RLock()
	d := x.data
	snap, started := "", time.Time{}
	if d != nil && !x.rebuild && time.Since(d.freshAt) < nameIndexStale {
		snap, started = d.snap, d.started
	}
	x.mu.RUnlock()
	if snap == "" {
		return nil, 0, errNoIndex
	}
	// The words as stored: a word typed in ASCII already is (lower case, no accent); the others
	// are unaccented by the database (chelal_unaccent), in the same round trip as the changes.
	typed := slices.Clone(words)
	var changes []nameChange
	b := &pgx.Batch{}
	if slices.IndexFunc(words, func(w string) bool { return !isASCII(w) }) >= 0 {
		b.Queue(`SELECT chelal_unaccent(lower(w)) FROM unnest($1::text[]) WITH ORDINALITY AS t (w, n) ORDER BY n`, words).
			Query(func(rows pgx.Rows) error {
				var err error
				typed, err = pgx.CollectRows(rows, pgx.RowTo[string])
				return err
			})
	}
	b.Queue(changeSQL, snap).Query(func(rows pgx.Rows) error {
		var err error
		changes, err = collectChanges(rows, started)
		return err
	})
	if err := s.db.Pool.SendBatch(ctx, b).Close(); err != nil {
		return nil, 0, fmt.Errorf("search patients: %w", err)
	}
	if len(typed) != len(words) {
		return nil, 0, fmt.Errorf("search patients: %d words unaccented, %d typed", len(typed), len(words))
	}
	if len(changes) > 100 || slices.ContainsFunc(changes, func(c nameChange) bool { return c.id == 0 }) {
		select { // bring the index forward (or build it again) now rather than in up to a second
		case x.kick <- struct{}{}:
		default:
		}
	}
	x.mu.RLock()
	defer x.mu.RUnlock()
	if x.data != d {
		return nil, 0, errNoIndex
	}
	return d.search(typed, changes, after, limit)
}

// bitsets are the dense sets of patients a search builds (one bit per patient id), reused.
var bitsets sync.Pool

func getBits(n uint) *bitset.BitSet {
	if b, ok := bitsets.Get().(*bitset.BitSet); ok && b.Len() >= n {
		return b.ClearAll()
	}
	return bitset.New(n)
}

// orInto sets in a, and in b unless nil, the patients of p (each below the sets' length).
func orInto(p *roaring.Bitmap, a, b *bitset.BitSet) {
	it := p.ManyIterator()
	var buf [256]uint32
	wa := a.Words()
	var wb []uint64
	if b != nil {
		wb = b.Words()
	}
	for n := it.NextMany(buf[:]); n > 0; n = it.NextMany(buf[:]) {
		for _, v := range buf[:n] {
			wa[v>>6] |= 1 << (v & 63)
		}
		if wb != nil {
			for _, v := range buf[:n] {
				wb[v>>6] |= 1 << (v & 63)
			}
		}
	}
}

// search ranks the candidates: the patients of the index holding every typed word (exact, as
// a beginning, or one typo away), those changed since the snapshot judged from their current
// words instead. Each typed word's patients are gathered in dense sets (a bit per patient):
// those a name word begins with it (exact ones included), and those plus the ones a word one
// typo away; the candidates are the intersection of the latter. (Unions of roaring bitmaps
// were measured first: merging the many sparse lists of a common word's neighbours was half of
// a search's CPU.)
func (d *nameData) search(typed []string, changes []nameChange, after searchKey, limit int) ([]searchKey, int, error) {
	n := uint(len(d.visit))
	exact := make([]*roaring.Bitmap, len(typed))
	begins := make([]*bitset.BitSet, len(typed))
	var cand *bitset.BitSet
	defer func() {
		for _, b := range begins {
			bitsets.Put(b)
		}
	}()
	for i, u := range typed {
		if id, ok := d.wordID[u]; ok {
			exact[i] = d.post[id]
		}
		begins[i] = getBits(n)
		matched := getBits(n)
		for _, id := range d.sorted[sort.Search(len(d.sorted), func(k int) bool { return d.words[d.sorted[k]] >= u }):] {
			if !strings.HasPrefix(d.words[id], u) {
				break
			}
			orInto(d.post[id], begins[i], matched)
		}
		for _, id := range d.typoWords(u) {
			orInto(d.post[id], matched, nil)
		}
		if cand == nil {
			cand = matched
		} else {
			cand.InPlaceIntersection(matched)
			bitsets.Put(matched)
		}
	}
	defer bitsets.Put(cand)
	for _, c := range changes {
		if c.id == 0 {
			return nil, 0, errNoIndex
		}
		cand.Clear(uint(c.id))
	}

	total := 0
	page := make([]searchKey, 0, limit+1)
	consider := func(k searchKey) {
		if !after.less(k) {
			return
		}
		if len(page) == limit+1 && !k.less(page[limit]) {
			return
		}
		i := sort.Search(len(page), func(i int) bool { return k.less(page[i]) })
		if len(page) < limit+1 {
			page = append(page, searchKey{})
		}
		copy(page[i+1:], page[i:])
		page[i] = k
	}
	var buf [256]uint
	for j, ps := cand.NextSetMany(0, buf[:]); len(ps) > 0; j, ps = cand.NextSetMany(j+1, buf[:]) {
		total += len(ps)
		for _, p := range ps {
			worst, sum := 0, 0
			for i := range typed {
				m := matchTypo
				switch {
				case exact[i] != nil && exact[i].Contains(uint32(p)):
					m = matchExact
				case begins[i].Test(p):
					m = matchPrefix
				}
				worst, sum = max(worst, m), sum+m
			}
			consider(searchKey{rank: int64(worst*16 + sum), visit: d.visit[p], id: int64(p)})
		}
	}
	for _, c := range changes {
		if !c.present {
			continue
		}
		if rank, ok := rankWords(typed, c.words); ok {
			total++
			consider(searchKey{rank: rank, visit: c.visit, id: int64(c.id)})
		}
	}
	return page, total, nil
}

// rankWords is the rank of a name of these words against the typed words (as the SQL search
// ranks: the worst word's match times 16 plus the sum of the matches), false when a typed word
// matches none of them.
func rankWords(typed []string, words []string) (int64, bool) {
	worst, sum := 0, 0
	for _, u := range typed {
		m := -1
		for _, w := range words {
			switch {
			case w == u:
				m = matchExact
			case strings.HasPrefix(w, u):
				if m != matchExact {
					m = matchPrefix
				}
			case m < 0 && oneTypo(u, w):
				m = matchTypo
			}
		}
		if m < 0 {
			return 0, false
		}
		worst, sum = max(worst, m), sum+m
	}
	return int64(worst*16 + sum), true
}

// oneTypo says whether a typed word u and a name's word w are one typo apart, as the SQL
// search decides it (core_namewordvariant, chelal_word_variants): u has 4 letters or more, and
// u or u less one letter equals w (3 letters or more) or w less one letter (w of 4 or more).
func oneTypo(u, w string) bool {
	ur, wr := []rune(u), []rune(w)
	if len(ur) < 4 || len(wr) < 3 {
		return false
	}
	uv := runeVariants(ur)
	wv := []string{w}
	if len(wr) >= 4 {
		wv = runeVariants(wr)
	}
	for _, a := range uv {
		if slices.Contains(wv, a) {
			return true
		}
	}
	return false
}

// runeVariants is a word and the word less each one of its letters.
func runeVariants(r []rune) []string {
	out := []string{string(r)}
	for k := range r {
		out = append(out, string(r[:k])+string(r[k+1:]))
	}
	return out
}

// less orders search keys: rank, then visit, then id.
func (k searchKey) less(o searchKey) bool {
	if k.rank != o.rank {
		return k.rank < o.rank
	}
	if k.visit != o.visit {
		return k.visit < o.visit
	}
	return k.id < o.id
}

// WaitNameIndex waits until the name search's index is built (Run must be running), for tests
// and benchmarks that measure the indexed path.
func (s *Service) WaitNameIndex(ctx context.Context) error {
	for {
		s.names.mu.RLock()
		ok := s.names.data != nil && !s.names.rebuild
		s.names.mu.RUnlock()
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
