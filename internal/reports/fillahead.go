package reports

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"chelal/internal/settings"
)

// The cache is filled ahead of the readers: FillAhead stores every closed day not cached yet
// (the days since the clinic's first encounter or payment, newest month first), so a reader
// never computes a year. Run does it at start-up and then every interval, which takes in the
// day that closed at midnight and refills the days the writers' triggers forgot.

// fillAheadChunk is how many days one background fill transaction computes: the writers wait
// for the exclusive lock at most that long.
const fillAheadChunk = 3

// FillAhead fills the cache for the clinic's zone and age bands up to yesterday and says how
// many days it stored.
func (s *Service) FillAhead(ctx context.Context) (int, error) {
	loc, err := settings.Location(ctx, s.db.Pool)
	if err != nil {
		return 0, err
	}
	bands, err := ageBands(ctx, s.db.Pool)
	if err != nil {
		return 0, err
	}
	zone := pgZone(loc)
	var first *time.Time
	if err := s.db.Pool.QueryRow(ctx, `SELECT least((SELECT min(created_at) FROM core_encounter), (SELECT min(payment_date) FROM core_payment))`).Scan(&first); err != nil || first == nil {
		return 0, err
	}
	var before int
	if err := s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM core_reportday WHERE zone = $1 AND bands = $2`, zone, bandsKey(bands)).Scan(&before); err != nil {
		return 0, err
	}
	earliest := settings.DateIn(*first, loc)
	yesterday := settings.DateIn(s.now(), loc).AddDate(0, 0, -1)
	kinds := make([]string, 0, len(dayKinds))
	for k := range dayKinds {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for end := yesterday; !end.Before(earliest); {
		start := time.Date(end.Year(), end.Month(), 1, 0, 0, 0, 0, time.UTC)
		if start.Before(earliest) {
			start = earliest
		}
		for _, k := range kinds {
			if err := s.fillDays(ctx, k, dayKinds[k], zone, bands, start.Format(time.DateOnly), end.Format(time.DateOnly), fillAheadChunk); err != nil {
				return 0, err
			}
			// A summing kind's whole closed month is cached as one row too.
			if dayKinds[k].sumDays && start.Day() == 1 && end.AddDate(0, 0, 1).Day() == 1 {
				if err := s.fillMonth(ctx, k, zone, bands, start.Format(time.DateOnly)); err != nil {
					return 0, err
				}
			}
		}
		end = start.AddDate(0, 0, -1)
	}
	var after int
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM core_reportday WHERE zone = $1 AND bands = $2`, zone, bandsKey(bands)).Scan(&after)
	return after - before, err
}

// Run fills the cache ahead and compacts the debts' summary (CompactDebts) at start and then
// every interval until ctx ends.
func (s *Service) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		t0 := time.Now()
		if n, err := s.FillAhead(ctx); err != nil && ctx.Err() == nil {
			log.Error("reports: fill the day cache", "err", err)
		} else if n > 0 {
			log.Info("reports: day cache filled", "days", n, "took", time.Since(t0).Round(time.Millisecond))
		}
		if _, err := s.CompactDebts(ctx); err != nil && ctx.Err() == nil {
			log.Error("reports: compact the debts' summary", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
