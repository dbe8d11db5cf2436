package backup

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// openArchiving starts an embedded server of its own (with params) under a new folder of
// dbtest.Root(), migrated, with an administrator to notify. db.Open points TMPDIR (process-wide)
// into the server's folder, where parallel tests make their t.TempDir: the cleanup points it
// back at a folder that outlives the test run and leaves that tmp folder in place.
func openArchiving(t *testing.T, name string, params func(root string) map[string]string) (*db.DB, string) {
	t.Helper()
	ctx := context.Background()
	root, err := os.MkdirTemp(dbtest.Root(), name+"-")
	if err != nil {
		t.Fatal(err)
	}
	d, err := db.Open(ctx, db.OpenOptions{DataDir: filepath.Join(root, "data"), Parameters: params(root)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = d.Close()
		_ = os.Setenv("TMPDIR", dbtest.Root())
		pg := filepath.Join(root, "data", "pg")
		entries, _ := os.ReadDir(pg)
		for _, e := range entries {
			if e.Name() != "tmp" {
				_ = os.RemoveAll(filepath.Join(pg, e.Name()))
			}
		}
	})
	if err := db.Migrate(ctx, d.DSN(), nil); err != nil {
		t.Fatal(err)
	}
	dbtest.User(t, d, "admin", "boss", "", "")
	return d, root
}

// fakeBase writes a base backup's files (content does not matter here) finished at t.
func fakeBase(t *testing.T, dir string, t0 time.Time, startWAL string) {
	t.Helper()
	name := "base-" + t0.UTC().Format("20060102T150405Z")
	info := db.BaseBackupInfo{File: name + ".tar.gz", StartedAt: t0.Add(-time.Minute), FinishedAt: t0, StartWAL: startWAL, Bytes: 100}
	if err := os.MkdirAll(BaseDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(info)
	if err := os.WriteFile(filepath.Join(BaseDir(dir), name+".json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(BaseDir(dir), info.File), make([]byte, 100), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestChooseAndPruneBaseBackups(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2026, 11, 27, 14, 0, 0, 0, time.UTC)
	if _, _, err := ChooseBase(dir, now); err == nil {
		t.Fatal("a recovery without base backups was accepted")
	}
	days := []time.Duration{10 * 24 * time.Hour, 9 * 24 * time.Hour, 2 * 24 * time.Hour, time.Hour}
	wals := []string{"000000010000000000000002", "000000010000000000000005", "000000010000000000000009", "00000001000000000000000C"}
	for i, ago := range days {
		fakeBase(t, dir, now.Add(-ago), wals[i])
	}
	// A half-written one (no description) is ignored.
	_ = os.WriteFile(filepath.Join(BaseDir(dir), "base-20261127T135900Z.tar.gz"), nil, 0o600)

	_, info, err := ChooseBase(dir, now.Add(-30*time.Hour))
	if err != nil || info.StartWAL != wals[2] {
		t.Errorf("target 30 h ago chose %+v (%v), want the base of 2 days ago", info, err)
	}
	if _, info, _ := ChooseBase(dir, time.Time{}); info.StartWAL != wals[3] {
		t.Errorf("the latest target chose %+v", info)
	}
	if _, _, err := ChooseBase(dir, now.Add(-11*24*time.Hour)); !errors.Is(err, db.ErrBeforeBase) {
		t.Errorf("a target before every base: %v", err)
	}

	if err := os.MkdirAll(WALDir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	var segs []string
	for i := 1; i <= 13; i++ {
		segs = append(segs, "0000000100000000000000"+[]string{"01", "02", "03", "04", "05", "06", "07", "08", "09", "0A", "0B", "0C", "0D"}[i-1])
	}
	segs = append(segs, "000000010000000000000005.00000028.backup", "00000002.history", "000000020000000000000003")
	for _, s := range segs {
		if err := os.WriteFile(filepath.Join(WALDir(dir), s), []byte("wal"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	u, err := Usage(dir)
	if err != nil || u.WALFiles != len(segs) || u.BaseBackups != 4 || u.BaseBytes != 400 {
		t.Errorf("usage %+v (%v)", u, err)
	}
	removed, err := PruneArchive(dir, 8*24*time.Hour, now)
	if err != nil {
		t.Fatal(err)
	}
	bases, _ := BaseBackups(dir)
	if len(bases) != 2 || bases[0].StartWAL != wals[2] {
		t.Fatalf("kept bases %+v", bases)
	}
	left, _ := os.ReadDir(WALDir(dir))
	var names []string
	for _, e := range left {
		names = append(names, e.Name())
	}
	want := []string{"000000010000000000000009", "00000001000000000000000A", "00000001000000000000000B", "00000001000000000000000C",
		"00000001000000000000000D", "00000002.history", "000000020000000000000003"}
	if !slices.Equal(names, want) {
		t.Errorf("WAL left %q, want %q", names, want)
	}
	if removed != 4+9 { // two bases (tar + json each) and nine segment files
		t.Errorf("removed %d files", removed)
	}
	// Everything old: the newest base backup is kept whatever its age.
	if _, err := PruneArchive(dir, time.Minute, now.Add(30*24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if bases, _ := BaseBackups(dir); len(bases) != 1 || bases[0].StartWAL != wals[3] {
		t.Errorf("after a month without base backups: %+v", bases)
	}
}

// TestBaseBackupIsDue: the first base backup at once, then one a day after the daily time.
func TestBaseBackupIsDue(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	loc := time.UTC
	s := &Schedule{DB: dbtest.New(t), Dir: dir, BaseBackups: true, Location: loc, DailyAt: 12*time.Hour + 30*time.Minute}
	s.defaults()
	ctx := context.Background()
	morning := time.Date(2026, 11, 27, 9, 0, 0, 0, loc)
	afternoon := time.Date(2026, 11, 27, 14, 0, 0, 0, loc)
	for _, step := range []struct {
		what    string
		taken   time.Time // a base backup taken before this step (zero: none)
		segment string    // its first WAL segment
		at      time.Time
		due     bool
	}{
		{what: "no base backup yet", at: morning, due: true},
		{"yesterday's base backup and before the daily time", time.Date(2026, 11, 26, 13, 0, 0, 0, loc), "000000010000000000000003", morning, false},
		{what: "after the daily time without today's", at: afternoon, due: true},
		{"today's taken", time.Date(2026, 11, 27, 12, 45, 0, 0, loc), "000000010000000000000009", afternoon, false},
	} {
		if !step.taken.IsZero() {
			fakeBase(t, dir, step.taken, step.segment)
		}
		if got := s.baseDue(ctx, step.at); got != step.due {
			t.Errorf("%s: due %v, want %v", step.what, got, step.due)
		}
	}
	// Base backups go beside the archive the server writes into; without one, the folder.
	if got := s.archiveDir(ctx); got != dir {
		t.Errorf("archive dir %q, want the backup folder %q", got, dir)
	}
}

// TestFailingArchiveIsNotified: archiving failing for over half an hour tells the
// administrators, once in six hours; a success after the failure, or a short failure, does not.
func TestFailingArchiveIsNotified(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	dbtest.User(t, d, "admin", "boss", "", "")
	now := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { x := now.Add(d); return &x }
	var stats ArchiverStats
	s := &Schedule{DB: d, Dir: t.TempDir(), BaseBackups: true, readArchiver: func(context.Context) (ArchiverStats, error) { return stats, nil }}
	s.defaults()
	notes := func() (n int) {
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification WHERE notification_type = 'wal_archive_failing'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	stats = ArchiverStats{LastFailed: at(-time.Minute), LastArchived: at(-10 * time.Minute), LastFailedWAL: "000000010000000000000007"}
	s.checkArchiver(ctx, now)
	if n := notes(); n != 0 {
		t.Fatalf("failing for 10 minutes: %d notifications", n)
	}
	stats.LastFailed, stats.LastArchived = at(-2*time.Minute), at(-time.Minute)
	s.checkArchiver(ctx, now.Add(time.Hour))
	if n := notes(); n != 0 {
		t.Fatalf("archived after the failure: %d notifications", n)
	}
	stats.LastFailed, stats.LastArchived = at(-time.Minute), at(-45*time.Minute)
	s.checkArchiver(ctx, now)
	s.checkArchiver(ctx, now.Add(time.Hour)) // still failing: not again within six hours
	if n := notes(); n != 1 {
		t.Fatalf("failing for 45 minutes: %d notifications, want 1", n)
	}
	s.checkArchiver(ctx, now.Add(7*time.Hour))
	if n := notes(); n != 2 {
		t.Fatalf("still failing 7 hours later: %d notifications, want 2", n)
	}
}

// TestMissingArchiveModuleIsNotified: a server whose archive module is missing starts and
// answers, and pg_stat_archiver records no failure; the schedule's check loads the module
// itself and tells the administrators, once in six hours.
func TestMissingArchiveModuleIsNotified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := openArchiving(t, "archmod", func(root string) map[string]string {
		p := db.ArchiveParameters(filepath.Join(root, "backups", "wal"))
		p["archive_library"] = "no_such_archive_module"
		return p
	})
	wal := filepath.Join(root, "backups", "wal")
	if err := db.CheckArchiveModule(ctx, d.Pool); !errors.Is(err, db.ErrArchiveModule) {
		t.Fatalf("CheckArchiveModule: %v, want ErrArchiveModule", err)
	}
	s := &Schedule{DB: d, Dir: filepath.Dir(wal), BaseBackups: true}
	s.defaults()
	now := time.Now()
	s.checkArchiver(ctx, now)
	s.checkArchiver(ctx, now.Add(time.Minute))
	var n int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification WHERE notification_type = 'wal_archive_failing'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("%d notifications for a missing archive module, want 1", n)
	}
	// The bundled module loads.
	ok, _ := openArchiving(t, "archmod-ok", func(root string) map[string]string { return db.ArchiveParameters(filepath.Join(root, "wal")) })
	if err := db.CheckArchiveModule(ctx, ok.Pool); err != nil {
		t.Fatalf("the bundled basic_archive: %v", err)
	}
}

// TestLowDiskIsNotifiedOncePerFall: a disk under LowDiskBytes notifies the administrators
// once; staying low, or hovering just above the threshold, does not notify again; a new fall
// after getting well above it does.
func TestLowDiskIsNotifiedOncePerFall(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	dbtest.User(t, d, "admin", "boss", "", "")
	var free uint64
	s := &Schedule{DB: d, Dir: t.TempDir(), statDisk: func(string) (uint64, uint64, error) { return free, 100 << 30, nil }}
	s.defaults()
	notes := func() (n int) {
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification WHERE notification_type = 'disk_low'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for i, step := range []struct {
		free  uint64
		low   bool
		notes int
	}{
		{50 << 30, false, 0},
		{LowDiskBytes - 1, true, 1},
		{1 << 20, true, 1},                         // still low: not again
		{LowDiskBytes + 1, false, 1},               // hovering above: not cleared
		{LowDiskBytes - 1<<20, true, 1},            // so not again
		{lowDiskClear(LowDiskBytes) + 1, false, 1}, // well above: cleared
		{LowDiskBytes - 10<<20, true, 2},           // a new fall
	} {
		free = step.free
		disks := s.checkDisks(ctx)
		if len(disks) != 1 || disks[0].Name != "backups" || disks[0].Low != step.low {
			t.Fatalf("step %d: disks %+v, want the backup folder low=%v", i, disks, step.low)
		}
		if n := notes(); n != step.notes {
			t.Fatalf("step %d (%d bytes free): %d notifications, want %d", i, step.free, n, step.notes)
		}
	}
	// The real disk of a folder is measured.
	if got := Disks("", t.TempDir(), 0); len(got) != 1 || got[0].TotalBytes == 0 || got[0].Error != "" {
		t.Fatalf("Disks: %+v", got)
	}
}

// TestWALOfAFailingArchiveIsCapped: WAL kept for an archive that fails is dropped above the
// cap, the gap is recorded and the administrators told once; a base backup becomes due as soon
// as archiving works again, and closes the gap.
func TestWALOfAFailingArchiveIsCapped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := openArchiving(t, "walcap", func(root string) map[string]string {
		return db.ArchiveParameters(WALDir(filepath.Join(root, "backups"))) // never made: archiving fails
	})
	backups := filepath.Join(root, "backups")
	for range 3 {
		if _, err := d.Pool.Exec(ctx, `CREATE TABLE IF NOT EXISTS filler (x text); INSERT INTO filler SELECT repeat('x', 100) FROM generate_series(1, 1000); SELECT pg_switch_wal()`); err != nil {
			t.Fatal(err)
		}
	}
	bytes, waiting, err := d.WALUsage(ctx)
	if err != nil || waiting < 3 {
		t.Fatalf("WAL waiting for a failing archive: %d segments, %d bytes, %v", waiting, bytes, err)
	}
	stats := ArchiverStats{}
	s := &Schedule{DB: d, Dir: backups, BaseBackups: true, readArchiver: func(context.Context) (ArchiverStats, error) { return stats, nil }}
	s.defaults()
	notes := func() (n int) {
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification WHERE notification_type = 'wal_discarded'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// Under the cap: kept.
	s.WALCap = bytes + 1<<30
	s.checkWAL(ctx, nil)
	if _, w, _ := d.WALUsage(ctx); w != waiting || notes() != 0 {
		t.Fatalf("under the cap: %d waiting (was %d), %d notifications", w, waiting, notes())
	}
	// A low data disk drops it even under the cap.
	s.checkWAL(ctx, []DiskSpace{{Name: "data", Low: true}})
	if _, w, err := d.WALUsage(ctx); err != nil || w != 0 {
		t.Fatalf("after the drop: %d waiting: %v", w, err)
	}
	gap, err := d.WALGap()
	if err != nil || gap == nil || gap.Segments < 3 || gap.First == "" {
		t.Fatalf("gap %+v: %v", gap, err)
	}
	// The checkpoint removed or recycled the dropped segments.
	var kept bool
	if err := d.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_ls_waldir() WHERE name = $1)`, gap.First).Scan(&kept); err != nil || kept {
		t.Fatalf("the dropped segment %s is still in pg_wal (%v)", gap.First, err)
	}
	if n := notes(); n != 1 {
		t.Fatalf("%d notifications, want 1", n)
	}
	// More WAL over the cap within the same gap: dropped, not notified again.
	if _, err := d.Pool.Exec(ctx, `INSERT INTO filler VALUES ('y'); SELECT pg_switch_wal()`); err != nil {
		t.Fatal(err)
	}
	s.WALCap = 1
	s.checkWAL(ctx, nil)
	if g, _ := d.WALGap(); g == nil || g.Segments <= gap.Segments || notes() != 1 {
		t.Fatalf("second drop: gap %+v, %d notifications", g, notes())
	}
	// A base backup older than the gap: due once archiving works again, not before.
	fakeBase(t, backups, time.Now().Add(-time.Hour), "000000010000000000000001")
	evening := time.Date(2026, 11, 27, 3, 0, 0, 0, time.Local) // before the daily time
	failed := time.Now()
	stats = ArchiverStats{LastFailed: &failed}
	if s.baseDue(ctx, evening) {
		t.Fatal("archiving still fails: a base backup is due")
	}
	archived := time.Now().Add(time.Second)
	stats = ArchiverStats{LastFailed: &failed, LastArchived: &archived}
	if !s.baseDue(ctx, evening) {
		t.Fatal("archiving works again after a gap: no base backup due")
	}
}

// TestLeftoversAreListedAndRemoved: the clusters kept by recoveries, a killed recovery's
// staging, basic_archive's temporary files and unused databases are listed with their size;
// one can be removed by name (nothing else can), and the old ones are removed by the schedule.
func TestLeftoversAreListedAndRemoved(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, root := openArchiving(t, "leftovers", func(root string) map[string]string { return map[string]string{} })
	pg, backups := d.Embedded().Dir(), filepath.Join(root, "backups")
	now := time.Now()
	old := now.Add(-30 * 24 * time.Hour)
	put := func(path string, size int, at time.Time) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, make([]byte, size), 0o600); err != nil {
			t.Fatal(err)
		}
		for p := path; p != filepath.Dir(pg) && p != filepath.Dir(backups); p = filepath.Dir(p) {
			if err := os.Chtimes(p, at, at); err != nil {
				t.Fatal(err)
			}
			if p == pg || p == WALDir(backups) {
				break
			}
		}
	}
	put(filepath.Join(pg, "data-before-recovery-20261001T000000Z", "base", "1"), 1000, old)
	put(filepath.Join(pg, "data-before-recovery-20261201T000000Z", "PG_VERSION"), 3, now)
	put(filepath.Join(pg, ".data-recovering-20261001T000000Z", "PG_VERSION"), 3, old)
	put(filepath.Join(pg, ".data-recovering-20261202T000000Z", "PG_VERSION"), 3, now) // under way
	put(filepath.Join(WALDir(backups), "archtemp.000000010000000000000003.1234.5678"), 500, old)
	put(filepath.Join(WALDir(backups), "000000010000000000000003"), 500, old) // archived WAL: kept
	if _, err := d.Pool.Exec(ctx, `CREATE DATABASE chelal_20261101_000000`); err != nil {
		t.Fatal(err)
	}
	list, err := Leftovers(ctx, d, backups, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Leftover{}
	for _, l := range list {
		got[l.Name] = l
	}
	want := map[string]string{
		"data-before-recovery-20261001T000000Z":       "cluster_before_recovery",
		"data-before-recovery-20261201T000000Z":       "cluster_before_recovery",
		".data-recovering-20261001T000000Z":           "recovery_staging",
		"archtemp.000000010000000000000003.1234.5678": "archive_temp",
		"chelal_20261101_000000":                      "database",
	}
	if len(got) != len(want) {
		t.Fatalf("leftovers %+v, want %v", list, want)
	}
	for name, kind := range want {
		if l, ok := got[name]; !ok || l.Kind != kind || l.Bytes <= 0 {
			t.Errorf("%s: %+v, want kind %s with a size", name, l, kind)
		}
	}
	// Only a listed leftover can be removed: not the data dir, not the database in use.
	for _, name := range []string{"data", "chelal", "../data", "000000010000000000000003"} {
		if _, err := RemoveLeftover(ctx, d, backups, name, now); !errors.Is(err, apperr.ErrNotFound) {
			t.Errorf("remove %q: %v, want not found", name, err)
		}
	}
	if _, err := RemoveLeftover(ctx, d, backups, "chelal_20261101_000000", now); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = 'chelal_20261101_000000'`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("the database was not dropped: %d %v", n, err)
	}
	// The schedule removes those older than the retention.
	removed, err := CleanLeftovers(ctx, d, backups, DefaultLeftoverRetention, now)
	if err != nil || len(removed) != 3 {
		t.Fatalf("cleaned %+v: %v", removed, err)
	}
	for _, p := range []string{filepath.Join(pg, "data-before-recovery-20261001T000000Z"), filepath.Join(pg, ".data-recovering-20261001T000000Z"), filepath.Join(WALDir(backups), "archtemp.000000010000000000000003.1234.5678")} {
		if _, err := os.Stat(p); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("%s not removed: %v", p, err)
		}
	}
	for _, p := range []string{filepath.Join(pg, "data-before-recovery-20261201T000000Z"), filepath.Join(pg, ".data-recovering-20261202T000000Z"), filepath.Join(WALDir(backups), "000000010000000000000003"), filepath.Join(pg, "data", "PG_VERSION")} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s removed: %v", p, err)
		}
	}
	if _, err := d.Pool.Exec(ctx, `SELECT 1`); err != nil {
		t.Fatalf("the server after cleaning: %v", err)
	}
}
