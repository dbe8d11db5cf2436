package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/backup"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
)

type backupList struct {
	Items []backup.Info `json:"items"`
	// Archive is the point-in-time archive of the backup folder (WAL and base backups): how
	// big, and how far back a recovery can go.
	Archive backup.ArchiveUsage `json:"archive"`
	// Disks is the free space of the data dir's disk and the backup folder's.
	Disks []backup.DiskSpace `json:"disks"`
	// WALGap is WAL dropped without archiving (a failing archive was capped): recovery cannot
	// reach past its start until a base backup follows it. Null: the archive is continuous.
	WALGap *db.WALGap `json:"wal_gap"`
	// Leftovers are what interrupted or superseded work left behind, removable one by one.
	Leftovers []backup.Leftover `json:"leftovers"`
	// LeftoverDays is how many days leftovers are kept before Chelal removes them itself.
	LeftoverDays int `json:"leftover_days"`
}

func (s *server) listBackups(r *http.Request, _ none) (backupList, error) {
	dataDir := ""
	if e := s.db.Embedded(); e != nil {
		dataDir = e.Dir()
	}
	keep := s.backups.LeftoverRetention
	if keep == 0 {
		keep = backup.DefaultLeftoverRetention
	}
	out := backupList{Items: []backup.Info{}, Disks: backup.Disks(dataDir, s.backups.dir(), s.backups.LowDisk), LeftoverDays: int(keep.Hours() / 24)}
	if out.Disks == nil {
		out.Disks = []backup.DiskSpace{}
	}
	var err error
	if out.WALGap, err = s.db.WALGap(); err != nil {
		return out, err
	}
	if out.Leftovers, err = backup.Leftovers(r.Context(), s.db, s.backups.dir(), time.Now()); err != nil {
		return out, err
	}
	if s.backups.dir() == "" {
		return out, nil
	}
	if out.Items, err = backup.List(s.backups.dir()); err != nil {
		return out, err
	}
	out.Archive, err = backup.Usage(s.backups.dir())
	return out, err
}

// removeLeftover removes one of the leftovers listBackups lists (anything else: 404).
func (s *server) removeLeftover(r *http.Request, _ none) (none, error) {
	l, err := backup.RemoveLeftover(r.Context(), s.db, s.backups.dir(), r.PathValue("name"), time.Now())
	if err != nil {
		return none{}, err
	}
	s.log.Info("leftover removed", "name", l.Name, "kind", l.Kind, "bytes", l.Bytes, "by", actorOf(r).UserID)
	return none{}, nil
}

// createBackup writes and verifies a backup now. It can take minutes on a large database, so
// it extends its own write deadline; one runs at a time.
func (s *server) createBackup(w http.ResponseWriter, r *http.Request) {
	if s.backups.dir() == "" {
		s.writeError(w, r, apperr.New(apperr.ErrUnavailable, "No backup folder is configured on this server."))
		return
	}
	if !s.jobs.TryBegin() {
		s.writeError(w, r, apperr.New(apperr.ErrConflict, "A backup is already running; wait for it to finish.").WithCode("backup-running"))
		return
	}
	defer s.jobs.Done()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	dir := s.backups.dir()
	info, err := backup.CreateVerified(r.Context(), s.db, dir,
		backup.Options{ChelalVersion: s.version, Passphrase: s.backups.Passphrase, DataDir: s.backups.DataDir}, 0, s.log)
	if err != nil {
		s.writeError(w, r, s.backupFailed(r, dir, err))
		return
	}
	s.writeJSON(w, r, http.StatusCreated, info)
}

// backupFailed tells the administrators of a failed manual backup, as of a scheduled one, and
// returns what to answer: 507 when the folder is full, 503 when it is gone or cannot be
// written, each with the reason; any other failure as it is.
func (s *server) backupFailed(r *http.Request, dir string, err error) error {
	if r.Context().Err() != nil {
		return err
	}
	reason := err.Error()
	if _, nerr := notify.RoleMsg(context.WithoutCancel(r.Context()), s.db.Pool, "admin", "backup_failed", i18n.M("notify.backup_failed.title"),
		i18n.M("notify.manual_backup_failed.text", "dir", dir, "err", reason)); nerr != nil {
		s.log.Error("notify administrators", "err", nerr)
	}
	switch backup.FolderFailure(err) {
	case backup.ErrFolderFull:
		p := newProblem(r, problemKind{http.StatusInsufficientStorage, "backup-folder-full", "Backup folder full"},
			fmt.Sprintf("The backup folder %s is full: %s. Free some space there or choose another folder.", dir, reason))
		s.log.Warn("manual backup failed: folder full", "dir", dir, "err", err)
		return p
	case backup.ErrFolderUnavailable:
		s.log.Warn("manual backup failed: folder unavailable", "dir", dir, "err", err)
		return apperr.Wrap(apperr.ErrUnavailable, err,
			fmt.Sprintf("The backup folder %s cannot be written: %s. Is the drive plugged in and writable?", dir, reason)).WithCode("backup-folder-unavailable")
	}
	return err
}

// backupFolder is where backups go, and whether an administrator may move it.
type backupFolder struct {
	Dir string `json:"dir"`
	// FixedBy names the environment variable that fixes the folder on this server ("" : it
	// can be chosen here).
	FixedBy string `json:"fixed_by"`
	// ArchiveDir is the folder PostgreSQL archives its WAL into now ("" : no WAL archive, e.g.
	// an external server). It follows a moved folder from Chelal's next start.
	ArchiveDir    string `json:"archive_dir"`
	RestartNeeded bool   `json:"restart_needed" doc:"The WAL archive still goes to the previous folder until Chelal restarts."`
}

// backupFolderParams moves the backup folder.
type backupFolderParams struct {
	Dir string `json:"dir"`
}

func (s *server) folderInfo(r *http.Request) (backupFolder, error) {
	out := backupFolder{Dir: s.backups.dir()}
	if s.backups.Folder != nil {
		out.FixedBy = s.backups.Folder.FixedBy()
	}
	var err error
	if out.ArchiveDir, err = backup.ArchiveFolder(r.Context(), s.db); err != nil || out.ArchiveDir == "" {
		return out, err
	}
	out.RestartNeeded = filepath.Clean(out.ArchiveDir) != filepath.Clean(out.Dir)
	return out, nil
}

func (s *server) getBackupFolder(r *http.Request, _ none) (backupFolder, error) {
	return s.folderInfo(r)
}

func (s *server) setBackupFolder(r *http.Request, in backupFolderParams) (backupFolder, error) {
	if s.backups.Folder == nil {
		return backupFolder{}, apperr.New(apperr.ErrConflict, "The backup folder of this server is fixed by its configuration.").WithCode("backup-folder-fixed")
	}
	if err := s.backups.Folder.Set(in.Dir); err != nil {
		return backupFolder{}, err
	}
	s.log.Info("backup folder moved", "dir", s.backups.Folder.Dir(), "by", actorOf(r).UserID)
	return s.folderInfo(r)
}

// restoreParams names the backup to restore: a file of the backup folder, or the full path of
// one elsewhere (a USB drive, chosen with the desktop's dialog).
type restoreParams struct {
	File       string `json:"file"`
	Passphrase string `json:"passphrase,omitempty"`
}

func (s *server) getRestore(r *http.Request, _ none) (backup.RestoreStatus, error) {
	return s.jobs.RestoreStatus(), nil
}

// startRestore starts the restore in the background; GET follows it.
func (s *server) startRestore(r *http.Request, in restoreParams) (backup.RestoreStatus, error) {
	return s.jobs.StartRestore(s.db, backup.RestoreRequest{File: in.File, Passphrase: in.Passphrase, Folder: s.backups.dir(),
		DataDir: s.backups.DataDir, Log: s.log.With("by", actorOf(r).UserID), After: s.afterRestore})
}
