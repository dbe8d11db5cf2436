// Package notify writes in-app notifications (core_notification) for the users who must act:
// a failed backup for administrators, low stock for pharmacists, and so on.
package notify

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"
)

// Execer runs a statement (a transaction or a pool).
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Role notifies every active user of role and returns how many were notified.
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
