// Command importcsv measures a spreadsheet import of N patients (default 100,000) from a CSV
// file on a fresh embedded PostgreSQL: the time of the dry run and of the import, and the Go
// process's peak memory (sampled heap in use, and the peak resident size), which must stay flat
// (the file is streamed, never held whole). A few rows of each kind of problem are mixed in,
// so the refused-row path is measured too. Then the import is undone as a whole, and the undo
// measured (time and CPU). Budget (issue 23): under 60 s on the 2-core machine.
//
// The machine may be shared: beside the wall time it prints the CPU time per 1,000 rows of
// this process and of PostgreSQL (the postmaster and its backends, from /proc: Linux only),
// and the load average before and after, so that a run on a loaded machine can be judged.
//
//	go build -o bin/bench-importcsv ./bench/importcsv
//	bin/bench-importcsv -n 100000
//
// PostgreSQL refuses root: as root, run it as nobody (setpriv --reuid=65534 ...).
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"chelal/internal/db"
	"chelal/internal/importer"
)

func main() {
	n := flag.Int("n", 100_000, "patients in the file")
	flag.Parse()
	if err := run(*n); err != nil {
		fmt.Fprintln(os.Stderr, "bench/importcsv:", err)
		os.Exit(1)
	}
}

var first = []string{"José", "Zoë", "Amina", "Ngũgĩ", "François", "Wanjiru", "Émile", "Chloé", "Otieno", "Achieng", "Baraka", "Neema"}
var last = []string{"Müller", "Ødegård", "Kamau", "Njoroge", "Lefèvre", "Mwangi", "Nuñez", "Okafor", "Dubois", "Hassan", "Omondi"}

func writeCSV(path string, n int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "Record number,First name,Last name,Date of birth,Sex,Phone,Address")
	for i := 1; i <= n; i++ {
		dob := time.Date(1940, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, (i*7919)%29000).Format("02/01/2006")
		sex := "F"
		if i%2 == 0 {
			sex = "M"
		}
		switch {
		case i%5000 == 1:
			dob = "1988-13-45" // a bad date
		case i%5000 == 2:
			sex = "?" // an unknown sex value
		}
		// Names made unique by a number word so that real duplicates are the planted ones only.
		fmt.Fprintf(w, "OPD-%07d,%s,%s %s,%s,%s,+2547%08d,Ward %d\n", i, first[i%len(first)], last[(i/len(first))%len(last)], word(i), dob, sex, i, i%40)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return f.Close()
}

// word spells i in letters (a..j per digit), so names differ without digits.
func word(i int) string {
	b := []byte{}
	for ; i > 0; i /= 10 {
		b = append(b, byte('a'+i%10))
	}
	return string(b)
}

func run(n int) error {
	// Ctrl-C stops the import and still stops PostgreSQL and removes the folder.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	dir, err := os.MkdirTemp("", "chelal-bench-import-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, "patients.csv")
	if err := writeCSV(file, n); err != nil {
		return err
	}
	st, _ := os.Stat(file)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	fmt.Fprintln(os.Stderr, "starting PostgreSQL")
	d, err := db.Open(ctx, db.OpenOptions{DataDir: filepath.Join(dir, "data"), Logger: quiet})
	if err != nil {
		return err
	}
	defer d.Close()
	if err := db.Migrate(ctx, d.DSN(), quiet); err != nil {
		return err
	}

	var peakHeap atomic.Uint64
	stop := make(chan struct{})
	go func() {
		var m runtime.MemStats
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			runtime.ReadMemStats(&m)
			if m.HeapInuse > peakHeap.Load() {
				peakHeap.Store(m.HeapInuse)
			}
		}
	}()
	var pgPID int
	if err := d.Pool.QueryRow(ctx, `SELECT pg_backend_pid()`).Scan(&pgPID); err != nil {
		return err
	}
	postmaster := parentOf(pgPID)
	fmt.Printf("load average before: %s\n", loadAverage())
	measure := func(dry bool) (*importer.SheetReport, time.Duration, error) {
		f, err := os.Open(file)
		if err != nil {
			return nil, 0, err
		}
		defer f.Close()
		goCPU, pgCPU := selfCPU(), treeCPU(postmaster)
		defer func() {
			what := "import"
			if dry {
				what = "dry run"
			}
			g, p := selfCPU()-goCPU, treeCPU(postmaster)-pgCPU
			per := func(x time.Duration) time.Duration { return (x * 1000 / time.Duration(n)).Round(time.Millisecond) }
			fmt.Printf("  %s CPU: Go %s, PostgreSQL %s; per 1,000 rows: Go %s, PostgreSQL %s\n", what,
				g.Round(time.Millisecond), p.Round(time.Millisecond), per(g), per(p))
		}()
		started := time.Now()
		rep, err := importer.ImportSheet(ctx, d, db.Actor{}, f, importer.SheetOptions{
			Kind: importer.KindPatients, FileName: "patients.csv", DateFormat: "DD/MM/YYYY", DryRun: dry},
			func(done int) {
				if done%10000 == 0 {
					fmt.Fprintf(os.Stderr, "  %d rows after %s\n", done, time.Since(started).Round(time.Millisecond))
				}
			})
		return rep, time.Since(started), err
	}
	_, dryTook, err := measure(true)
	if err != nil {
		return err
	}
	rep, took, err := measure(false)
	if err != nil {
		close(stop)
		return err
	}
	// The undo of the whole import (nothing changed since): every patient and alias deleted,
	// each an audit row and a live event.
	goCPU, pgCPU := selfCPU(), treeCPU(postmaster)
	started := time.Now()
	err = importer.Undo(ctx, d, db.Actor{}, rep.ImportID)
	undoTook := time.Since(started)
	undoGo, undoPG := selfCPU()-goCPU, treeCPU(postmaster)-pgCPU
	close(stop)
	if err != nil {
		return fmt.Errorf("undo: %w", err)
	}
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	c := rep.Counts[0]
	fmt.Printf("patients CSV: %d rows (%.1f MB)\n", n, float64(st.Size())/1e6)
	fmt.Printf("  dry run:  %s\n", dryTook.Round(time.Millisecond))
	fmt.Printf("  import:   %s (%.0f rows/s): %d imported, %d refused\n", took.Round(time.Millisecond), float64(c.Read)/took.Seconds(), c.Imported, c.Refused)
	fmt.Printf("  undo:     %s: CPU Go %s, PostgreSQL %s; per 1,000 rows: PostgreSQL %s\n", undoTook.Round(time.Millisecond),
		undoGo.Round(time.Millisecond), undoPG.Round(time.Millisecond), (undoPG * 1000 / time.Duration(c.Imported)).Round(time.Millisecond))
	fmt.Printf("  Go heap in use, peak: %.1f MiB; peak RSS of the process: %.1f MiB\n", float64(peakHeap.Load())/(1<<20), float64(ru.Maxrss)/1024)
	fmt.Printf("load average after: %s\n", loadAverage())
	return nil
}

// selfCPU is the CPU time this process used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procStat returns a process's parent and CPU ticks (its own, and its reaped children's).
func procStat(pid int) (ppid int, own, children int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, 0, false
	}
	// the fields after the command's closing parenthesis: state ppid ... utime(14) stime cutime cstime
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 15 {
		return 0, 0, 0, false
	}
	num := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
	return int(num(1)), num(11) + num(12), num(13) + num(14), true
}

func parentOf(pid int) int {
	ppid, _, _, _ := procStat(pid)
	return ppid
}

// treeCPU is the CPU time of the postmaster and its backends (live ones, and those it reaped).
func treeCPU(postmaster int) time.Duration {
	const tick = 10 * time.Millisecond // USER_HZ 100
	_, own, children, ok := procStat(postmaster)
	if !ok {
		return 0
	}
	total := own + children
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == postmaster {
			continue
		}
		if ppid, own, _, ok := procStat(pid); ok && ppid == postmaster {
			total += own
		}
	}
	return time.Duration(total) * tick
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}
