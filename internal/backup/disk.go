package backup

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"chelal/internal/i18n"
)

// LowDiskBytes is the default free space under which a disk (the data dir's, the backup
// folder's) is low: the administrators are notified and the home page warns
// (CHELAL_DISK_LOW_MB changes it). PostgreSQL stops (PANIC) when it cannot write WAL; 2 GiB
// leaves days of a clinic's writes to act.
const LowDiskBytes = 2 << 30

// WALCapBytes is the most WAL the server may keep for an archive that fails (see
// db.DiscardUnarchivedWAL); beyond it, or when the data disk is low, the waiting WAL is dropped
// and point-in-time recovery has a gap until the next base backup. PostgreSQL itself keeps
// about max_wal_size (1 GiB) of WAL.
const WALCapBytes = 2 << 30

// lowDiskClear is how far above the threshold low a low disk must get back before a new fall
// is notified again: a disk hovering at the threshold does not notify every minute.
func lowDiskClear(low uint64) uint64 { return low + low/4 }

// DiskSpace is the free space of a disk Chelal writes to.
type DiskSpace struct {
	Name       string `json:"name" enum:"data,backups"` // which folder: the data dir, the backup folder
	Dir        string `json:"dir"`
	FreeBytes  uint64 `json:"free_bytes"`
	TotalBytes uint64 `json:"total_bytes"`
	Low        bool   `json:"low"`
	Error      string `json:"error,omitempty"` // the folder cannot be measured (a drive unplugged)
}

// Disks measures the data dir's disk ("" : an external server, not measured) and the backup
// folder's; a disk with less than low bytes free (0: LowDiskBytes) is low.
func Disks(dataDir, backupDir string, low uint64) []DiskSpace {
	return disks(diskSpace, dataDir, backupDir, low)
}

func disks(stat func(string) (uint64, uint64, error), dataDir, backupDir string, low uint64) []DiskSpace {
	if low == 0 {
		low = LowDiskBytes
	}
	var out []DiskSpace
	for _, d := range []struct{ name, dir string }{{"data", dataDir}, {"backups", backupDir}} {
		if d.dir == "" {
			continue
		}
		s := DiskSpace{Name: d.name, Dir: d.dir}
		free, total, err := stat(existingParent(d.dir))
		if err != nil {
			s.Error = err.Error()
		} else {
			s.FreeBytes, s.TotalBytes, s.Low = free, total, free < low
		}
		out = append(out, s)
	}
	return out
}

// existingParent is dir, or its nearest folder that exists (a backup folder not made yet is
// on its parent's disk).
func existingParent(dir string) string {
	for d := dir; ; d = filepath.Dir(d) {
		if _, _, err := diskSpace(d); err == nil || filepath.Dir(d) == d {
			return d
		}
	}
}

// dataDir is the embedded server's folder, "" for an external server.
func (s *Schedule) dataDir() string {
	if e := s.DB.Embedded(); e != nil {
		return e.Dir()
	}
	return ""
}

// checkDisks notifies the administrators when a disk falls below LowDisk: once per fall (it is
// notified again only after getting back above lowDiskClear).
func (s *Schedule) checkDisks(ctx context.Context) []DiskSpace {
	stat := s.statDisk
	if stat == nil {
		stat = diskSpace
	}
	out := disks(stat, s.dataDir(), s.dir(), s.LowDisk)
	if s.lowDisks == nil {
		s.lowDisks = map[string]bool{}
	}
	for _, d := range out {
		switch {
		case d.Error != "":
		case d.Low && !s.lowDisks[d.Name]:
			s.lowDisks[d.Name] = true
			s.Log.Warn("disk space low", "dir", d.Dir, "free", d.FreeBytes)
			s.notify(ctx, "disk_low", i18n.M("notify.disk_low.title"),
				i18n.M("notify.disk_low."+d.Name+".text", "free", formatBytes(d.FreeBytes), "dir", d.Dir))
		case !d.Low && d.FreeBytes >= lowDiskClear(s.LowDisk):
			s.lowDisks[d.Name] = false
		}
	}
	return out
}

// checkWAL caps the WAL kept for a failing archive (WALCapBytes, or less when the data disk is
// low): the waiting segments are dropped (db.DiscardUnarchivedWAL) and the administrators told
// once per gap; the next base backup, taken as soon as archiving works again, closes it.
func (s *Schedule) checkWAL(ctx context.Context, disks []DiskSpace) {
	if s.DB.Embedded() == nil {
		return
	}
	bytes, waiting, err := s.DB.WALUsage(ctx)
	if err != nil || waiting == 0 {
		return
	}
	limit := s.WALCap
	if limit == 0 {
		limit = WALCapBytes
	}
	dataLow := false
	for _, d := range disks {
		dataLow = dataLow || (d.Name == "data" && d.Low)
	}
	if bytes < limit && !dataLow {
		return
	}
	gap, isNew, err := s.DB.DiscardUnarchivedWAL(ctx)
	if err != nil {
		s.Log.Error("drop unarchived WAL", "err", err)
		return
	}
	if gap == nil {
		return
	}
	s.Log.Warn("WAL that could not be archived was dropped to protect the data disk", "segments", gap.Segments, "from", gap.First, "to", gap.LastWAL)
	if isNew {
		s.notify(ctx, "wal_discarded", i18n.M("notify.wal_discarded.title"),
			i18n.M("notify.wal_discarded.text", "dir", WALDir(s.archiveDir(ctx)), "size", formatBytes(uint64(bytes)),
				"first", gap.First, "since", gap.Since.In(s.Location).Format("2006-01-02 15:04")))
	}
}

// gapBaseDue says whether a base backup must close a recorded WAL gap: archiving works again
// (a success after the last failure) and no base backup followed the gap.
func (s *Schedule) gapBaseDue(ctx context.Context, newest time.Time) bool {
	gap, err := s.DB.WALGap()
	if err != nil || gap == nil || newest.After(gap.Last) {
		return false
	}
	a, err := s.archiverStats(ctx)
	return err == nil && a.LastArchived != nil && (a.LastFailed == nil || a.LastArchived.After(*a.LastFailed)) && a.LastArchived.After(gap.Last)
}

// formatBytes writes a size for a notification (MiB, GiB).
func formatBytes(n uint64) string {
	if n >= 1<<30 {
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	}
	return fmt.Sprintf("%d MiB", n>>20)
}
