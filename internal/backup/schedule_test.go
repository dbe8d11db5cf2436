package backup_test

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"chelal/internal/backup"
	"chelal/internal/db/dbtest"
)

// fakeBackup puts a backup file named for time at in dir, with a verification record.
func fakeBackup(t *testing.T, dir string, at time.Time, good bool) string {
	t.Helper()
	name := "chelal-" + at.UTC().Format("20060102-150405") + "-abcd1234" + backup.Extension
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var verr error
	if !good {
		verr = io.ErrUnexpectedEOF
	}
	if _, err := backup.Record(p, backup.Result{}, verr); err != nil {
		t.Fatal(err)
	}
	return name
}

func TestPruneKeepsDailyWeeklyMonthly(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.Local)
	// Hourly backups for 400 days, 10:00-17:00.
	for d := 0; d < 400; d++ {
		for h := 10; h < 18; h++ {
			at := time.Date(2026, 11, 27, h, 0, 0, 0, time.Local).AddDate(0, 0, -d)
			if at.After(now) {
				continue
			}
			fakeBackup(t, dir, at, true)
		}
	}
	if _, err := backup.Prune(dir, backup.DefaultRetention, now); err != nil {
		t.Fatal(err)
	}
	left, err := backup.List(dir)
	if err != nil {
		t.Fatal(err)
	}
	// 48 h of hourly (today's 3 + yesterday's 8 + the day before's from 12:00 = 6), then one per
	// day for 7 days, per week for 4 weeks, per month for 12 months (overlapping).
	if len(left) < 20 || len(left) > 40 {
		t.Fatalf("%d backups left after pruning 400 days of hourly backups", len(left))
	}
	oldest := left[len(left)-1].CreatedAt
	if now.Sub(oldest) < 300*24*time.Hour {
		t.Errorf("oldest kept backup is from %s: the monthly ones should reach back about a year", oldest)
	}
	for _, b := range left {
		if _, err := os.Stat(filepath.Join(dir, b.File+".verified.json")); err != nil {
			t.Errorf("%s lost its verification record", b.File)
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.verified.json"))
	if len(files) != len(left) {
		t.Errorf("%d verification records for %d backups: the pruned ones' records must go too", len(files), len(left))
	}
}

func TestPruneNeverRemovesTheLastGoodBackup(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.Local)
	good := fakeBackup(t, dir, now.AddDate(-3, 0, 0), true) // years old, but the only good one
	for i := 1; i <= 5; i++ {
		fakeBackup(t, dir, now.AddDate(0, 0, -10*i), false)
	}
	if _, err := backup.Prune(dir, backup.DefaultRetention, now); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, good)); err != nil {
		t.Fatalf("the only good backup was pruned: %v", err)
	}
}

func TestScheduleBacksUpWhenDueAndTellsAdminsOfFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	populate(t, d)
	dbtest.User(t, d, "admin", "boss", "", "")
	dir := t.TempDir()
	clock := time.Date(2026, 11, 27, 7, 0, 0, 0, time.UTC)
	s := &backup.Schedule{DB: d, Dir: dir, Location: time.UTC, Now: func() time.Time { return clock },
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))}

	// 07:00, before business hours and before the daily time: nothing is due.
	if ran, err := s.Tick(ctx); ran || err != nil {
		t.Fatalf("07:00: ran %v, %v", ran, err)
	}
	// 09:00, business hours, no backup yet: one runs and is verified.
	clock = clock.Add(2 * time.Hour)
	if ran, err := s.Tick(ctx); !ran || err != nil {
		t.Fatalf("09:00: ran %v, %v", ran, err)
	}
	list, _ := backup.List(dir)
	if len(list) != 1 || list[0].Verification == nil || !list[0].Verification.OK {
		t.Fatalf("after the first scheduled backup: %+v", list)
	}
	// 09:30: the last good backup is younger than an hour.
	clock = clock.Add(30 * time.Minute)
	if ran, _ := s.Tick(ctx); ran {
		t.Fatal("09:30: a backup ran again within the hour")
	}
	// The backup folder disappears (a USB drive pulled out, replaced by a file): the next
	// due backup fails and the administrator is told.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Hour)
	if ran, err := s.Tick(ctx); !ran || err == nil {
		t.Fatalf("10:30 with no folder: ran %v, err %v; want a failure", ran, err)
	}
	var notes int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification n JOIN auth_user u ON u.id = n.user_id
		WHERE u.username = 'boss' AND n.notification_type = 'backup_failed'`).Scan(&notes); err != nil || notes != 1 {
		t.Fatalf("administrator notifications: %d (%v), want 1", notes, err)
	}
	// It does not hammer the failing folder every minute.
	clock = clock.Add(time.Minute)
	if ran, _ := s.Tick(ctx); ran {
		t.Fatal("retried a minute after a failure")
	}
}
