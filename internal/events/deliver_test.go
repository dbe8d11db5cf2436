package events

import (
	"testing"
	"time"
)

// hubWith is a hub with n streams dealt into groups, without a database (no listener).
func hubWith(n int) (*Hub, []*Sub) {
	h := NewHub(nil, nil)
	subs := make([]*Sub, n)
	for i := range subs {
		subs[i] = newSub(int64(i + 1))
		h.subs[subs[i]] = struct{}{}
		h.join(subs[i])
	}
	return h, subs
}

// hear records an event as the listener would, at now, and returns the timer's next moment
// (zero: none armed); the timer is stopped so that the test drives the clock.
func hear(h *Hub, id int64, now time.Time) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.heard = append(h.heard, Event{ID: id, Kind: "patient"})
	h.run(now)
	if h.due == nil {
		return time.Time{}
	}
	h.due.Stop()
	h.due = nil
	return h.dueAt
}

func received(s *Sub) (ids []int64) {
	for {
		select {
		case b := <-s.C:
			for _, ev := range b {
				ids = append(ids, ev.ID)
			}
		default:
			return ids
		}
	}
}

// TestDeliveriesAreStaggered: 300 streams are dealt into maxGroups groups of about the same
// size; a quiet clinic's event goes to every stream at once; the next, heard within the
// window, goes to each group at its own turn (its phase in the window's grid), never two
// deliveries to a group within a window, and every stream gets every event once, in order.
func TestDeliveriesAreStaggered(t *testing.T) {
	h, subs := hubWith(300)
	if len(h.groups) != maxGroups {
		t.Fatalf("%d groups, want %d", len(h.groups), maxGroups)
	}
	for _, g := range h.groups {
		if n := len(g.subs); n < 300/maxGroups || n > 300/maxGroups+1 {
			t.Errorf("a group of %d streams, want %d or %d", n, 300/maxGroups, 300/maxGroups+1)
		}
	}
	w := window(300)
	t0 := h.epoch.Add(time.Millisecond)
	if next := hear(h, 1, t0); !next.IsZero() {
		t.Errorf("after a quiet spell, a delivery is still due at %v", next.Sub(t0))
	}
	for i, s := range subs {
		if got := received(s); len(got) != 1 || got[0] != 1 {
			t.Fatalf("stream %d got %v at once, want [1]", i, got)
		}
	}
	// The second event, 5 ms later, waits for each group's turn: a window after the first
	// delivery at the earliest, the groups' turns window/maxGroups apart.
	now := t0.Add(5 * time.Millisecond)
	next := hear(h, 2, now)
	var turns []time.Time
	for !next.IsZero() {
		if next.Before(t0.Add(w)) || next.After(t0.Add(2*w)) {
			t.Fatalf("a turn %v after the first delivery, want within [%v, %v]", next.Sub(t0), w, 2*w)
		}
		turns = append(turns, next)
		h.mu.Lock()
		h.run(next)
		next = time.Time{}
		if h.due != nil {
			h.due.Stop()
			h.due, next = nil, h.dueAt
		}
		h.mu.Unlock()
	}
	if len(turns) != maxGroups {
		t.Fatalf("%d turns, want one per group (%d)", len(turns), maxGroups)
	}
	for i := 1; i < len(turns); i++ {
		if gap := turns[i].Sub(turns[i-1]); gap < w/maxGroups-time.Microsecond || gap > w/maxGroups+time.Microsecond {
			t.Errorf("turns %d and %d are %v apart, want %v", i-1, i, gap, w/maxGroups)
		}
	}
	for i, s := range subs {
		if got := received(s); len(got) != 1 || got[0] != 2 {
			t.Fatalf("stream %d got %v after the turns, want [2]", i, got)
		}
	}
	if len(h.heard) != 0 {
		t.Errorf("%d events kept after every group had them", len(h.heard))
	}
}

// TestFewStreamsAreSentAtOnce: a handful of streams is one group with a window of a few
// hundred microseconds.
func TestFewStreamsAreSentAtOnce(t *testing.T) {
	h, subs := hubWith(3)
	if len(h.groups) != 1 || window(3) > 2*time.Millisecond {
		t.Fatalf("%d groups, window %v", len(h.groups), window(3))
	}
	now := time.Now()
	hear(h, 1, now)
	if next := hear(h, 2, now.Add(window(3))); !next.IsZero() {
		t.Errorf("an event a window after the last delivery waits until %v", next.Sub(now))
	}
	for _, s := range subs {
		if got := received(s); len(got) != 2 {
			t.Errorf("got %v, want [1 2]", got)
		}
	}
}
