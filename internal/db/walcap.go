package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"chelal/internal/durable"
)

// While WAL archiving fails (the backup folder's drive unplugged or full), PostgreSQL keeps
// every WAL segment it could not archive, without limit, on the data disk: left alone, a
// failing archive fills the data disk and stops the server (PANIC at the next WAL write). Chelal
// caps it (backup.Schedule): above the cap, the segments waiting for the archiver are marked
// archived (archive_status .ready -> .done, the archiver's own record of success) and a
// checkpoint recycles them. Point-in-time recovery then cannot cross the dropped segments:
// the gap is recorded here until a base backup taken after it makes the archive continuous
// again. Marking .done was preferred to switching archive_library or archive_command: those are
// set on the server's command line at every start (they cannot be changed while it runs), and
// the .done mark drops exactly what is over, nothing the archiver already took.

// walGapFile records WAL dropped without archiving, in EmbeddedOptions.Dir.
const walGapFile = "wal-gap.json"

// WALGap is WAL that was dropped without being archived: no recovery can replay across it,
// so the base backups taken before Since reach no later than it.
type WALGap struct {
	Since    time.Time `json:"since"`    // the first drop
	Last     time.Time `json:"last"`     // the latest drop
	First    string    `json:"first"`    // the first segment dropped
	LastWAL  string    `json:"last_wal"` // the last segment dropped
	Segments int       `json:"segments"`
}

// WALUsage is the size of the server's pg_wal and how many segments wait for the archiver.
func (d *DB) WALUsage(ctx context.Context) (bytes int64, waiting int, err error) {
	err = d.Pool.QueryRow(ctx, `SELECT coalesce((SELECT sum(size) FROM pg_ls_waldir()), 0)::bigint,
		(SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready')::int`).Scan(&bytes, &waiting)
	if err != nil {
		return 0, 0, fmt.Errorf("measure pg_wal: %w", err)
	}
	return bytes, waiting, nil
}

// DiscardUnarchivedWAL gives up archiving the segments waiting for the archiver, so that the
// server recycles them, and records the gap it makes (WALGap). Embedded server only. It returns
// the gap (nil: nothing was waiting) and whether the gap is new (not a growth of one recorded).
func (d *DB) DiscardUnarchivedWAL(ctx context.Context) (gap *WALGap, isNew bool, err error) {
	if d.embedded == nil {
		return nil, false, errors.New("WAL is capped on the embedded server only")
	}
	status := filepath.Join(newLayout(d.embedded.opts.Dir).data, "pg_wal", "archive_status")
	entries, err := os.ReadDir(status)
	if err != nil {
		return nil, false, err
	}
	var dropped []string
	for _, e := range entries {
		seg, ok := strings.CutSuffix(e.Name(), ".ready")
		if !ok {
			continue
		}
		err := os.Rename(filepath.Join(status, e.Name()), filepath.Join(status, seg+".done"))
		if errors.Is(err, fs.ErrNotExist) {
			continue // archived meanwhile
		}
		if err != nil {
			return nil, false, fmt.Errorf("drop %s: %w", seg, err)
		}
		dropped = append(dropped, seg)
	}
	if len(dropped) == 0 {
		return nil, false, nil
	}
	slices.Sort(dropped)
	now := time.Now().UTC()
	gap, err = d.WALGap()
	if err != nil {
		return nil, false, err
	}
	if isNew = gap == nil; isNew {
		gap = &WALGap{Since: now, First: dropped[0]}
	}
	gap.Last, gap.LastWAL = now, dropped[len(dropped)-1]
	gap.Segments += len(dropped)
	body, _ := json.MarshalIndent(gap, "", "  ")
	if err := durable.WriteFile(filepath.Join(d.embedded.opts.Dir, walGapFile), body, 0o600); err != nil {
		return gap, isNew, err
	}
	// The checkpoint removes or recycles the segments now marked done.
	if _, err := d.Pool.Exec(ctx, `CHECKPOINT`); err != nil {
		return gap, isNew, fmt.Errorf("checkpoint: %w", err)
	}
	return gap, isNew, nil
}

// WALGap is the WAL dropped without archiving since the last base backup that followed it
// (nil: the archive is continuous, or the server is external).
func (d *DB) WALGap() (*WALGap, error) {
	if d.embedded == nil {
		return nil, nil
	}
	b, err := os.ReadFile(filepath.Join(d.embedded.opts.Dir, walGapFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var g WALGap
	if err := json.Unmarshal(b, &g); err != nil {
		return nil, fmt.Errorf("read %s: %w", walGapFile, err)
	}
	return &g, nil
}

// ClearWALGap forgets the gap once a base backup taken after it made the archive continuous.
func (d *DB) ClearWALGap() error {
	if d.embedded == nil {
		return nil
	}
	err := os.Remove(filepath.Join(d.embedded.opts.Dir, walGapFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}
