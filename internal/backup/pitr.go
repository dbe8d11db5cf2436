package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"chelal/internal/db"
)

// The point-in-time archive lives in the backup folder: WAL segments in wal/, base backups in
// base/ (see db.BaseBackup and db.RecoverTo).

// WALDir is the WAL archive of a backup folder.
func WALDir(dir string) string { return filepath.Join(dir, "wal") }

// BaseDir is the base backups' folder of a backup folder.
func BaseDir(dir string) string { return filepath.Join(dir, "base") }

// BaseBackups lists the base backups of a backup folder, oldest first. Half-written ones
// (no description) are not listed.
func BaseBackups(dir string) ([]db.BaseBackupInfo, error) {
	entries, err := os.ReadDir(BaseDir(dir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []db.BaseBackupInfo
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), "base-") || !strings.HasSuffix(e.Name(), ".tar.gz") {
			continue
		}
		info, err := db.ReadBaseBackupInfo(filepath.Join(BaseDir(dir), e.Name()))
		if err != nil {
			continue
		}
		out = append(out, info)
	}
	slices.SortFunc(out, func(a, b db.BaseBackupInfo) int { return a.FinishedAt.Compare(b.FinishedAt) })
	return out, nil
}

// ChooseBase returns the path of the newest base backup that finished by target (the newest of
// all for the zero target): the one with the least WAL to replay.
func ChooseBase(dir string, target time.Time) (string, db.BaseBackupInfo, error) {
	bases, err := BaseBackups(dir)
	if err != nil {
		return "", db.BaseBackupInfo{}, err
	}
	if len(bases) == 0 {
		return "", db.BaseBackupInfo{}, fmt.Errorf("no base backup in %s: point-in-time recovery needs one (Chelal takes one a day; `chelal backup --base` takes one now)", BaseDir(dir))
	}
	for i := len(bases) - 1; i >= 0; i-- {
		if target.IsZero() || !bases[i].FinishedAt.After(target) {
			return filepath.Join(BaseDir(dir), bases[i].File), bases[i], nil
		}
	}
	return "", db.BaseBackupInfo{}, fmt.Errorf("%w: the oldest base backup finished at %s; the archive cannot go back before it",
		db.ErrBeforeBase, bases[0].FinishedAt.Format(time.RFC3339))
}

// ArchiveUsage is the size of the point-in-time archive.
type ArchiveUsage struct {
	WALBytes    int64      `json:"wal_bytes"`
	WALFiles    int        `json:"wal_files"`
	BaseBytes   int64      `json:"base_bytes"`
	BaseBackups int        `json:"base_backups"`
	OldestBase  *time.Time `json:"oldest_base"` // the earliest moment a recovery can reach
	NewestBase  *time.Time `json:"newest_base"`
}

// Usage measures the archive of a backup folder.
func Usage(dir string) (ArchiveUsage, error) {
	var u ArchiveUsage
	entries, err := os.ReadDir(WALDir(dir))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return u, err
	}
	for _, e := range entries {
		if fi, err := e.Info(); err == nil && fi.Mode().IsRegular() {
			u.WALBytes += fi.Size()
			u.WALFiles++
		}
	}
	bases, err := BaseBackups(dir)
	if err != nil {
		return u, err
	}
	for _, b := range bases {
		u.BaseBytes += b.Bytes
	}
	if u.BaseBackups = len(bases); len(bases) > 0 {
		oldest, newest := bases[0].FinishedAt, bases[len(bases)-1].FinishedAt
		u.OldestBase, u.NewestBase = &oldest, &newest
	}
	return u, nil
}

// isSegmentFile says whether name is a WAL segment or a backup history file of the archive
// (24 hex digits first); timeline history files (00000002.history) are always kept.
func isSegmentFile(name string) bool {
	if len(name) < 24 {
		return false
	}
	for _, r := range name[:24] {
		if !strings.ContainsRune("0123456789ABCDEF", r) {
			return false
		}
	}
	return len(name) == 24 || name[24] == '.'
}

// PruneArchive keeps the base backups of the last keep (at least the newest one) and the WAL
// they need; older base backups and the segments before the oldest kept base backup's start
// are removed. It returns how many files it removed.
func PruneArchive(dir string, keep time.Duration, now time.Time) (int, error) {
	bases, err := BaseBackups(dir)
	if err != nil || len(bases) == 0 {
		return 0, err // no base backup: every segment may still be needed by the next one
	}
	first := len(bases) - 1
	for i, b := range bases {
		if now.Sub(b.FinishedAt) <= keep {
			first = min(i, first)
			break
		}
	}
	removed := 0
	for _, b := range bases[:first] {
		base := filepath.Join(BaseDir(dir), b.File)
		for _, f := range []string{base, strings.TrimSuffix(base, ".tar.gz") + ".json"} {
			if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, err
			}
			removed++
		}
	}
	oldest := bases[first].StartWAL
	if len(oldest) != 24 {
		return removed, nil
	}
	entries, err := os.ReadDir(WALDir(dir))
	if err != nil {
		return removed, err
	}
	for _, e := range entries {
		if n := e.Name(); isSegmentFile(n) && n[:24] < oldest {
			if err := os.Remove(filepath.Join(WALDir(dir), n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return removed, err
			}
			removed++
		}
	}
	return removed, nil
}
