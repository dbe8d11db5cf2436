package server

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/backup"
	"chelal/internal/db"
)

// restoreJob is the one restore an administrator may run from the UI at a time: its progress,
// then its outcome. A successful restore makes Chelal restart on the restored database.
type restoreJob struct {
	mu sync.Mutex
	st RestoreStatus
}

// RestoreStatus is a restore's progress and outcome.
type RestoreStatus struct {
	State       string     `json:"state" enum:"idle,running,done,failed"`
	File        string     `json:"file,omitempty"`
	Table       string     `json:"table,omitempty"`
	TablesDone  int        `json:"tables_done"`
	TablesTotal int        `json:"tables_total"`
	Rows        int64      `json:"rows"`
	StartedAt   *time.Time `json:"started_at,omitempty"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Error       string     `json:"error,omitempty"`
	Database    string     `json:"database,omitempty"`
	Previous    string     `json:"previous,omitempty"`
	// Restarting: Chelal is restarting on the restored database; every session ends (the
	// restored database has its own), so the UI waits for /health and asks to log in again.
	Restarting bool `json:"restarting"`
}

func (j *restoreJob) status() RestoreStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.st
	if st.State == "" {
		st.State = "idle"
	}
	return st
}

func (j *restoreJob) update(f func(*RestoreStatus)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f(&j.st)
}

// restoreParams names the backup to restore: a file of the backup folder, or the full path of
// one elsewhere (a USB drive, chosen with the desktop's dialog).
type restoreParams struct {
	File       string `json:"file"`
	Passphrase string `json:"passphrase,omitempty"`
}

func (s *server) getRestore(r *http.Request, _ none) (RestoreStatus, error) {
	return s.restore.status(), nil
}

// startRestore checks the request, then restores in the background; GET follows it.
func (s *server) startRestore(r *http.Request, in restoreParams) (RestoreStatus, error) {
	if s.db == nil || s.db.Embedded() == nil {
		return RestoreStatus{}, apperr.New(apperr.ErrConflict, "This server uses an external PostgreSQL: restore it with `chelal restore` and DATABASE_URL.").WithCode("restore-unavailable")
	}
	file := strings.TrimSpace(in.File)
	var fe apperr.Fields
	switch {
	case file == "":
		fe.Add("file", apperr.CodeRequired, "Choose the backup to restore.")
	case len(file) > 1000:
		fe.Add("file", apperr.CodeTooLong, "The path is too long.")
	case !strings.HasSuffix(file, backup.Extension):
		fe.Add("file", apperr.CodeInvalid, "This is not a Chelal backup (its name ends in "+backup.Extension+").")
	}
	if err := fe.Err(); err != nil {
		return RestoreStatus{}, err
	}
	if !filepath.IsAbs(file) {
		if filepath.Base(file) != file || s.backups.dir() == "" {
			return RestoreStatus{}, apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "Give a backup of the backup folder, or a full path."})
		}
		file = filepath.Join(s.backups.dir(), file)
	}
	if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
		return RestoreStatus{}, apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "There is no such backup file."})
	}
	// A wrong passphrase or a damaged file is told at once, before anything starts.
	h, err := backup.ReadHeader(file, in.Passphrase)
	if err != nil {
		return RestoreStatus{}, apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "This backup cannot be used: " + err.Error()})
	}
	if !s.backupMu.TryLock() {
		return RestoreStatus{}, apperr.New(apperr.ErrConflict, "A backup or a restore is already running; wait for it to finish.").WithCode("backup-running")
	}
	now := time.Now().UTC()
	s.restore.update(func(st *RestoreStatus) {
		*st = RestoreStatus{State: "running", File: file, StartedAt: &now}
	})
	s.log.Info("restore started from the UI", "file", file, "written", h.CreatedAt, "by", actorOf(r).UserID)
	go s.runRestore(file, in.Passphrase)
	return s.restore.status(), nil
}

func (s *server) runRestore(file, passphrase string) {
	defer s.backupMu.Unlock()
	ctx := context.Background()
	latest := uint(0)
	if mg, err := db.NewMigrator(s.db.DSN(), nil); err == nil {
		if st, err := mg.Status(ctx); err == nil {
			latest = st.Latest
		}
		_ = mg.Close()
	}
	res, err := backup.RestoreEmbedded(ctx, s.db, file, backup.RestoreOptions{Passphrase: passphrase, LatestSchema: latest, Log: s.log, DataDir: s.backups.DataDir,
		Progress: func(table string, rows int64, done, total int) {
			s.restore.update(func(st *RestoreStatus) {
				st.Table, st.TablesDone, st.TablesTotal = table, done, total
				st.Rows += rows
			})
		}})
	now := time.Now().UTC()
	if err != nil {
		s.log.Error("restore from the UI failed", "file", file, "err", err)
		s.restore.update(func(st *RestoreStatus) { st.State, st.Error, st.FinishedAt = "failed", err.Error(), &now })
		return
	}
	s.log.Info("restore from the UI done", "file", file, "database", res.Database, "previous", res.Previous, "key_kept_as", res.KeyKeptAs)
	s.restore.update(func(st *RestoreStatus) {
		st.State, st.FinishedAt, st.Database, st.Previous = "done", &now, res.Database, res.Previous
		st.Restarting = s.afterRestore != nil
	})
	if s.afterRestore != nil {
		// A moment for the UI to read the outcome, then Chelal restarts on the new database.
		time.AfterFunc(2*time.Second, s.afterRestore)
	}
}
