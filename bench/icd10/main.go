// Command icd10 measures the bundled ICD-10 list: what loading it costs at start-up (the first
// time, on an empty table; again when the bundled file changed; and the check every later
// start makes), and the search's latency (by code, by words, with a typo), p50/p95/max of N runs
// each. Figures, not a test: nothing here fails on time.
//
//	go run ./bench/icd10 -n 200        (as root: setpriv --reuid=65534 --regid=65534 --clear-groups go run ...)
//
// It starts its own bundled PostgreSQL in a temporary folder (on the disk, fsync on, as serve).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"time"

	"chelal/internal/db"
	"chelal/internal/diagnoses"
	"chelal/internal/i18n"
)

func main() {
	n := flag.Int("n", 200, "runs of each search")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "bench/icd10:", err)
		os.Exit(1)
	}
}

func run(n int) error {
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "chelal-bench-icd10-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	e, err := db.StartEmbedded(ctx, db.EmbeddedOptions{Dir: filepath.Join(dir, "pg"), Logger: log})
	if err != nil {
		return err
	}
	defer e.Stop()
	t := time.Now()
	if err := db.Migrate(ctx, e.DSN(), log); err != nil {
		return err
	}
	fmt.Printf("migrations from empty, with the first load of the list: %v\n", time.Since(t).Round(time.Millisecond))
	d, err := db.Connect(ctx, e.DSN())
	if err != nil {
		return err
	}
	defer d.Close()
	var codes int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_icd10code`).Scan(&codes); err != nil {
		return err
	}
	fmt.Printf("codes loaded: %d\n", codes)

	// the first load alone: an empty table
	if _, err := d.Pool.Exec(ctx, `DELETE FROM core_icd10source; DELETE FROM core_icd10code`); err != nil {
		return err
	}
	if _, took, err := db.LoadICD10(ctx, e.DSN()); err != nil {
		return err
	} else {
		fmt.Printf("first load (empty table): %v\n", took.Round(time.Millisecond))
	}
	// the bundled file changed (same codes): every row compared, none rewritten
	if _, err := d.Pool.Exec(ctx, `UPDATE core_icd10source SET sha256 = 'old'`); err != nil {
		return err
	}
	if _, took, err := db.LoadICD10(ctx, e.DSN()); err != nil {
		return err
	} else {
		fmt.Printf("reload (bundled file changed, codes the same): %v\n", took.Round(time.Millisecond))
	}
	// every later start: one query
	var checks []time.Duration
	for range 20 {
		loaded, took, err := db.LoadICD10(ctx, e.DSN())
		if err != nil {
			return err
		}
		if loaded {
			return fmt.Errorf("the list was loaded again although unchanged")
		}
		checks = append(checks, took)
	}
	fmt.Printf("start-up check (list unchanged, connection included): %s\n", stats(checks))

	svc := diagnoses.NewService(d)
	for _, q := range []struct{ label, q string }{
		{"code prefix", "J06"},
		{"code without dot", "b509"},
		{"one word", "paludisme"},
		{"words, accents left out", "gastroenterite infectieuse"},
		{"word with a typo", "hypertention"},
		{"two words, one typo", "diabete insulino-dependent"},
	} {
		var ds []time.Duration
		hits := 0
		for range n {
			t := time.Now()
			l, err := svc.Search(ctx, i18n.FR, q.q, 20)
			if err != nil {
				return err
			}
			ds = append(ds, time.Since(t))
			hits = len(l.Items)
		}
		fmt.Printf("search %-28q %-24s %2d hits  %s\n", q.q, q.label, hits, stats(ds))
	}
	return nil
}

func stats(ds []time.Duration) string {
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return fmt.Sprintf("p50 %v  p95 %v  max %v (n=%d)", at(0.5).Round(10*time.Microsecond), at(0.95).Round(10*time.Microsecond),
		ds[len(ds)-1].Round(10*time.Microsecond), len(ds))
}
