package reports

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/settings"
)

// The per-day cache (core_reportday, migration 0040). A cached kind's aggregates are items
// (JSON arrays) per local day, summed over the period in Go. Past days are computed once by
// the kind's itemsSQL and stored, keyed by the zone and the age bands; triggers delete a day
// in the same transaction as any change to a row it counts (an encounter, a diagnosis, a
// patient's birth date or sex), so a cached day equals the plain query over it. Today, the
// future and any day not cached are computed live in the report's snapshot. A summing kind's
// closed months are also stored whole (kind "<kind>/month", FillAhead's fillMonth), forgotten
// with any of their days, so a year sums a dozen rows.

// dayKind is a report read through the cache: itemsSQL gives (day date, item jsonb) rows of
// the encounters in [$1, $2) in the zone $3 and bands $4; render sums the items and builds
// the report in the snapshot tx.
type dayKind struct {
	itemsSQL string
	// sumDays: the items' last element is a count, and render needs no day: the cached days'
	// items are summed in SQL (fewer rows to read).
	sumDays bool
	render  func(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, items []dayItem, r *Report) error
}

// dayItem is one item of a day.
type dayItem struct {
	day  string
	vals []any
}

var dayKinds = map[string]dayKind{
	Attendance: {itemsSQL: attendanceItemsSQL, render: attendanceFromItems},
	Morbidity:  {itemsSQL: morbidityItemsSQL, render: morbidityFromItems, sumDays: true},
	Revenue:    {itemsSQL: revenueItemsSQL, render: revenueFromItems},
}

// reportdayLock is the advisory lock writers take shared (the migration's triggers) and the
// filler exclusively.
const reportdayLock = 7340040

// BuildPlain builds the report with the plain queries only, never the cache (the reference
// the cache is tested against).
func (s *Service) BuildPlain(ctx context.Context, kind string, q PeriodQuery, l i18n.Lang) (Report, error) {
	return s.buildPlain(ctx, kind, q, l, func() {})
}

// buildPlain is BuildPlain calling snapshot before it takes its snapshot.
func (s *Service) buildPlain(ctx context.Context, kind string, q PeriodQuery, l i18n.Lang, snapshot func()) (Report, error) {
	b, ok := builders[kind]
	if !ok {
		return Report{}, apperr.New(apperr.ErrNotFound, "No such report.")
	}
	snapshot()
	tx, err := db.BeginSnapshot(ctx, s.db.Pool)
	if err != nil {
		return Report{}, fmt.Errorf("report %s: %w", kind, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	p, err := s.period(ctx, tx, q)
	if err != nil {
		return Report{}, err
	}
	return build(ctx, tx, b, kind, p, l)
}

// buildDays builds a cached kind: fills the period's missing past days, then sums the
// cached days and the live ones in one snapshot (snapshot is called just before it is taken).
func (s *Service) buildDays(ctx context.Context, kind string, dk dayKind, q PeriodQuery, l i18n.Lang, snapshot func()) (Report, error) {
	p, err := s.period(ctx, s.db.Pool, q)
	if err != nil {
		return Report{}, err
	}
	if p.Days() > 1100 { // periodDays' limit: a longer custom period is read plainly
		return s.buildPlain(ctx, kind, q, l, snapshot)
	}
	bands, err := ageBands(ctx, s.db.Pool)
	if err != nil {
		return Report{}, err
	}
	loc, err := time.LoadLocation(p.Zone)
	if err != nil {
		loc = time.UTC
	}
	yesterday := settings.DateIn(s.now(), loc).AddDate(0, 0, -1).Format(time.DateOnly)
	if last := min(p.To, yesterday); last >= p.From {
		if err := s.fillDays(ctx, kind, dk, p.Zone, bands, p.From, last, fillChunk); err != nil {
			return Report{}, fmt.Errorf("report %s: fill: %w", kind, err)
		}
	}
	snapshot()
	tx, err := db.BeginSnapshot(ctx, s.db.Pool)
	if err != nil {
		return Report{}, fmt.Errorf("report %s: %w", kind, err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	b := func(ctx context.Context, tx pgx.Tx, l i18n.Lang, p ReportPeriod, bands []int, r *Report) error {
		items, err := dayItems(ctx, tx, kind, dk, p, bands)
		if err != nil {
			return err
		}
		return dk.render(ctx, tx, l, p, bands, items, r)
	}
	return build(ctx, tx, b, kind, p, l)
}

// dayBoundsSQL is the instants from midnight of day $1 to the midnight after day $2 in zone $3.
const dayBoundsSQL = `SELECT $1::date::timestamp AT TIME ZONE $3, ($2::date + 1)::timestamp AT TIME ZONE $3`

func bandsKey(bands []int) string {
	s := make([]string, len(bands))
	for i, b := range bands {
		s[i] = strconv.Itoa(b)
	}
	return strings.Join(s, ",")
}

// fillDays stores the days from..to (past days) of kind not cached yet, at most chunk days a
// transaction. It holds the exclusive lock, so no change is in flight while it reads (its
// statement's snapshot is taken after every writer holding the shared lock has ended).
func (s *Service) fillDays(ctx context.Context, kind string, dk dayKind, zone string, bands []int, from, to string, chunk int) error {
	bk := bandsKey(bands)
	missing := `SELECT min(d)::date::text FROM generate_series($4::date, $5::date, interval '1 day') d
		WHERE NOT EXISTS (SELECT 1 FROM core_reportday r WHERE r.kind = $1 AND r.zone = $2 AND r.bands = $3 AND r.day = d::date)`
	// Writers wait for the lock at most one chunk's computation.
	for cur := from; cur <= to; {
		var first *string
		if err := s.db.Pool.QueryRow(ctx, missing, kind, zone, bk, cur, to).Scan(&first); err != nil {
			return err
		}
		if first == nil {
			return nil
		}
		f, err := time.Parse(time.DateOnly, *first)
		if err != nil {
			return err
		}
		last := min(f.AddDate(0, 0, chunk-1).Format(time.DateOnly), to)
		if err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, reportdayLock); err != nil {
				return err
			}
			// Another reader may have filled these days while this one waited for the lock.
			var still *string
			if err := tx.QueryRow(ctx, missing, kind, zone, bk, *first, last).Scan(&still); err != nil || still == nil {
				return err
			}
			var start, end time.Time
			if err := tx.QueryRow(ctx, dayBoundsSQL, *still, last, zone).Scan(&start, &end); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `
				WITH x AS (`+dk.itemsSQL+`),
				     g AS (SELECT day, jsonb_agg(item) AS items FROM x GROUP BY day)
				INSERT INTO core_reportday (kind, zone, bands, day, day_start, day_end, items)
				SELECT $5, $3, $6, d::date, d::date::timestamp AT TIME ZONE $3, (d::date + 1)::timestamp AT TIME ZONE $3,
				       coalesce(g.items, '[]'::jsonb)
				  FROM generate_series($7::date, $8::date, interval '1 day') d LEFT JOIN g ON g.day = d::date
				ON CONFLICT DO NOTHING`, start, end, zone, bands, kind, bk, *still, last)
			return err
		}); err != nil {
			return err
		}
		cur = f.AddDate(0, 0, chunk).Format(time.DateOnly)
	}
	return nil
}

// A summed item it (a JSON array): its key (all but the last element) and its count (the last).
const (
	itemKeySQL   = `it - (jsonb_array_length(it) - 1)`
	itemCountSQL = `(it ->> (jsonb_array_length(it) - 1))::bigint`
)

// fillMonth stores the closed month starting on month (YYYY-MM-01) of a summing kind, the sum
// of its days, when every day of it is cached; under the exclusive lock, as fillDays.
func (s *Service) fillMonth(ctx context.Context, kind, zone string, bands []int, month string) error {
	return pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, reportdayLock); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `
			WITH d AS (SELECT r.items FROM core_reportday r
			            WHERE r.kind = $1 AND r.zone = $2 AND r.bands = $3 AND r.day >= $4::date AND r.day < ($4::date + interval '1 month')::date)
			INSERT INTO core_reportday (kind, zone, bands, day, day_start, day_end, items)
			SELECT $1 || '/month', $2, $3, $4::date, $4::date::timestamp AT TIME ZONE $2, ($4::date + interval '1 month')::timestamp AT TIME ZONE $2,
			       coalesce((SELECT jsonb_agg(k || jsonb_build_array(c)) FROM (
			           SELECT `+itemKeySQL+` AS k, sum(`+itemCountSQL+`) AS c
			             FROM d, jsonb_array_elements(d.items) it GROUP BY 1) x), '[]'::jsonb)
			 WHERE (SELECT count(*) FROM d) = ($4::date + interval '1 month')::date - $4::date
			ON CONFLICT DO NOTHING`, kind, zone, bandsKey(bands), month)
		return err
	})
}

// fillChunk is how many days a reader's fill transaction computes at most.
const fillChunk = 31

// dayItems are the period's items: the cached days' and, for the days not cached, the live
// query's, all read in tx.
func dayItems(ctx context.Context, tx pgx.Tx, kind string, dk dayKind, p ReportPeriod, bands []int) ([]dayItem, error) {
	const cachedDays = `FROM core_reportday r WHERE r.kind = $1 AND r.zone = $2 AND r.bands = $3 AND r.day BETWEEN $4::date AND $5::date`
	args := []any{kind, p.Zone, bandsKey(bands), p.From, p.To}
	var out []dayItem
	cached := map[string]bool{}
	if dk.sumDays {
		// The closed months inside the period cached whole (FillAhead), then the other days.
		months, err := db.QueryAll(ctx, tx, pgx.RowTo[string], `SELECT day::text FROM core_reportday WHERE kind = $1 || '/month' AND zone = $2 AND bands = $3
			AND day >= $4::date AND (day + interval '1 month')::date <= $5::date + 1`, args...)
		if err != nil {
			return nil, err
		}
		args = append(args, months)
		const notInMonths = ` AND date_trunc('month', r.day)::date::text <> ALL($6::text[])`
		days, err := db.QueryAll(ctx, tx, pgx.RowTo[string], `SELECT day::text `+cachedDays+notInMonths, args...)
		if err != nil {
			return nil, err
		}
		for _, d := range days {
			cached[d] = true
		}
		for _, m := range months {
			d, err := time.Parse(time.DateOnly, m)
			if err != nil {
				return nil, err
			}
			for e := d.AddDate(0, 1, 0); d.Before(e); d = d.AddDate(0, 0, 1) {
				cached[d.Format(time.DateOnly)] = true
			}
		}
		// Each item's leading elements (its key) with its last (a count) summed over the days
		// and months.
		rows, err := tx.Query(ctx, `
			SELECT k || jsonb_build_array(sum(c)) FROM (
				SELECT `+itemKeySQL+` AS k, `+itemCountSQL+` AS c
				  FROM core_reportday r, jsonb_array_elements(r.items) it
				 WHERE r.zone = $2 AND r.bands = $3 AND (
				       (r.kind = $1 AND r.day BETWEEN $4::date AND $5::date`+notInMonths+`)
				    OR (r.kind = $1 || '/month' AND r.day::text = ANY($6::text[])))) x
			 GROUP BY k`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var it dayItem
			if err := rows.Scan(&it.vals); err != nil {
				return nil, err
			}
			out = append(out, it)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	} else {
		rows, err := tx.Query(ctx, `SELECT day::text, items `+cachedDays, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var day string
			var items [][]any
			if err := rows.Scan(&day, &items); err != nil {
				return nil, err
			}
			cached[day] = true
			for _, it := range items {
				out = append(out, dayItem{day: day, vals: it})
			}
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// The days not cached, as runs of consecutive days, each read live.
	days := periodDays(p)
	for i := 0; i < len(days); {
		if cached[days[i]] {
			i++
			continue
		}
		j := i
		for j+1 < len(days) && !cached[days[j+1]] {
			j++
		}
		live, err := liveItems(ctx, tx, dk, p.Zone, bands, days[i], days[j])
		if err != nil {
			return nil, err
		}
		out = append(out, live...)
		i = j + 1
	}
	return out, nil
}

func liveItems(ctx context.Context, tx pgx.Tx, dk dayKind, zone string, bands []int, from, to string) ([]dayItem, error) {
	var start, end time.Time
	if err := tx.QueryRow(ctx, dayBoundsSQL, from, to, zone).Scan(&start, &end); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `WITH x AS (`+dk.itemsSQL+`) SELECT day::text, item FROM x`, start, end, zone, bands)
	if err != nil {
		return nil, err
	}
	var out []dayItem
	for rows.Next() {
		var it dayItem
		if err := rows.Scan(&it.day, &it.vals); err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}
