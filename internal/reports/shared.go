package reports

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Concurrent readers of the same report share one computation. A reader joins a computation
// only while it has not yet taken its snapshot, so what it gets is never older than its own
// request (a change committed before the request is in the result); the readers arriving after
// the snapshot was taken all join the next computation, started when that one ends.

// flight is one computation of a report.
type flight struct {
	ctx     context.Context
	fn      func(ctx context.Context, snapshot func()) (Report, error)
	done    chan struct{}
	started bool    // its snapshot is taken: a new reader must not join it
	next    *flight // the computation the readers arriving after the snapshot wait for
	r       Report
	err     error
}

// flights are the computations in progress, by report key.
type flights struct {
	mu sync.Mutex
	m  map[string]*flight
}

// flightKey is the report asked for: its kind, period and language.
func flightKey(kind string, q PeriodQuery, lang string) string {
	return strings.Join([]string{kind, q.Kind, q.Date, q.From, q.To, lang}, "\x00")
}

// do returns the report computed by fn for key, sharing the computation with the concurrent
// readers of key. fn calls snapshot just before it takes the snapshot it reads the report in.
// The computation runs on a context that the leader's cancellation does not end (others may
// be waiting for it); a reader whose ctx ends stops waiting.
func (f *flights) do(ctx context.Context, key string, fn func(ctx context.Context, snapshot func()) (Report, error)) (Report, error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flight{}
	}
	newFlight := func() *flight {
		return &flight{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan struct{})}
	}
	fl := f.m[key]
	switch {
	case fl == nil:
		fl = newFlight()
		f.m[key] = fl
		go f.run(key, fl)
	case fl.started:
		if fl.next == nil {
			fl.next = newFlight()
		}
		fl = fl.next
	}
	f.mu.Unlock()
	select {
	case <-ctx.Done():
		return Report{}, ctx.Err()
	case <-fl.done:
		return fl.r, fl.err
	}
}

func (f *flights) run(key string, fl *flight) {
	snapshot := func() {
		f.mu.Lock()
		fl.started = true
		f.mu.Unlock()
	}
	defer func() {
		f.mu.Lock()
		if fl.next != nil {
			f.m[key] = fl.next
			go f.run(key, fl.next)
		} else {
			delete(f.m, key)
		}
		f.mu.Unlock()
		close(fl.done)
	}()
	defer func() {
		if v := recover(); v != nil {
			fl.err = fmt.Errorf("report: %v", v)
		}
	}()
	fl.r, fl.err = fl.fn(fl.ctx, snapshot)
}
