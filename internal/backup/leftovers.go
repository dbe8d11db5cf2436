package backup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Leftovers are what interrupted or superseded work leaves behind, taking disk space: the
// cluster kept before a point-in-time recovery (data-before-recovery-*) or a failed one
// (data-failed-recovery-*), a staging folder or a scratch cluster of a killed recovery or base
// backup check, basic_archive's temporary files in the WAL archive (archtemp.*), and databases
// of the embedded server that Chelal does not use: the one before a restore, or one a killed
// restore or verification left half-loaded. The schedule removes those older than
// LeftoverRetention; the Backups screen lists them all, with their size, and removes one.

// DefaultLeftoverRetention is how long leftovers are kept before the schedule removes them
// (CHELAL_LEFTOVER_DAYS changes it): long enough to notice that a restore brought back the
// wrong day and go back to the data as it was.
const DefaultLeftoverRetention = 14 * 24 * time.Hour

// junkAge is the age after which a temporary file or scratch folder of a running operation is
// surely a leftover (nothing Chelal does runs that long).
const junkAge = 6 * time.Hour

// Leftover is one leftover.
type Leftover struct {
	Name      string    `json:"name"` // the folder, file or database name: what RemoveLeftover takes
	Kind      string    `json:"kind" enum:"cluster_before_recovery,failed_recovery,recovery_staging,base_check,archive_temp,database"`
	Bytes     int64     `json:"bytes"`
	CreatedAt time.Time `json:"created_at"`
}

// Leftovers lists the leftovers of d's server (its folder and databases, for the embedded one)
// and of the backup folder dir, oldest first. Temporary files younger than a few hours belong
// to work under way and are not listed.
func Leftovers(ctx context.Context, d *db.DB, dir string, now time.Time) ([]Leftover, error) {
	var out []Leftover
	if e := d.Embedded(); e != nil {
		entries, err := os.ReadDir(e.Dir())
		if err != nil {
			return nil, err
		}
		recovering := fileExists(filepath.Join(e.Dir(), db.RecoveryJournalFile))
		for _, ent := range entries {
			name := ent.Name()
			kind := ""
			junk := false
			switch {
			case !ent.IsDir():
			case strings.HasPrefix(name, "data-before-recovery-"):
				kind = "cluster_before_recovery"
			case strings.HasPrefix(name, "data-failed-recovery-"):
				kind = "failed_recovery"
			case strings.HasPrefix(name, ".data-recovering-") && !recovering:
				kind, junk = "recovery_staging", true
			case strings.HasPrefix(name, ".verify-base-"):
				kind, junk = "base_check", true
			}
			if kind == "" {
				continue
			}
			info, err := ent.Info()
			if err != nil {
				continue
			}
			if junk && now.Sub(info.ModTime()) < junkAge {
				continue
			}
			out = append(out, Leftover{Name: name, Kind: kind, Bytes: treeSize(filepath.Join(e.Dir(), name)), CreatedAt: info.ModTime().UTC()})
		}
		dbs, err := unusedDatabases(ctx, d, e)
		if err != nil {
			return nil, err
		}
		out = append(out, dbs...)
	}
	var entries []os.DirEntry
	if dir != "" {
		var err error
		if entries, err = os.ReadDir(WALDir(dir)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	for _, ent := range entries {
		if !strings.HasPrefix(ent.Name(), "archtemp.") {
			continue
		}
		if info, err := ent.Info(); err == nil && info.Mode().IsRegular() && now.Sub(info.ModTime()) >= junkAge {
			out = append(out, Leftover{Name: ent.Name(), Kind: "archive_temp", Bytes: info.Size(), CreatedAt: info.ModTime().UTC()})
		}
	}
	slices.SortFunc(out, func(a, b Leftover) int { return a.CreatedAt.Compare(b.CreatedAt) })
	if out == nil {
		out = []Leftover{}
	}
	return out, nil
}

// unusedDatabases are the Chelal databases of the embedded server other than the one in use,
// that nobody is connected to (a verification or restore under way is connected).
func unusedDatabases(ctx context.Context, d *db.DB, e *db.Embedded) ([]Leftover, error) {
	current := db.CurrentDatabase(e.Dir())
	rows, err := d.Pool.Query(ctx, `
		SELECT datname, pg_database_size(oid),
		       coalesce((pg_stat_file('base/' || oid || '/PG_VERSION', true)).modification, now())
		  FROM pg_database
		 WHERE (datname = 'chelal' OR datname LIKE 'chelal\_%') AND datname <> $1 AND datname <> current_database()
		   AND NOT datistemplate
		   AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datid = pg_database.oid)`, current)
	if err != nil {
		return nil, fmt.Errorf("list databases: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Leftover, error) {
		l := Leftover{Kind: "database"}
		err := r.Scan(&l.Name, &l.Bytes, &l.CreatedAt)
		l.CreatedAt = l.CreatedAt.UTC()
		return l, err
	})
}

// RemoveLeftover removes the leftover named name (one Leftovers lists now: anything else is
// apperr.ErrNotFound, so no other file or database can be named).
func RemoveLeftover(ctx context.Context, d *db.DB, dir, name string, now time.Time) (Leftover, error) {
	list, err := Leftovers(ctx, d, dir, now)
	if err != nil {
		return Leftover{}, err
	}
	i := slices.IndexFunc(list, func(l Leftover) bool { return l.Name == name })
	if i < 0 {
		return Leftover{}, apperr.ErrNotFound
	}
	l := list[i]
	switch l.Kind {
	case "database":
		_, err = d.Pool.Exec(ctx, `DROP DATABASE IF EXISTS `+pgx.Identifier{l.Name}.Sanitize()+` WITH (FORCE)`)
	case "archive_temp":
		err = os.Remove(filepath.Join(WALDir(dir), l.Name))
	default:
		err = os.RemoveAll(filepath.Join(d.Embedded().Dir(), l.Name))
	}
	if err != nil {
		return l, fmt.Errorf("remove %s: %w", l.Name, err)
	}
	return l, nil
}

// CleanLeftovers removes the leftovers older than keep and returns them.
func CleanLeftovers(ctx context.Context, d *db.DB, dir string, keep time.Duration, now time.Time) ([]Leftover, error) {
	list, err := Leftovers(ctx, d, dir, now)
	if err != nil {
		return nil, err
	}
	var removed []Leftover
	var errs []error
	for _, l := range list {
		if now.Sub(l.CreatedAt) < keep {
			continue
		}
		if _, err := RemoveLeftover(ctx, d, dir, l.Name, now); err != nil {
			errs = append(errs, err)
			continue
		}
		removed = append(removed, l)
	}
	return removed, errors.Join(errs...)
}

// treeSize is the size of the files under dir.
func treeSize(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, de fs.DirEntry, err error) error {
		if err == nil && de.Type().IsRegular() {
			if info, err := de.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
