// Package notify writes in-app notifications (core_notification) for the users who must act:
// a failed backup for administrators, low stock for pharmacists, and so on.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
)

// Execer runs a statement (a transaction or a pool).
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Role notifies every active user of role and returns how many were notified. The text is
// the same for all: prefer RoleMsg, which writes to each in their language.
func Role(ctx context.Context, q Execer, role, kind, title, message string) (int64, error) {
	tag, err := q.Exec(ctx, `
		INSERT INTO core_notification (user_id, title, message, notification_type)
		SELECT u.id, $2, $3, $4 FROM auth_user u JOIN core_role r ON r.id = u.role_id
		 WHERE r.name = $1 AND u.is_active`, role, title, message, kind)
	if err != nil {
		return 0, fmt.Errorf("notify %s: %w", role, err)
	}
	return tag.RowsAffected(), nil
}

// RoleMsg notifies every active user of role, each in their own language (the title and
// message rendered from the catalog, internal/i18n), and returns how many were notified.
//
// The text is rendered when the notification is made, not when it is read: a notification is
// a record of what the recipient was told (it keeps the figures of that moment, the stock
// left, the batch's date), it needs no schema change, and a user rarely changes language. Old
// notifications thus stay in the language they were written in.
func RoleMsg(ctx context.Context, q Execer, role, kind string, title, message i18n.Msg) (int64, error) {
	n, err := toUsers(ctx, q, fromRole, "r.name = $1 AND u.is_active", role, kind, title, message)
	if err != nil {
		return 0, fmt.Errorf("notify %s: %w", role, err)
	}
	return n, nil
}

// UserMsg notifies one user in their language (see RoleMsg).
func UserMsg(ctx context.Context, q Execer, userID int64, kind string, title, message i18n.Msg) error {
	if err := toUser(ctx, q, userID, kind, title, message, "TRUE"); err != nil {
		return fmt.Errorf("notify user %d: %w", userID, err)
	}
	return nil
}

// fromRole is the FROM of the users of a role (r.name).
const fromRole = "auth_user u JOIN core_role r ON r.id = u.role_id"

// toUser writes a notification of kind to one user in their language, when the SQL condition
// where (on auth_user u) holds for them; where's own parameters, args, are $5 onwards.
func toUser(ctx context.Context, q Execer, userID int64, kind string, title, message i18n.Msg, where string, args ...any) error {
	_, err := toUsers(ctx, q, "auth_user u", "u.id = $1 AND ("+where+")", userID, kind, title, message, args...)
	return err
}

// toUsers writes a notification of kind to every user of from (a FROM clause over auth_user
// u) for whom where holds, each in their language, and returns how many. In where, $1 is
// first and args are $5 onwards.
func toUsers(ctx context.Context, q Execer, from, where string, first any, kind string, title, message i18n.Msg, args ...any) (int64, error) {
	titles, texts, err := renderAll(title, message)
	if err != nil {
		return 0, err
	}
	tag, err := q.Exec(ctx, `
		INSERT INTO core_notification (user_id, title, message, notification_type)
		SELECT u.id, coalesce($2::jsonb ->> u.language_preference, $2::jsonb ->> 'en'),
		       coalesce($3::jsonb ->> u.language_preference, $3::jsonb ->> 'en'), $4
		  FROM `+from+` WHERE `+where, append([]any{first, titles, texts, kind}, args...)...)
	if err != nil {
		return 0, err
	}
	return tag.RowsAffected(), nil
}

// renderAll renders title and message in every language, as JSON objects by language code.
func renderAll(title, message i18n.Msg) (titles, texts []byte, err error) {
	t, m := map[i18n.Lang]string{}, map[i18n.Lang]string{}
	for _, l := range i18n.Langs {
		t[l], m[l] = l.Render(title), l.Render(message)
	}
	if titles, err = json.Marshal(t); err != nil {
		return nil, nil, err
	}
	texts, err = json.Marshal(m)
	return titles, texts, err
}

// Notification is one in-app notification of a user.
type Notification struct {
	ID               int64     `json:"id"`
	Title            string    `json:"title"`
	Message          string    `json:"message"`
	NotificationType string    `json:"notification_type"`
	IsRead           bool      `json:"is_read"`
	CreatedAt        time.Time `json:"created_at"`
}

// NotificationPage is a page of a user's notifications, newest first, with how many are unread in all.
type NotificationPage struct {
	db.Page[Notification]
	UnreadCount int64 `json:"unread_count"`
}

// Service reads and marks the notifications of the user asking: nobody reads another's.
type Service struct{ db *db.DB }

// NewService returns the notifications service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// List returns user's notifications, newest first (only unread ones when unreadOnly).
func (s *Service) List(ctx context.Context, user int64, unreadOnly bool, limit int, cursor string) (NotificationPage, error) {
	n, err := db.PageLimit(limit)
	if err != nil {
		return NotificationPage{}, err
	}
	var before int64
	if cursor != "" {
		if before, err = db.DecodeCursor(cursor); err != nil {
			return NotificationPage{}, apperr.Invalid(apperr.FieldError{Field: "cursor", Code: apperr.CodeInvalid, Message: "This cursor is not one this server gave."})
		}
	}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT id, title, message, notification_type, is_read, created_at FROM core_notification
		 WHERE user_id = $1 AND (NOT $2 OR NOT is_read) AND ($3 = 0 OR id < $3)
		 ORDER BY id DESC LIMIT $4`, user, unreadOnly, before, n+1)
	if err != nil {
		return NotificationPage{}, fmt.Errorf("notifications: %w", err)
	}
	page, err := db.CollectPage(rows, n, func(r pgx.CollectableRow) (Notification, error) {
		var x Notification
		err := r.Scan(&x.ID, &x.Title, &x.Message, &x.NotificationType, &x.IsRead, &x.CreatedAt)
		x.CreatedAt = x.CreatedAt.UTC()
		return x, err
	}, func(x Notification) string { return db.EncodeCursor(x.ID) })
	if err != nil {
		return NotificationPage{}, fmt.Errorf("notifications: %w", err)
	}
	p := NotificationPage{Page: page}
	err = s.db.Pool.QueryRow(ctx, `SELECT count(*) FROM core_notification WHERE user_id = $1 AND NOT is_read`, user).Scan(&p.UnreadCount)
	return p, err
}

// MarkRead marks one of user's notifications read; another user's is apperr.ErrNotFound.
func (s *Service) MarkRead(ctx context.Context, actor db.Actor, id int64) (Notification, error) {
	var x Notification
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `UPDATE core_notification SET is_read = true WHERE id = $1 AND user_id = $2
			RETURNING id, title, message, notification_type, is_read, created_at`, id, actor.UserID).
			Scan(&x.ID, &x.Title, &x.Message, &x.NotificationType, &x.IsRead, &x.CreatedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		return err
	})
	x.CreatedAt = x.CreatedAt.UTC()
	return x, err
}

// ReadAll marks every notification of the user read and says how many changed.
type ReadAll struct {
	Updated int64 `json:"updated"`
}

// MarkAllRead marks all of the actor's notifications read.
func (s *Service) MarkAllRead(ctx context.Context, actor db.Actor) (ReadAll, error) {
	var out ReadAll
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE core_notification SET is_read = true WHERE user_id = $1 AND NOT is_read`, actor.UserID)
		out.Updated = tag.RowsAffected()
		return err
	})
	return out, err
}

// User notifies one user (the doctor of a prescription sent back, ...) with text that is not
// translated: prefer UserMsg.
func User(ctx context.Context, q Execer, userID int64, kind, title, message string) error {
	if _, err := q.Exec(ctx, `
		INSERT INTO core_notification (user_id, title, message, notification_type) VALUES ($1, $2, $3, $4)`,
		userID, title, message, kind); err != nil {
		return fmt.Errorf("notify user %d: %w", userID, err)
	}
	return nil
}
