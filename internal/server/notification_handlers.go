package server

import (
	"net/http"

	"chelal/internal/notify"
)

func (s *server) listNotifications(r *http.Request, _ none) (notify.NotificationPage, error) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return notify.NotificationPage{}, err
	}
	unread := r.URL.Query().Get("unread") == "true"
	return s.notify.List(r.Context(), principalOf(r.Context()).User.ID, unread, int(limit), r.URL.Query().Get("cursor"))
}

func (s *server) readNotification(r *http.Request, _ none) (notify.Notification, error) {
	id, err := pathID(r)
	if err != nil {
		return notify.Notification{}, err
	}
	return s.notify.MarkRead(r.Context(), actorOf(r), id)
}

func (s *server) readAllNotifications(r *http.Request, _ none) (notify.ReadAll, error) {
	return s.notify.MarkAllRead(r.Context(), actorOf(r))
}
