// Package benchdb gives the in-process benches their database: the embedded PostgreSQL in a
// data folder, migrated, with its stop.
package benchdb

import (
	"context"
	"io"
	"log/slog"
	"os"

	"chelal/internal/db"
)

// Quiet is the benches' logger: the figures are their output, not the server's log.
var Quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Open starts the embedded PostgreSQL in dir and migrates it, and returns the folder it used.
// With dir "" it uses a fresh temporary folder named for the bench, which close removes; a
// given dir is kept (a loaded data set reused across runs). close stops PostgreSQL.
func Open(ctx context.Context, bench, dir string) (d *db.DB, used string, close func(), err error) {
	remove := func() {}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "chelal-bench-"+bench+"-"); err != nil {
			return nil, "", nil, err
		}
		remove = func() { os.RemoveAll(dir) }
	}
	if d, err = db.Open(ctx, db.OpenOptions{DataDir: dir, Logger: Quiet}); err != nil {
		remove()
		return nil, "", nil, err
	}
	if err = db.Migrate(ctx, d.DSN(), Quiet); err != nil {
		d.Close()
		remove()
		return nil, "", nil, err
	}
	return d, dir, func() { d.Close(); remove() }, nil
}
