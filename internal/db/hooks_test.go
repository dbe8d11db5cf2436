package db

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestHooksRunInOrderAndStopAtTheFirstError(t *testing.T) {
	t.Parallel()
	refused := errors.New("refused")
	tests := []struct {
		name    string
		failAt  int // the step that fails (0: none)
		wantRan []int
		wantErr error
	}{
		{"all pass", 0, []int{1, 2, 3}, nil},
		{"the second refuses", 2, []int{1, 2}, refused},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h Hooks[int]
			var ran []int
			for i := 1; i <= 3; i++ {
				h.Add(func(_ context.Context, _ pgx.Tx, v int) error {
					ran = append(ran, i)
					if v != 42 {
						t.Errorf("step %d got %d, want 42", i, v)
					}
					if i == tc.failAt {
						return refused
					}
					return nil
				})
			}
			if err := h.Run(context.Background(), nil, 42); !errors.Is(err, tc.wantErr) {
				t.Errorf("Run = %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(ran, tc.wantRan) {
				t.Errorf("ran %v, want %v", ran, tc.wantRan)
			}
		})
	}
	var none Hooks[string]
	if err := none.Run(context.Background(), nil, "x"); err != nil {
		t.Errorf("no steps: %v", err)
	}
}
