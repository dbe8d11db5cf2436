package auth

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
)

// Recheck says whether the principal's session still stands as it was when it was
// authenticated: not ended (logout, deactivation, a password change), not idle or too old, and
// the user's role granting the same permissions. Long-lived requests (the events stream) call
// it when told a session or role changed, and at each heartbeat; it never restarts the idle
// time. apperr.ErrUnauthorized: the session is over, or must be opened again to take the new
// permissions.
func (s *Service) Recheck(ctx context.Context, p *Principal) error {
	var perms []string
	err := s.db.Pool.QueryRow(ctx, `
		SELECT coalesce((SELECT array_agg(permission) FROM core_rolepermission WHERE role_id = u.role_id), '{}')
		  FROM core_session s JOIN auth_user u ON u.id = s.user_id
		 WHERE s.token_hash = $1 AND u.is_active
		   AND s.last_seen_at > now() - make_interval(secs => $2)
		   AND s.created_at > now() - make_interval(secs => $3)`,
		p.tokenHash, s.cfg.IdleTimeout.Seconds(), s.cfg.AbsoluteTimeout.Seconds()).Scan(&perms)
	if err == pgx.ErrNoRows {
		return apperr.ErrUnauthorized
	}
	if err != nil {
		return fmt.Errorf("recheck session: %w", err)
	}
	now := make([]Permission, 0, len(perms))
	for _, x := range perms {
		now = append(now, Permission(x))
	}
	slices.Sort(now)
	if !slices.Equal(now, p.Permissions) {
		return apperr.ErrUnauthorized
	}
	return nil
}
