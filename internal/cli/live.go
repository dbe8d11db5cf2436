package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"

	"chelal/internal/config"
	"chelal/internal/db"
)

// liveCore is the database and the core (handler and background work) that serve and the
// desktop window run, behind one handler that stays the same. A restore from the UI switches
// Chelal to the restored database; the core then restarts on it without the process (or the
// desktop window) restarting.
type liveCore struct {
	ctx     context.Context
	env     Env
	cfg     *config.Config
	dataDir string
	log     *slog.Logger

	h atomic.Pointer[http.Handler]

	mu     sync.Mutex // one restart at a time
	d      *db.DB
	stopBg context.CancelFunc
	bgDone chan struct{}
}

// startLive opens the database (migrated up) and starts the core on it.
func startLive(ctx context.Context, env Env, cfg *config.Config, log *slog.Logger) (*liveCore, error) {
	d, dataDir, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return nil, err
	}
	l := &liveCore{ctx: context.WithoutCancel(ctx), env: env, cfg: cfg, dataDir: dataDir, log: log}
	if err := l.start(d); err != nil {
		return nil, fmt.Errorf("%w (closing the database: %v)", err, d.Close())
	}
	return l, nil
}

// start builds the core on d and starts its background work.
func (l *liveCore) start(d *db.DB) error {
	cr, err := newCore(l.ctx, l.env, l.cfg, d, l.dataDir, l.log, l.restartSoon)
	if err != nil {
		return err
	}
	l.d = d
	h := cr.handler
	l.h.Store(&h)
	bgCtx, stop := context.WithCancel(l.ctx)
	done := make(chan struct{})
	l.stopBg, l.bgDone = stop, done
	go func() { defer close(done); cr.Run(bgCtx) }()
	return nil
}

func (l *liveCore) ServeHTTP(w http.ResponseWriter, r *http.Request) { (*l.h.Load()).ServeHTTP(w, r) }

// restartSoon restarts the core in the background (a restore switched the database).
func (l *liveCore) restartSoon() { go l.restart() }

// restart stops the core and its database, and starts them again on the database Chelal is
// switched to. Meanwhile every request is answered 503 "restarting".
func (l *liveCore) restart() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log.Info("restarting on the restored database")
	unavailable := restartingHandler("Chelal is restarting on the restored data; try again in a few seconds.")
	l.h.Store(&unavailable)
	l.stopBg()
	<-l.bgDone
	if err := l.d.Close(); err != nil {
		l.log.Error("close the database before the restart", "err", err)
	}
	d, _, err := openDB(l.ctx, l.cfg, l.log, true)
	if err == nil {
		if err = l.start(d); err != nil {
			_ = d.Close()
		}
	}
	if err != nil {
		l.log.Error("Chelal could not restart on the restored database", "err", err)
		failed := restartingHandler("Chelal could not restart on the restored data: " + err.Error() + " Restart Chelal; if it fails again, run `chelal restore` from a terminal.")
		l.h.Store(&failed)
		l.stopBg, l.bgDone = func() {}, closedChan()
		return
	}
	l.log.Info("Chelal is ready on the restored database")
}

// Close stops the background work and the database.
func (l *liveCore) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopBg()
	<-l.bgDone
	if l.d == nil {
		return nil
	}
	return l.d.Close()
}

func closedChan() chan struct{} {
	c := make(chan struct{})
	close(c)
	return c
}

// restartingHandler answers every request 503 with msg, as a problem (Retry-After: 3).
func restartingHandler(msg string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "3")
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintf(w, `{"type":"https://chelal.invalid/problems/restarting","title":"Service unavailable","status":503,"detail":%q}`+"\n", msg)
	})
}
