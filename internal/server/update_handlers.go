package server

import (
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/update"
)

// actionUpdateInstalled is the audit action of an update from file.
const actionUpdateInstalled = "update_installed"

// maxUpdateBytes bounds an update's upload: Chelal's executable with its PostgreSQL inside is
// about 50 MB (the Windows one a little more); the form's signature and boundaries are small.
const maxUpdateBytes = 512 << 20

// updateResult is an installed update (its own name in the OpenAPI document).
type updateResult update.Result

// about is what the About Chelal screen shows an administrator.
type about struct {
	Version           string `json:"version" doc:"Chelal's version"`
	Platform          string `json:"platform" doc:"the platform this executable runs on (GOOS/GOARCH)"`
	PostgreSQL        string `json:"postgresql" doc:"the version of the PostgreSQL server the records are in"`
	BundledPostgreSQL string `json:"bundled_postgresql" doc:"the version of the PostgreSQL inside Chelal"`
	Embedded          bool   `json:"embedded" doc:"whether the records are in Chelal's own PostgreSQL"`
	Schema            uint   `json:"schema" doc:"the migration the records are at"`
	LatestSchema      uint   `json:"latest_schema" doc:"the newest migration this Chelal knows"`
	// UpdateBlocked says why this server cannot update itself from a file ("": it can), and
	// UpdateBlockedCode names the reason (update-no-key, update-not-writable, ...).
	UpdateBlocked     string `json:"update_blocked" doc:"why an update from file is not possible here; empty when it is"`
	UpdateBlockedCode string `json:"update_blocked_code" doc:"the reason's code; empty when an update is possible"`
}

func (s *server) getAbout(r *http.Request, _ none) (about, error) {
	a := about{Version: s.version, Platform: update.Platform(), BundledPostgreSQL: db.PostgresVersion, Embedded: s.db.Embedded() != nil}
	if err := s.db.Pool.QueryRow(r.Context(), `SHOW server_version`).Scan(&a.PostgreSQL); err != nil {
		return a, err
	}
	st, err := s.schemaStatus(r)
	if err != nil {
		return a, err
	}
	a.Schema, a.LatestSchema = st.Version, st.Latest
	if err := s.updater.Check(); err != nil {
		a.UpdateBlocked, a.UpdateBlockedCode = apperr.MessageOf(err), apperr.CodeOf(err)
	}
	return a, nil
}

func (s *server) schemaStatus(r *http.Request) (db.MigrationStatus, error) {
	mg, err := db.NewMigrator(s.db.DSN(), s.log)
	if err != nil {
		return db.MigrationStatus{}, err
	}
	defer mg.Close()
	return mg.Status(r.Context())
}

// updateFromFile receives the new executable ("executable") and its signature file
// ("signature") as a multipart form, in either order, and installs it (internal/update):
// the executable is written beside the running one while it arrives, then checked, then put in
// place; anything refused is removed and the running executable is left as it was. The
// running server goes on with its code until Chelal is restarted.
func (s *server) updateFromFile(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "multipart/form-data" {
		writeProblem(w, newProblem(r, probUnsupportedMedia, "Send the executable and its signature as multipart/form-data."))
		return
	}
	staging, err := s.updater.Begin()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer staging.Close()
	// A clinic's Wi-Fi may take minutes for 50 MB; the server's 30-second read timeout is for
	// ordinary requests.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(30 * time.Minute))
	_ = rc.SetWriteDeadline(time.Now().Add(32 * time.Minute))

	badForm := func(err error) {
		s.writeError(w, r, apperr.Wrap(apperr.ErrInvalid, err,
			"The upload is not a complete form with the executable and its signature: try again.").WithCode("update-form"))
	}
	mr, err := r.MultipartReader()
	if err != nil {
		badForm(err)
		return
	}
	var sig []byte
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			badForm(err)
			return
		}
		switch part.FormName() {
		case "executable":
			body := &readErr{r: part}
			if err := staging.Write(body); err != nil {
				if body.err != nil {
					badForm(body.err) // the upload, not the disk
				} else {
					s.writeError(w, r, err)
				}
				return
			}
		case "signature":
			if sig != nil {
				badForm(errors.New("two signatures"))
				return
			}
			if sig, err = io.ReadAll(io.LimitReader(part, update.MaxSignatureBytes+1)); err != nil {
				badForm(err)
				return
			}
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				badForm(err)
				return
			}
		}
	}
	st, err := s.schemaStatus(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := staging.Finish(r.Context(), sig, st.Version)
	if err != nil {
		s.log.Warn("update from file refused", "reason", err, "by", actorOf(r).UserID)
		s.writeError(w, r, err)
		return
	}
	s.log.Info("update from file installed: restart Chelal to finish", "version", res.Version, "schema", res.Schema,
		"previous", res.Previous, "by", actorOf(r).UserID)
	// The audit log says who replaced the program, and with what (the executable is in place:
	// a failure here is logged, not answered).
	if err := s.db.InTx(r.Context(), actorOf(r), func(ctx context.Context, tx pgx.Tx) error {
		return audit.Record(ctx, tx, audit.Entry{Action: actionUpdateInstalled, ModelName: "chelal_executable",
			Changes: map[string]any{"from": s.version, "to": res.Version, "schema": res.Schema, "previous": res.Previous}})
	}); err != nil {
		s.log.Error("update from file: the audit row was not written", "error", err)
	}
	s.writeJSON(w, r, http.StatusOK, updateResult(res))
}

// readErr remembers the error of the reader it wraps, to tell a broken upload from a disk
// that could not take the file.
type readErr struct {
	r   io.Reader
	err error
}

func (e *readErr) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && !errors.Is(err, io.EOF) {
		e.err = err
	}
	return n, err
}
