//go:build desktop

package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"chelal/app"
	"chelal/internal/config"
	"chelal/internal/db"
)

// desktopUsageError is a usage error (exit code 2) printed without the "usage:" prefix.
type desktopUsageError struct{ msg string }

func (e desktopUsageError) Error() string        { return e.msg }
func (e desktopUsageError) Is(target error) bool { return target == errUsage }

// runDesktop opens the desktop window (`chelal` with no sub-command). Nothing heavy happens
// before the window shows: the database starts behind the window's splash (and `wails build`
// runs this path to generate bindings). CHELAL_LAN_ADDR=HOST:PORT turns LAN sharing on at
// launch on that address without saving the choice (the smoke test uses it).
func runDesktop(ctx context.Context, env Env) error {
	cfg := config.Load(env.Getenv)
	cfg.Version = env.Version
	log := newLogger(env, cfg)
	dataDir, err := cfg.ResolveDataDir()
	if err != nil {
		return err
	}
	cfg.DataDir = dataDir
	lanOpts, err := lanOptions(cfg, dataDir, log)
	if err != nil {
		return err
	}
	// LAN sharing answers for the mDNS name too.
	cfg.HostNames = append(cfg.HostNames, lanOpts.Machine.MDNSHost())
	err = app.Run(ctx, app.Options{
		DataDir: dataDir,
		Log:     log,
		LANAddr: cfg.LANAddr,
		LAN:     lanOpts,
		Start: func(ctx context.Context, progress func(string)) (http.Handler, io.Closer, error) {
			return startDesktopCore(ctx, env, cfg, progress)
		},
	})
	if errors.Is(err, app.ErrNoDisplay) {
		return desktopUsageError{fmt.Sprintf("%v; on a computer without a screen run `chelal serve` and open the address it prints", err)}
	}
	return err
}

// startDesktopCore does what serve does before it listens: open (and migrate) the database,
// then build the one handler. The returned closer stops the embedded PostgreSQL.
func startDesktopCore(ctx context.Context, env Env, cfg *config.Config, progress func(string)) (http.Handler, io.Closer, error) {
	log := newLogger(env, cfg)
	started := time.Now()
	if err := cfg.Err(); err != nil {
		return nil, nil, err
	}
	dataDir := cfg.DataDir
	switch {
	case cfg.DatabaseURL != "":
		progress("Connecting to the clinic's database server…")
	case !desktopFileExists(filepath.Join(dataDir, "pg", "data", "PG_VERSION")):
		progress("First start: preparing the clinic's database. This takes a few seconds…")
	default:
		progress("Starting the clinic's database…")
	}
	live, err := startLive(ctx, env, cfg, log)
	switch {
	case errors.Is(err, db.ErrLocked):
		return nil, nil, fmt.Errorf("Chelal is already open on this computer (data folder %s): use the window that is open, or close it and start Chelal again", dataDir)
	case errors.Is(err, db.ErrRunAsRoot):
		return nil, nil, fmt.Errorf("Chelal cannot run as the administrator (root): start it as an ordinary user")
	case err != nil:
		return nil, nil, err
	}
	h, closer := http.Handler(live), io.Closer(live)
	log.Info("database ready", "took", time.Since(started).Round(time.Millisecond))
	return h, closer, nil
}

func desktopFileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
