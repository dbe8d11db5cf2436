package server

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"
)

// healthTimeout bounds the database check of /health, so a monitor gets an answer even when
// the database hangs.
const healthTimeout = 2 * time.Second

// health is the answer of GET /api/v1/health, the same shape whether healthy (200) or not (503).
type health struct {
	Status   string `json:"status" enum:"ok,unavailable" doc:"ok when the server can serve requests"`
	Database string `json:"database" enum:"ok,unavailable" doc:"whether the database answered within 2 seconds"`
	Version  string `json:"version" doc:"Chelal's version"`
}

// health answers whether the server and its database answer. It needs no login, so it says
// nothing beyond ok/unavailable and the version; the cause of a failure goes to the log.
func (s *server) health(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
	defer cancel()
	err := errors.New("no database configured")
	if s.db != nil {
		err = s.db.Ping(ctx)
	}
	if err != nil {
		s.log.LogAttrs(r.Context(), slog.LevelWarn, "health check: database unavailable",
			slog.String("request_id", RequestID(r.Context())), slog.Any("error", err))
		w.Header().Set("Retry-After", "5") // the embedded server is restarted within seconds
		s.writeJSON(w, r, http.StatusServiceUnavailable, health{Status: "unavailable", Database: "unavailable", Version: s.version})
		return
	}
	s.writeJSON(w, r, http.StatusOK, health{Status: "ok", Database: "ok", Version: s.version})
}
