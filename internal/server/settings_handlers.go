package server

import (
	"net/http"

	"chelal/internal/settings"
)

func (s *server) getSettings(r *http.Request, _ none) (settings.Clinic, error) {
	return settings.Load(r.Context(), s.db.Pool)
}

func (s *server) updateSettings(r *http.Request, in settings.Change) (settings.Clinic, error) {
	return settings.Apply(r.Context(), s.db, actorOf(r), in)
}
