package server

import (
	"net/http"

	"chelal/internal/notify"
)

func (s *server) listNotifications(r *http.Request, _ none) (notify.NotificationPage, error) {
	q := queryOf(r)
	limit, cursor := q.Page()
	return answer(q, func() (notify.NotificationPage, error) {
		return s.notify.List(r.Context(), principalOf(r.Context()).User.ID, q.Str("unread") == "true", limit, cursor)
	})
}

func (s *server) readAllNotifications(r *http.Request, _ none) (notify.ReadAll, error) {
	return s.notify.MarkAllRead(r.Context(), actorOf(r))
}
