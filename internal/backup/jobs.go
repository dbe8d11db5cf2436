package backup

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Jobs is the one backup or restore a running Chelal may do at a time (an administrator's
// "back up now" or "restore" from the UI), and the progress, then the outcome, of the restore
// started from the UI. The HTTP layer only reads requests into it and answers with what it
// says; the zero value is ready.
type Jobs struct {
	busy sync.Mutex // held while a backup or a restore runs

	mu      sync.Mutex
	restore RestoreStatus
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

// TryBegin claims the one slot for a backup or a restore; false: one is running. End it with
// Done.
func (j *Jobs) TryBegin() bool { return j.busy.TryLock() }

// Done frees the slot TryBegin claimed.
func (j *Jobs) Done() { j.busy.Unlock() }

// RestoreStatus is the progress and outcome of the restore started from the UI ("idle": none).
func (j *Jobs) RestoreStatus() RestoreStatus {
	j.mu.Lock()
	defer j.mu.Unlock()
	st := j.restore
	if st.State == "" {
		st.State = "idle"
	}
	return st
}

func (j *Jobs) update(f func(*RestoreStatus)) {
	j.mu.Lock()
	defer j.mu.Unlock()
	f(&j.restore)
}

// RestoreRequest is a restore asked for from the UI.
type RestoreRequest struct {
	// File is a backup of Folder (its name), or the full path of one elsewhere (a USB drive,
	// chosen with the desktop's dialog).
	File       string
	Passphrase string
	Folder     string // the backup folder now ("" : none; File must then be a full path)
	DataDir    string // receives the backup's secret.key and profile images ("" : the database only)
	Log        *slog.Logger
	// After, when set, runs once the restore has switched Chelal to the restored database
	// (a moment later, for the UI to read the outcome): it restarts Chelal's core on it.
	After func()
}

// StartRestore checks req (the file exists and is a backup the passphrase opens: a wrong
// passphrase or a damaged file is told at once), then restores it into a new database of the
// embedded server d in the background; RestoreStatus follows it. It returns the status at the
// start. An external server is restored from the command line instead (409).
func (j *Jobs) StartRestore(d *db.DB, req RestoreRequest) (RestoreStatus, error) {
	if d == nil || d.Embedded() == nil {
		return RestoreStatus{}, apperr.New(apperr.ErrConflict, "This server uses an external PostgreSQL: restore it with `chelal restore` and DATABASE_URL.").WithCode("restore-unavailable")
	}
	file, err := restoreFile(req.File, req.Folder)
	if err != nil {
		return RestoreStatus{}, err
	}
	h, err := ReadHeader(file, req.Passphrase)
	if err != nil {
		return RestoreStatus{}, apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "This backup cannot be used: " + err.Error()})
	}
	if !j.TryBegin() {
		return RestoreStatus{}, apperr.New(apperr.ErrConflict, "A backup or a restore is already running; wait for it to finish.").WithCode("backup-running")
	}
	now := time.Now().UTC()
	j.update(func(st *RestoreStatus) { *st = RestoreStatus{State: "running", File: file, StartedAt: &now} })
	log := req.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Info("restore started from the UI", "file", file, "written", h.CreatedAt)
	req.File, req.Log = file, log
	go j.runRestore(d, req)
	return j.RestoreStatus(), nil
}

// restoreFile is the path of the backup a request names (field errors name "file").
func restoreFile(file, folder string) (string, error) {
	file = strings.TrimSpace(file)
	var fe apperr.Fields
	switch {
	case file == "":
		fe.Add("file", apperr.CodeRequired, "Choose the backup to restore.")
	case len(file) > 1000:
		fe.Add("file", apperr.CodeTooLong, "The path is too long.")
	case !strings.HasSuffix(file, Extension):
		fe.Add("file", apperr.CodeInvalid, "This is not a Chelal backup (its name ends in "+Extension+").")
	}
	if err := fe.Err(); err != nil {
		return "", err
	}
	if !filepath.IsAbs(file) {
		if filepath.Base(file) != file || folder == "" {
			return "", apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "Give a backup of the backup folder, or a full path."})
		}
		file = filepath.Join(folder, file)
	}
	if st, err := os.Stat(file); err != nil || !st.Mode().IsRegular() {
		return "", apperr.Invalid(apperr.FieldError{Field: "file", Code: apperr.CodeInvalid, Message: "There is no such backup file."})
	}
	return file, nil
}

func (j *Jobs) runRestore(d *db.DB, req RestoreRequest) {
	defer j.Done()
	ctx := context.Background()
	latest, err := LatestSchema(ctx, d)
	if err != nil {
		latest = 0 // unknown: the restore then takes the backup's schema as it is
	}
	res, err := RestoreEmbedded(ctx, d, req.File, RestoreOptions{Passphrase: req.Passphrase, LatestSchema: latest, Log: req.Log, DataDir: req.DataDir,
		Progress: func(table string, rows int64, done, total int) {
			j.update(func(st *RestoreStatus) {
				st.Table, st.TablesDone, st.TablesTotal = table, done, total
				st.Rows += rows
			})
		}})
	now := time.Now().UTC()
	if err != nil {
		req.Log.Error("restore from the UI failed", "file", req.File, "err", err)
		j.update(func(st *RestoreStatus) { st.State, st.Error, st.FinishedAt = "failed", err.Error(), &now })
		return
	}
	req.Log.Info("restore from the UI done", "file", req.File, "database", res.Database, "previous", res.Previous, "key_kept_as", res.KeyKeptAs)
	j.update(func(st *RestoreStatus) {
		st.State, st.FinishedAt, st.Database, st.Previous = "done", &now, res.Database, res.Previous
		st.Restarting = req.After != nil
	})
	if req.After != nil {
		// A moment for the UI to read the outcome, then Chelal restarts on the new database.
		time.AfterFunc(2*time.Second, req.After)
	}
}

// LatestSchema is the newest schema version this Chelal knows (its embedded migrations):
// backups of a newer schema are refused, restored ones are migrated up to it.
func LatestSchema(ctx context.Context, d *db.DB) (uint, error) {
	mg, err := db.NewMigrator(d.DSN(), nil)
	if err != nil {
		return 0, err
	}
	defer mg.Close()
	st, err := mg.Status(ctx)
	return st.Latest, err
}

// ArchiveFolder is the backup folder whose wal/ the server archives into now ("" : no WAL
// archive, e.g. an external server). A folder moved while Chelal runs takes the archive from
// the next start, so it may differ from the folder backups go to.
func ArchiveFolder(ctx context.Context, d *db.DB) (string, error) {
	var wal string
	if err := d.Pool.QueryRow(ctx, `SELECT coalesce(current_setting('basic_archive.archive_directory', true), '')`).Scan(&wal); err != nil || wal == "" {
		return "", err
	}
	return filepath.Dir(wal), nil
}
