package reports

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestFlightsShareButNeverServeAnOlderSnapshot: readers arriving before the computation took
// its snapshot share it; a reader arriving after gets the next computation's result.
func TestFlightsShareButNeverServeAnOlderSnapshot(t *testing.T) {
	t.Parallel()
	var f flights
	var calls atomic.Int32
	// Each computation n waits for pre[n] before its snapshot and for post[n] after it.
	pre := []chan struct{}{nil, make(chan struct{}), make(chan struct{})}
	post := []chan struct{}{nil, make(chan struct{}), make(chan struct{})}
	snapped := make(chan struct{}, 2)
	fn := func(_ context.Context, snapshot func()) (Report, error) {
		n := calls.Add(1)
		<-pre[n]
		snapshot()
		snapped <- struct{}{}
		<-post[n]
		return Report{Title: string(rune('0' + n))}, nil
	}
	ctx := context.Background()
	got := make([]string, 4)
	var wg sync.WaitGroup
	read := func(i int) {
		wg.Go(func() {
			r, err := f.do(ctx, "k", fn)
			if err != nil {
				t.Error(err)
			}
			got[i] = r.Title
		})
	}
	read(0)
	read(1)
	waitFor(t, func() bool { return calls.Load() == 1 })
	time.Sleep(20 * time.Millisecond) // reader 1 joins before the snapshot
	close(pre[1])
	<-snapped
	read(2) // after the snapshot: must not get the first computation's result
	read(3)
	time.Sleep(20 * time.Millisecond)
	close(post[1])
	waitFor(t, func() bool { return calls.Load() == 2 })
	time.Sleep(20 * time.Millisecond) // the other late reader joins the second computation
	close(pre[2])
	close(post[2])
	wg.Wait()
	if got[0] != "1" || got[1] != "1" || got[2] != "2" || got[3] != "2" || calls.Load() != 2 {
		t.Fatalf("results %q after %d computations, want [1 1 2 2] after 2", got, calls.Load())
	}
	// A reader whose context ends stops waiting.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	hold := make(chan struct{})
	defer close(hold)
	if _, err := f.do(cctx, "k", func(context.Context, func()) (Report, error) { <-hold; return Report{}, nil }); err == nil {
		t.Fatal("a cancelled reader got a report")
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for range 500 {
		if ok() {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatal("timed out")
}
