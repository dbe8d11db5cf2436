package backup

import (
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
)

// Schedule is when backups run by themselves: one a day from DailyAt (or at the first start
// after it: a clinic whose computer was off at that hour gets its backup when it comes back),
// and one an hour during business hours. Every scheduled backup is verified and the folder
// pruned by Retention. A failure, or a day without a good backup, notifies the administrators.
type Schedule struct {
	DB         *db.DB
	Dir        string  // the backup folder, unless Folder is set
	Folder     *Folder // the backup folder, which an administrator may move meanwhile
	Passphrase string
	Version    string
	DataDir    string // its secret.key and profile images go into each backup
	Log        *slog.Logger

	DailyAt   time.Duration // since midnight, clinic time; default 12:30
	HoursFrom int           // business hours, clinic time: hourly backups from ...
	HoursTo   int           // ... to this hour (exclusive); default 8-18
	Retention Retention
	// BaseBackups: the embedded server archives its WAL into Dir/wal; take a base backup a day
	// (after the daily backup), keep BaseRetention of them, and warn when archiving fails.
	BaseBackups     bool
	BaseRetention   time.Duration // default 8 days
	RetryAfter      time.Duration // after a failure; default 15 minutes
	Location        *time.Location
	Now             func() time.Time
	LatestSchema    uint
	StartDelay      time.Duration
	lastAttempt     time.Time
	lastBaseAttempt time.Time
	lastArchiveNote time.Time
	readArchiver    func(context.Context) (ArchiverStats, error)     // tests: instead of pg_stat_archiver
	statDisk        func(dir string) (free, total uint64, err error) // tests: instead of the disk
	lowDisks        map[string]bool                                  // the disks notified low
	// LowDisk is the free space under which a disk is low (default LowDiskBytes).
	LowDisk uint64
	// WALCap is the most WAL kept for a failing archive (default WALCapBytes).
	WALCap int64
	// LeftoverRetention: leftovers (see Leftovers) older than this are removed; default
	// DefaultLeftoverRetention.
	LeftoverRetention time.Duration
	lastLeftoverClean time.Time
	lastOverdueNote   time.Time
	mu                sync.Mutex
}

func (s *Schedule) defaults() {
	if s.DailyAt == 0 {
		s.DailyAt = 12*time.Hour + 30*time.Minute
	}
	if s.HoursFrom == 0 && s.HoursTo == 0 {
		s.HoursFrom, s.HoursTo = 8, 18
	}
	if s.Retention == (Retention{}) {
		s.Retention = DefaultRetention
	}
	if s.BaseRetention == 0 {
		s.BaseRetention = 8 * 24 * time.Hour
	}
	if s.LowDisk == 0 {
		s.LowDisk = LowDiskBytes
	}
	if s.LeftoverRetention == 0 {
		s.LeftoverRetention = DefaultLeftoverRetention
	}
	if s.RetryAfter == 0 {
		s.RetryAfter = 15 * time.Minute
	}
	if s.Location == nil {
		s.Location = time.Local
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.Default()
	}
}

// Run checks every minute whether a backup is due, until ctx ends. The first check waits
// StartDelay (default two minutes), so that a start is not slowed by a backup.
func (s *Schedule) Run(ctx context.Context) {
	s.defaults()
	delay := s.StartDelay
	if delay == 0 {
		delay = 2 * time.Minute
	}
	select {
	case <-ctx.Done():
		return
	case <-time.After(delay):
	}
	t := time.NewTicker(time.Minute)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx); err != nil && ctx.Err() == nil {
			s.Log.Error("scheduled backup", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// scheduleLock keeps several Chelal instances on one database from backing up at once.
const scheduleLock = 0x4348454c41 // "CHELA"

// Tick runs a backup if one is due and says whether it did. Only the instance holding the
// schedule's advisory lock acts.
func (s *Schedule) Tick(ctx context.Context) (bool, error) {
	s.defaults()
	s.mu.Lock()
	defer s.mu.Unlock()
	conn, err := s.DB.Pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()
	var locked bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, scheduleLock).Scan(&locked); err != nil || !locked {
		return false, err
	}
	defer func() { _, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, scheduleLock) }()

	now := s.Now().In(s.Location)
	backups, err := List(s.dir())
	if err != nil {
		return false, err
	}
	var lastGood time.Time
	for _, b := range backups {
		if b.Verification != nil && b.Verification.OK && b.CreatedAt.After(lastGood) {
			lastGood = b.CreatedAt
		}
	}
	s.noteOverdue(ctx, now, lastGood)
	disks := s.checkDisks(ctx)
	if now.Sub(s.lastLeftoverClean) >= time.Hour {
		s.lastLeftoverClean = now
		removed, err := CleanLeftovers(ctx, s.DB, s.dir(), s.LeftoverRetention, s.Now())
		for _, l := range removed {
			s.Log.Info("leftover removed", "name", l.Name, "kind", l.Kind, "bytes", l.Bytes)
		}
		if err != nil {
			s.Log.Warn("remove leftovers", "err", err)
		}
	}
	if s.BaseBackups {
		s.checkArchiver(ctx, now)
		s.checkWAL(ctx, disks)
	}
	if !s.due(now, lastGood) || now.Sub(s.lastAttempt) < s.RetryAfter {
		if s.BaseBackups && now.Sub(s.lastBaseAttempt) >= s.RetryAfter && s.baseDue(ctx, now) {
			return true, s.baseBackup(ctx, now)
		}
		return false, nil
	}
	s.lastAttempt = now
	info, err := CreateVerified(ctx, s.DB, s.dir(), Options{ChelalVersion: s.Version, Passphrase: s.Passphrase, Now: s.Now, DataDir: s.DataDir}, s.LatestSchema, s.Log)
	if err != nil {
		if ctx.Err() != nil { // Chelal is stopping: not a failure of the backup folder
			return true, err
		}
		s.notify(ctx, "backup_failed", i18n.M("notify.backup_failed.title"), i18n.M("notify.backup_failed.text", "dir", s.dir(), "err", err.Error(), "minutes", int(s.RetryAfter.Minutes())))
		return true, err
	}
	s.Log.Info("scheduled backup written and verified", "file", info.File, "size", info.Size)
	if removed, err := Prune(s.dir(), s.Retention, now); err != nil {
		s.Log.Warn("prune backups", "err", err)
	} else if len(removed) > 0 {
		s.Log.Info("old backups removed", "count", len(removed))
	}
	return true, nil
}

// due says whether a backup should run now, given the last good one.
func (s *Schedule) due(now, lastGood time.Time) bool {
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	if now.Sub(midnight) >= s.DailyAt && lastGood.Before(midnight.Add(s.DailyAt)) {
		return true // today's daily backup has not been taken yet
	}
	inHours := now.Hour() >= s.HoursFrom && now.Hour() < s.HoursTo
	return inHours && now.Sub(lastGood) >= time.Hour
}

// noteOverdue tells the administrators, once a day, when no good backup is younger than a day.
func (s *Schedule) noteOverdue(ctx context.Context, now, lastGood time.Time) {
	if now.Sub(lastGood) < 26*time.Hour || now.Sub(s.lastOverdueNote) < 24*time.Hour {
		return
	}
	s.lastOverdueNote = now
	msg := i18n.M("notify.backup_none.text")
	if !lastGood.IsZero() {
		msg = i18n.M("notify.backup_missed.text", "date", lastGood.In(s.Location).Format("2006-01-02 15:04"))
	}
	s.notify(ctx, "backup_overdue", i18n.M("notify.backup_overdue.title"), msg)
}

// notify tells the administrators, each in their language.
func (s *Schedule) notify(ctx context.Context, kind string, title, message i18n.Msg) {
	if _, err := notify.RoleMsg(context.WithoutCancel(ctx), s.DB.Pool, "admin", kind, title, message); err != nil {
		s.Log.Error("notify administrators", "err", err)
	}
}

// dir is the backup folder now.
func (s *Schedule) dir() string {
	if s.Folder != nil {
		return s.Folder.Dir()
	}
	return s.Dir
}

// archiveDir is the backup folder whose wal/ the server archives into now: base backups go
// beside it. (A folder moved while Chelal runs takes the WAL archive from the next start.)
func (s *Schedule) archiveDir(ctx context.Context) string {
	if dir, err := ArchiveFolder(ctx, s.DB); err == nil && dir != "" {
		return dir
	}
	return s.dir()
}

// baseDue says whether a base backup is to take: none in the archive's folder yet (a new
// install, a new folder), or today's still to take after the daily time.
func (s *Schedule) baseDue(ctx context.Context, now time.Time) bool {
	bases, err := BaseBackups(s.archiveDir(ctx))
	if err != nil || len(bases) == 0 {
		return true
	}
	newest := bases[len(bases)-1].FinishedAt
	if s.gapBaseDue(ctx, newest) {
		return true // WAL was dropped: recovery needs a base backup after the gap
	}
	midnight := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location())
	return now.Sub(midnight) >= s.DailyAt && newest.Before(midnight.Add(s.DailyAt))
}

// baseBackup takes a base backup, verifies it and prunes the archive.
func (s *Schedule) baseBackup(ctx context.Context, now time.Time) error {
	s.lastBaseAttempt = now
	dir := s.archiveDir(ctx)
	info, err := s.DB.BaseBackup(ctx, BaseDir(dir))
	if err != nil {
		if ctx.Err() == nil {
			s.notify(ctx, "backup_failed", i18n.M("notify.base_failed.title"), i18n.M("notify.base_failed.text", "dir", BaseDir(dir), "err", err.Error(), "minutes", int(s.RetryAfter.Minutes())))
		}
		return err
	}
	s.Log.Info("base backup written", "file", info.File, "bytes", info.Bytes)
	check, err := s.DB.VerifyBaseBackup(ctx, filepath.Join(BaseDir(dir), info.File), WALDir(dir))
	if err != nil {
		if ctx.Err() == nil {
			s.notify(ctx, "backup_failed", i18n.M("notify.base_check_failed.title"), i18n.M("notify.base_check_failed.text", "file", info.File, "err", err.Error()))
		}
		return err
	}
	s.Log.Info("base backup verified", "file", info.File, "patients", check.Patients)
	if gap, err := s.DB.WALGap(); err == nil && gap != nil && info.StartedAt.After(gap.Last) {
		if err := s.DB.ClearWALGap(); err != nil {
			s.Log.Warn("forget the WAL gap", "err", err)
		} else {
			s.Log.Info("point-in-time recovery is continuous again from the new base backup", "file", info.File)
		}
	}
	if n, err := PruneArchive(dir, s.BaseRetention, now); err != nil {
		s.Log.Warn("prune the WAL archive", "err", err)
	} else if n > 0 {
		s.Log.Info("old base backups and WAL removed", "files", n)
	}
	return nil
}

// ArchiverStats is what PostgreSQL says of its WAL archiving (pg_stat_archiver).
type ArchiverStats struct {
	LastFailed, LastArchived, Reset *time.Time
	LastFailedWAL                   string
}

// archiverStats reads pg_stat_archiver.
func (s *Schedule) archiverStats(ctx context.Context) (ArchiverStats, error) {
	if s.readArchiver != nil {
		return s.readArchiver(ctx)
	}
	var a ArchiverStats
	err := s.DB.Pool.QueryRow(ctx, `SELECT last_failed_time, last_archived_time, stats_reset, coalesce(last_failed_wal, '') FROM pg_stat_archiver`).
		Scan(&a.LastFailed, &a.LastArchived, &a.Reset, &a.LastFailedWAL)
	return a, err
}

// checkArchiver tells the administrators (at most every six hours) when WAL archiving has been
// failing for over half an hour: point-in-time recovery stops at the last archived segment,
// and the server's disk keeps the rest until the archive folder works again.
func (s *Schedule) checkArchiver(ctx context.Context, now time.Time) {
	if err := db.CheckArchiveModule(ctx, s.DB.Pool); err != nil {
		if now.Sub(s.lastArchiveNote) < 6*time.Hour {
			return
		}
		s.lastArchiveNote = now
		s.Log.Error("WAL archiving cannot start", "err", err)
		s.notify(ctx, "wal_archive_failing", i18n.M("notify.archive_module.title"),
			i18n.M("notify.archive_module.text", "err", err.Error()))
		return
	}
	a, err := s.archiverStats(ctx)
	if err != nil || a.LastFailed == nil || (a.LastArchived != nil && a.LastArchived.After(*a.LastFailed)) {
		return
	}
	// Failing since the last success (or since the statistics began).
	since := *a.LastFailed
	if a.LastArchived != nil {
		since = *a.LastArchived
	} else if a.Reset != nil {
		since = *a.Reset
	}
	if now.Sub(since) < 30*time.Minute || now.Sub(s.lastArchiveNote) < 6*time.Hour {
		return
	}
	s.lastArchiveNote = now
	s.notify(ctx, "wal_archive_failing", i18n.M("notify.wal_failing.title"),
		i18n.M("notify.wal_failing.text", "dir", WALDir(s.archiveDir(ctx)), "wal", a.LastFailedWAL))
}
