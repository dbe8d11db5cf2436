package reports

import (
	"context"
	"fmt"
	"strings"
	"sync"
)

// Concurrent readers of the same report share one computation. A reader joins a computation
// only while it has not yet taken its snapshot, so what it gets is never older than its own
// request (a change committed before the request is in the result); a reader arriving after
// the snapshot was taken waits for that computation to end and joins the next one.

// flight is one computation of a report.
type flight struct {
	done    chan struct{}
	started bool // its snapshot is taken: a new reader must not join it
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
	for {
		f.mu.Lock()
		if f.m == nil {
			f.m = map[string]*flight{}
		}
		fl, joined := f.m[key], true
		if fl == nil {
			fl = &flight{done: make(chan struct{})}
			f.m[key] = fl
			go f.run(context.WithoutCancel(ctx), key, fl, fn)
		} else {
			joined = !fl.started
		}
		f.mu.Unlock()
		select {
		case <-ctx.Done():
			return Report{}, ctx.Err()
		case <-fl.done:
		}
		if joined {
			return fl.r, fl.err
		}
		// fl had taken its snapshot before this reader came: take the next one.
	}
}

func (f *flights) run(ctx context.Context, key string, fl *flight, fn func(ctx context.Context, snapshot func()) (Report, error)) {
	snapshot := func() {
		f.mu.Lock()
		fl.started = true
		f.mu.Unlock()
	}
	defer func() {
		f.mu.Lock()
		if f.m[key] == fl {
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
	fl.r, fl.err = fn(ctx, snapshot)
}
