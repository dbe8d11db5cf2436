// Command notify measures what a NOTIFY in the writing transaction costs the commits, on the
// embedded PostgreSQL with Chelal's settings: W connections (default 50) each commit one-row
// inserts into a scratch table, in rounds of a phase without a NOTIFY then one with
// `pg_notify` in the same transaction (as every change of Chelal does: migration 0024's
// trigger). PostgreSQL serializes the commits of transactions that notified, so at saturation
// (-pause 0) the commits a second fall; at a clinic's pace (-pause 1s) the question is whether
// the latencies move. It prints, per phase, the commits a second and their p50/p95/p99.
//
//	go build -o bin/bench-notify ./bench/notify
//	bin/bench-notify -w 50 -d 8s              # saturated
//	bin/bench-notify -w 50 -d 20s -pause 1s   # paced
//
// -listen holds a LISTEN on the channel, as an instance with open streams does. PostgreSQL
// refuses root: as root, run it as nobody (setpriv --reuid=65534 --regid=65534 --clear-groups),
// with TMPDIR on a disk (the default /tmp may be tmpfs, which has no fsync to wait for).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"chelal/bench/internal/benchdb"
	"chelal/bench/internal/stats"
)

func main() {
	writers := flag.Int("w", 50, "connections committing at once")
	d := flag.Duration("d", 8*time.Second, "duration of each phase")
	rounds := flag.Int("rounds", 3, "rounds of a phase without a NOTIFY then one with")
	pause := flag.Duration("pause", 0, "each connection's pause between commits (0: none, saturated)")
	listen := flag.Bool("listen", false, "hold a LISTEN on the channel meanwhile")
	flag.Parse()
	if err := run(*writers, *rounds, *d, *pause, *listen); err != nil {
		fmt.Fprintln(os.Stderr, "bench/notify:", err)
		os.Exit(1)
	}
}

func run(writers, rounds int, dur, pause time.Duration, listen bool) error {
	ctx := context.Background()
	d, dir, closeDB, err := benchdb.Open(ctx, "notify", "")
	if err != nil {
		return err
	}
	defer closeDB()
	cfg, err := pgxpool.ParseConfig(d.DSN())
	if err != nil {
		return err
	}
	cfg.MaxConns = int32(writers + 1)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_notify (id bigserial PRIMARY KEY, v text NOT NULL)`); err != nil {
		return err
	}
	if listen {
		c, err := pool.Acquire(ctx)
		if err != nil {
			return err
		}
		defer c.Release()
		if _, err := c.Exec(ctx, "LISTEN bench_notify"); err != nil {
			return err
		}
		lctx, stop := context.WithCancel(ctx)
		defer stop()
		go func() {
			for lctx.Err() == nil {
				if _, err := c.Conn().WaitForNotification(lctx); err != nil {
					return
				}
			}
		}()
	}
	fmt.Printf("notify: %d connections, pause %s, %s per phase, listening %v, data in %s\n", writers, pause, dur, listen, dir)
	for round := range rounds {
		for _, notify := range []bool{false, true} {
			lat, err := phase(ctx, pool, writers, dur, pause, notify)
			if err != nil {
				return err
			}
			q := func(p float64) float64 { return stats.Pct(lat, p) }
			what := "without NOTIFY"
			if notify {
				what = "with NOTIFY   "
			}
			fmt.Printf("round %d, %s: %d commits, %.0f/s, p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n",
				round+1, what, len(lat), float64(len(lat))/dur.Seconds(), q(0.5), q(0.95), q(0.99))
		}
	}
	return nil
}

// phase runs the writers for dur and returns each commit's latency (begin to commit).
func phase(ctx context.Context, pool *pgxpool.Pool, writers int, dur, pause time.Duration, notify bool) ([]time.Duration, error) {
	var mu sync.Mutex
	var all []time.Duration
	var firstErr error
	end := time.Now().Add(dur)
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			var mine []time.Duration
			defer func() {
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}()
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := commitOne(ctx, pool, notify); err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
				if pause > 0 {
					time.Sleep(pause)
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil && len(all) == 0 {
		firstErr = fmt.Errorf("no commit in %s", dur)
	}
	return all, firstErr
}

func commitOne(ctx context.Context, pool *pgxpool.Pool, notify bool) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `INSERT INTO bench_notify (v) VALUES ('x')`); err != nil {
		return err
	}
	if notify {
		if _, err := tx.Exec(ctx, `SELECT pg_notify('bench_notify', 'x')`); err != nil {
			return err
		}
	}
	return tx.Commit(ctx)
}
