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
	"strings"
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
	log := newLogger(env)
	dataDir, err := config.DataDir(env.Getenv)
	if err != nil {
		return err
	}
	lanOpts, err := lanOptions(env, dataDir, log)
	if err != nil {
		return err
	}
	// LAN sharing answers for the mDNS name too (the core reads the names from the environment).
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if k == "CHELAL_HOST_NAMES" {
			return strings.Trim(getenv(k)+","+lanOpts.Machine.MDNSHost(), ",")
		}
		return getenv(k)
	}
	err = app.Run(ctx, app.Options{
		DataDir: dataDir,
		Log:     log,
		LANAddr: env.Getenv("CHELAL_LAN_ADDR"),
		LAN:     lanOpts,
		Start: func(ctx context.Context, progress func(string)) (http.Handler, io.Closer, error) {
			return startDesktopCore(ctx, env, dataDir, progress)
		},
	})
	if errors.Is(err, app.ErrNoDisplay) {
		return desktopUsageError{fmt.Sprintf("%v; on a computer without a screen run `chelal serve` and open the address it prints", err)}
	}
	return err
}

// startDesktopCore does what serve does before it listens: open (and migrate) the database,
// then build the one handler. The returned closer stops the embedded PostgreSQL.
func startDesktopCore(ctx context.Context, env Env, dataDir string, progress func(string)) (http.Handler, io.Closer, error) {
	log := newLogger(env)
	started := time.Now()
	ext, err := config.ExternalDatabaseURL(env.Getenv)
	if err != nil {
		return nil, nil, err
	}
	switch {
	case ext != "":
		progress("Connecting to the clinic's database server…")
	case !desktopFileExists(filepath.Join(dataDir, "pg", "data", "PG_VERSION")):
		progress("First start: preparing the clinic's database. This takes a few seconds…")
	default:
		progress("Starting the clinic's database…")
	}
	live, err := startLive(ctx, env, common{dataDir: dataDir}, log)
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
