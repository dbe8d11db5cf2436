package db

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// Claim is a request's claimed Idempotency-Key (the server's idempotency middleware,
// core_idempotency_key). A context that carries one marks the claim applied inside every
// transaction InTx commits with it: the mark exists exactly when the request's work was
// committed, even when the request then fails to answer (the database stopped between the
// commit and its reply), so that a retry never does the work a second time.
type Claim struct {
	UserID int64
	Key    string
}

type claimKey struct{}

// WithClaim returns ctx carrying the request's claim.
func WithClaim(ctx context.Context, c Claim) context.Context {
	return context.WithValue(ctx, claimKey{}, c)
}

// markClaimApplied marks the claim ctx carries, if any, as applied in tx.
func markClaimApplied(ctx context.Context, tx pgx.Tx) error {
	c, ok := ctx.Value(claimKey{}).(Claim)
	if !ok {
		return nil
	}
	if _, err := tx.Exec(ctx, `UPDATE core_idempotency_key SET applied_at = coalesce(applied_at, now())
		WHERE user_id = $1 AND key = $2 AND status IS NULL`, c.UserID, c.Key); err != nil {
		return fmt.Errorf("mark the idempotency key applied: %w", err)
	}
	return nil
}
