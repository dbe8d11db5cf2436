package events

import (
	"slices"
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
	h.heard = append(h.heard, Event{ID: id, Kind: "patient"})
	next := runAt(h, now)
	h.mu.Unlock()
	settle(h)
	return next
}

// runAt runs the hub at now and returns the timer's next moment, the timer stopped (h.mu is
// held).
func runAt(h *Hub, now time.Time) time.Time {
	h.run(now)
	if h.due == nil {
		return time.Time{}
	}
	h.due.Stop()
	h.due = nil
	return h.dueAt
}

// settle waits until the groups' writers have handed out every delivery made so far.
func settle(h *Hub) {
	h.mu.Lock()
	var marks []chan struct{}
	for _, g := range h.groups {
		m := make(chan struct{})
		g.work <- delivery{done: m}
		marks = append(marks, m)
	}
	h.mu.Unlock()
	for _, m := range marks {
		<-m
	}
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
		next = runAt(h, next)
		h.mu.Unlock()
		settle(h)
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

// fakeSender records what a group's writer sends; refuse leaves the next batches to C; block,
// when set, holds a Send until Stall is called.
type fakeSender struct {
	sent    []int64
	refuse  bool
	block   chan struct{}
	blocked chan struct{}
}

func (f *fakeSender) Send(batch []Event) bool {
	if f.block != nil {
		close(f.blocked)
		<-f.block
		f.block = nil
		return false
	}
	if f.refuse {
		return false
	}
	for _, ev := range batch {
		f.sent = append(f.sent, ev.ID)
	}
	return true
}

func (f *fakeSender) Stall() { close(f.block) }

func subscribeFake(h *Hub, userID int64) (*Sub, *fakeSender) {
	f := &fakeSender{}
	s := newSub(userID)
	s.sender, s.queued = f, 1
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.join(s)
	h.mu.Unlock()
	return s, f
}

// TestSendersKeepOrder: a stream's batches go to C until it is caught up (Done), and after a
// batch its Sender left to C, until its goroutine has handled it: never out of order; else the
// group's writer sends them itself.
func TestSendersKeepOrder(t *testing.T) {
	h := NewHub(nil, nil)
	s, f := subscribeFake(h, 1)
	now := time.Now()
	at := func(i int) time.Time { return now.Add(time.Duration(i) * time.Second) } // a window apart: at once
	hear(h, 1, at(1))
	s.Done() // caught up, but batch 1 is still in C
	hear(h, 2, at(2))
	if got := received(s); !slices.Equal(got, []int64{1, 2}) || len(f.sent) != 0 {
		t.Fatalf("before the stream handled its queue: C %v, sent %v; want C [1 2], none sent", got, f.sent)
	}
	s.Done()
	s.Done()
	hear(h, 3, at(3))
	if got := received(s); len(got) != 0 || !slices.Equal(f.sent, []int64{3}) {
		t.Fatalf("a caught-up stream: C %v, sent %v; want sent [3]", got, f.sent)
	}
	f.refuse = true
	hear(h, 4, at(4))
	f.refuse = false
	hear(h, 5, at(5))
	if got := received(s); !slices.Equal(got, []int64{4, 5}) || !slices.Equal(f.sent, []int64{3}) {
		t.Fatalf("after a refused batch: C %v, sent %v; want C [4 5], sent [3]", got, f.sent)
	}
}

// TestStuckWriteIsStalled: a write stuck for writeStall is made to fail (Stall), and the
// group's other streams are written meanwhile, once it has.
func TestStuckWriteIsStalled(t *testing.T) {
	h := NewHub(nil, nil)
	stuck, fs := subscribeFake(h, 1)
	other, fo := subscribeFake(h, 2)
	for _, s := range []*Sub{stuck, other} {
		s.Done()
	}
	if stuck.group != other.group {
		t.Fatal("two streams in two groups")
	}
	fs.block, fs.blocked = make(chan struct{}), make(chan struct{})
	// The writer goes through the group's streams in the order they joined.
	h.mu.Lock()
	h.heard = append(h.heard, Event{ID: 1, Kind: "patient"})
	runAt(h, time.Now())
	h.mu.Unlock()
	<-fs.blocked
	h.stallStuck(time.Now()) // not yet stuck for long
	select {
	case <-fs.block:
		t.Fatal("a write stalled at once")
	default:
	}
	h.stallStuck(time.Now().Add(writeStall + time.Millisecond))
	settle(h)
	if got := received(stuck); !slices.Equal(got, []int64{1}) {
		t.Errorf("the stalled stream's batch went to %v in C, want [1] (its goroutine finds the failed write)", got)
	}
	if !slices.Equal(fo.sent, []int64{1}) {
		t.Errorf("the other stream was sent %v, want [1]", fo.sent)
	}
}
