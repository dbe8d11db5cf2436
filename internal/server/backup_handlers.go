package server

import (
	"net/http"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/backup"
)

type backupList struct {
	Items []backup.Info `json:"items"`
	// Archive is the point-in-time archive of the backup folder (WAL and base backups): how
	// big, and how far back a recovery can go.
	Archive backup.ArchiveUsage `json:"archive"`
}

func (s *server) listBackups(r *http.Request, _ none) (backupList, error) {
	if s.backups.Dir == "" {
		return backupList{Items: []backup.Info{}}, nil
	}
	items, err := backup.List(s.backups.Dir)
	if err != nil {
		return backupList{}, err
	}
	usage, err := backup.Usage(s.backups.Dir)
	return backupList{Items: items, Archive: usage}, err
}

// createBackup writes and verifies a backup now. It can take minutes on a large database, so
// it extends its own write deadline; one runs at a time.
func (s *server) createBackup(w http.ResponseWriter, r *http.Request) {
	if s.backups.Dir == "" {
		s.writeError(w, r, apperr.New(apperr.ErrUnavailable, "No backup folder is configured on this server."))
		return
	}
	if !s.backupMu.TryLock() {
		s.writeError(w, r, apperr.New(apperr.ErrConflict, "A backup is already running; wait for it to finish.").WithCode("backup-running"))
		return
	}
	defer s.backupMu.Unlock()
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(2 * time.Hour))
	info, err := backup.CreateVerified(r.Context(), s.db, s.backups.Dir,
		backup.Options{ChelalVersion: s.version, Passphrase: s.backups.Passphrase}, 0, s.log)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, info)
}
