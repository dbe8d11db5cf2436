package db

import (
	"context"

	"github.com/jackc/pgx/v5"
)

// Hooks is how one domain runs a step of another inside its own transaction, the one pattern
// for it: the domain that owns an act (clinical closing an encounter, pharmacy dispensing)
// declares a field named for the event (OnClose Hooks[Encounter], OnDispense
// Hooks[Dispensed]) and calls Run after its own writes, in its transaction; the wiring
// (billing.Wire, run by server.Wire) adds the other domain's steps with Add. What a step
// writes (a bill line) commits with the act or not at all, and the owning domain never
// imports the one that hooks into it. Add steps while wiring, before any request: Hooks is not
// safe to change while it runs.
type Hooks[T any] struct {
	steps []func(ctx context.Context, tx pgx.Tx, v T) error
}

// Add appends a step; steps run in the order they were added.
func (h *Hooks[T]) Add(step func(ctx context.Context, tx pgx.Tx, v T) error) {
	h.steps = append(h.steps, step)
}

// Run runs every step in tx with v; the first error stops them and is returned, so that the
// caller's transaction rolls back.
func (h *Hooks[T]) Run(ctx context.Context, tx pgx.Tx, v T) error {
	for _, step := range h.steps {
		if err := step(ctx, tx, v); err != nil {
			return err
		}
	}
	return nil
}
