package db

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/jackc/pgx/v5"
)

// Point-in-time recovery of the embedded server: PostgreSQL archives every WAL segment into a
// folder (the bundled basic_archive module), base backups are copies of the cluster taken
// between pg_backup_start and pg_backup_stop, and a recovery replays the archive over a base
// backup up to a moment.

// ArchiveTimeout is the longest a committed change waits before its WAL segment is archived
// (a quiet clinic fills a 16 MB segment slowly): the most that a lost disk can cost.
const ArchiveTimeout = 5 * time.Minute

// ArchiveParameters are the server settings that archive WAL into walDir.
func ArchiveParameters(walDir string) map[string]string {
	return map[string]string{
		"archive_mode":                    "on",
		"archive_library":                 "basic_archive",
		"basic_archive.archive_directory": walDir,
		"archive_timeout":                 fmt.Sprint(int(ArchiveTimeout.Seconds())),
		"wal_compression":                 "on",
	}
}

// BaseBackupInfo describes a base backup, as written beside it (NAME.json).
type BaseBackupInfo struct {
	File       string    `json:"file"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"` // the earliest moment a recovery from it can reach
	StartWAL   string    `json:"start_wal"`   // the first WAL segment it needs
	StopLSN    string    `json:"stop_lsn"`
	Bytes      int64     `json:"bytes"`
	PGVersion  string    `json:"pg_version"`
}

// skipInBase are the parts of a cluster a base backup leaves out (PostgreSQL's documentation
// lists them): WAL comes from the archive, the rest is rebuilt at start.
var skipInBase = map[string]bool{
	"postmaster.pid": true, "postmaster.opts": true, "backup_label": true, "tablespace_map": true,
	"backup_label.old": true, "tablespace_map.old": true, "recovery.signal": true, "standby.signal": true,
}

// emptyInBase are folders whose content a base backup leaves out (the folder itself is kept).
var emptyInBase = map[string]bool{
	"pg_wal": true, "pg_replslot": true, "pg_dynshmem": true, "pg_notify": true, "pg_serial": true,
	"pg_snapshots": true, "pg_stat_tmp": true, "pg_subtrans": true,
}

// BaseBackup copies the running embedded cluster into dir as base-<time>.tar.gz (written under
// a temporary name, synced, renamed) with its description beside it. It waits until the WAL the
// copy needs is archived, so the base backup is usable as soon as it is returned.
func (d *DB) BaseBackup(ctx context.Context, dir string) (BaseBackupInfo, error) {
	if d.embedded == nil {
		return BaseBackupInfo{}, errors.New("base backups are taken of the embedded server only; an external server has its own")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return BaseBackupInfo{}, err
	}
	data := newLayout(d.embedded.opts.Dir).data
	conn, err := d.Pool.Acquire(ctx)
	if err != nil {
		return BaseBackupInfo{}, err
	}
	defer conn.Release()
	info := BaseBackupInfo{StartedAt: time.Now().UTC()}
	name := "base-" + info.StartedAt.Format("20060102T150405Z")
	info.File = name + ".tar.gz"
	if _, err := conn.Exec(ctx, `SELECT pg_backup_start($1, true)`, name); err != nil {
		return info, fmt.Errorf("pg_backup_start: %w", err)
	}
	stopped := false
	defer func() {
		if !stopped { // a failed copy must not leave the server in backup mode
			_, _ = conn.Exec(context.WithoutCancel(ctx), `SELECT pg_backup_stop(false)`)
		}
	}()
	tmp, err := os.CreateTemp(dir, "."+name+"-*.partial")
	if err != nil {
		return info, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	gz, _ := gzip.NewWriterLevel(tmp, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	if err := tarCluster(tw, data); err != nil {
		return info, fmt.Errorf("copy the cluster: %w", err)
	}
	var label, spcmap string
	if err := conn.QueryRow(ctx, `SELECT labelfile, coalesce(spcmapfile, ''), lsn::text FROM pg_backup_stop(true)`).Scan(&label, &spcmap, &info.StopLSN); err != nil {
		return info, fmt.Errorf("pg_backup_stop: %w", err)
	}
	stopped = true
	info.StartWAL = labelValue(label, "START WAL LOCATION")
	if err := conn.QueryRow(ctx, `SELECT current_setting('server_version')`).Scan(&info.PGVersion); err != nil {
		return info, err
	}
	for _, f := range []struct{ name, body string }{{"backup_label", label}, {"tablespace_map", spcmap}} {
		if f.body == "" {
			continue
		}
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o600, Size: int64(len(f.body)), ModTime: time.Now(), Typeflag: tar.TypeReg}); err != nil {
			return info, err
		}
		if _, err := io.WriteString(tw, f.body); err != nil {
			return info, err
		}
	}
	if err := errors.Join(tw.Close(), gz.Close()); err != nil {
		return info, err
	}
	if err := tmp.Sync(); err != nil {
		return info, err
	}
	st, err := tmp.Stat()
	if err != nil {
		return info, err
	}
	info.Bytes = st.Size()
	info.FinishedAt = time.Now().UTC()
	if err := tmp.Close(); err != nil {
		return info, err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, info.File)); err != nil {
		return info, err
	}
	body, _ := json.MarshalIndent(info, "", "  ")
	if err := writeFileSync(filepath.Join(dir, name+".json"), body, 0o600); err != nil {
		return info, err
	}
	return info, syncDir(dir)
}

// labelValue reads "KEY: value (file NAME)" from a backup label: the WAL file name for
// START WAL LOCATION.
func labelValue(label, key string) string {
	for _, line := range strings.Split(label, "\n") {
		if rest, ok := strings.CutPrefix(line, key+": "); ok {
			if _, file, ok := strings.Cut(rest, "(file "); ok {
				return strings.TrimSuffix(strings.TrimSpace(file), ")")
			}
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// tarCluster writes the cluster's files into tw. Files may change or vanish while they are
// copied (the server runs): WAL replay from the backup's start repairs what changed, and a
// vanished file is simply not in the copy.
func tarCluster(tw *tar.Writer, data string) error {
	return filepath.WalkDir(data, func(path string, de fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		rel, err := filepath.Rel(data, path)
		if err != nil || rel == "." {
			return err
		}
		rel = filepath.ToSlash(rel)
		top, _, _ := strings.Cut(rel, "/")
		if skipInBase[rel] || strings.HasPrefix(de.Name(), "pgsql_tmp") || (emptyInBase[top] && rel != top && !(top == "pg_wal" && rel == "pg_wal/archive_status")) {
			if de.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		fi, err := de.Info()
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if de.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: rel + "/", Mode: 0o700, ModTime: fi.ModTime(), Typeflag: tar.TypeDir})
		}
		if !fi.Mode().IsRegular() {
			return nil // sockets, links: none in a cluster without tablespaces
		}
		f, err := os.Open(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		defer f.Close()
		size := fi.Size()
		if err := tw.WriteHeader(&tar.Header{Name: rel, Mode: 0o600, Size: size, ModTime: fi.ModTime(), Typeflag: tar.TypeReg}); err != nil {
			return err
		}
		// Exactly size bytes: a file that grew is cut (WAL replay has the rest), one that
		// shrank is padded with zeros (replay rewrites those pages).
		n, err := io.Copy(tw, io.LimitReader(f, size))
		if err != nil {
			return err
		}
		if n < size {
			_, err = io.Copy(tw, io.LimitReader(zeros{}, size-n))
		}
		return err
	})
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// syncDir makes a folder's new entries durable.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// RecoverOptions says what a point-in-time recovery restores.
type RecoverOptions struct {
	Embedded EmbeddedOptions // the server whose cluster is replaced (Dir: <data dir>/pg)
	Base     string          // the base backup (.tar.gz) to start from
	WALDir   string          // the WAL archive
	// Target is the moment to recover to; the zero time replays the whole archive. A base
	// backup finished after Target cannot reach it.
	Target   time.Time
	Progress func(msg string) // nil: quiet
}

// ErrBeforeBase is a recovery target earlier than the end of the base backup: no replay of it
// can get there.
var ErrBeforeBase = errors.New("the base backup cannot go back that far")

// ReadBaseBackupInfo reads the description written beside a base backup (NAME.json for
// NAME.tar.gz).
func ReadBaseBackupInfo(base string) (BaseBackupInfo, error) {
	var info BaseBackupInfo
	b, err := os.ReadFile(strings.TrimSuffix(base, ".tar.gz") + ".json")
	if err != nil {
		return info, fmt.Errorf("base backup description: %w", err)
	}
	if err := json.Unmarshal(b, &info); err != nil {
		return info, fmt.Errorf("base backup description %s: %w", base, err)
	}
	return info, nil
}

// ErrTargetNotReached is a recovery that could not replay up to its target (WAL missing from
// the archive): the cluster was left as it was.
var ErrTargetNotReached = errors.New("the WAL archive does not reach the recovery target")

// RecoverTo replaces the embedded cluster by the base backup replayed up to o.Target. The
// cluster it replaces is kept beside it (its folder is returned) until an administrator
// removes it; a recovery that fails puts it back. Chelal must not be running on the data dir.
func RecoverTo(ctx context.Context, o RecoverOptions) (previous string, err error) {
	say := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	if o.Embedded.Logger == nil {
		o.Embedded.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	info, err := ReadBaseBackupInfo(o.Base)
	if err != nil {
		return "", err
	}
	switch {
	case !o.Target.IsZero() && o.Target.Before(info.FinishedAt):
		return "", fmt.Errorf("%w: %s is before the base backup %s finished (%s); choose an older base backup or a later time",
			ErrBeforeBase, describeTarget(o.Target), info.File, describeTarget(info.FinishedAt))
	case o.Target.After(time.Now()):
		return "", fmt.Errorf("the recovery target %s is in the future", describeTarget(o.Target))
	}
	l := newLayout(o.Embedded.Dir)
	// Start and stop the current cluster once: this recovers a crashed one, proves nobody
	// else runs it, and leaves its newest WAL in pg_wal for the replay.
	say("checking the current database")
	cur, err := StartEmbedded(ctx, o.Embedded)
	if err != nil {
		return "", err
	}
	if err := cur.Stop(); err != nil {
		return "", err
	}
	lk := flock.New(l.lockFile)
	if ok, err := lk.TryLock(); err != nil || !ok {
		return "", fmt.Errorf("%w (%s)", ErrLocked, l.root)
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	for n := 2; fileExists(filepath.Join(l.root, "data-before-recovery-"+stamp)); n++ {
		stamp = fmt.Sprintf("%s-%d", time.Now().UTC().Format("20060102T150405Z"), n)
	}
	previous = filepath.Join(l.root, "data-before-recovery-"+stamp)
	staging := filepath.Join(l.root, ".data-recovering-"+stamp)
	say("unpacking %s", filepath.Base(o.Base))
	if err := unpackBase(o.Base, staging); err != nil {
		_ = os.RemoveAll(staging)
		_ = lk.Unlock()
		return "", fmt.Errorf("unpack the base backup: %w", err)
	}
	if err := writeRecoveryConfig(staging, o.WALDir, filepath.Join(previous, "pg_wal"), o.Target); err != nil {
		_ = os.RemoveAll(staging)
		_ = lk.Unlock()
		return "", err
	}
	if err := os.Rename(l.data, previous); err != nil {
		_ = os.RemoveAll(staging)
		_ = lk.Unlock()
		return "", fmt.Errorf("set the current database aside: %w", err)
	}
	if err := os.Rename(staging, l.data); err != nil {
		_ = os.Rename(previous, l.data)
		_ = lk.Unlock()
		return "", err
	}
	_ = lk.Unlock()
	putBack := func(cause error) (string, error) {
		failed := filepath.Join(l.root, "data-failed-recovery-"+stamp)
		if err := os.Rename(l.data, failed); err != nil {
			return "", errors.Join(cause, fmt.Errorf("the recovered cluster could not be moved aside; the previous one is in %s: %w", previous, err))
		}
		if err := os.Rename(previous, l.data); err != nil {
			return "", errors.Join(cause, fmt.Errorf("the previous cluster could not be put back from %s: %w", previous, err))
		}
		return "", cause
	}

	say("replaying the WAL archive up to %s", describeTarget(o.Target))
	opts := o.Embedded
	opts.StartTimeout = max(opts.StartTimeout, 30*time.Minute)
	e, err := StartEmbedded(ctx, opts)
	if err != nil {
		return putBack(fmt.Errorf("%w: %v", ErrTargetNotReached, err))
	}
	if err := finishRecovery(ctx, e); err != nil {
		_ = e.Stop()
		return putBack(err)
	}
	say("recovered; stopping the server")
	if err := e.Stop(); err != nil {
		return previous, err
	}
	return previous, nil
}

func describeTarget(t time.Time) string {
	if t.IsZero() {
		return "the end of the archive"
	}
	return t.UTC().Format(time.RFC3339)
}

// finishRecovery waits for the recovering server to reach its target and promote itself, then
// removes the recovery settings so later starts are ordinary ones.
func finishRecovery(ctx context.Context, e *Embedded) error {
	d, err := Connect(ctx, e.DSNFor("postgres"))
	if err != nil {
		return err
	}
	defer d.Close()
	deadline := time.Now().Add(30 * time.Minute)
	for {
		var inRecovery bool
		if err := d.Pool.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery); err != nil {
			return fmt.Errorf("%w: %v", ErrTargetNotReached, err)
		}
		if !inRecovery {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: still replaying after 30 minutes", ErrTargetNotReached)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	// A restore made after the base backup may have switched Chelal to a database the recovered
	// cluster does not have yet: go back to the one it has.
	var exists bool
	if err := d.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, CurrentDatabase(e.Dir())).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if err := e.SwitchDatabase(embeddedDatabase); err != nil {
			return err
		}
	}
	for _, k := range []string{"restore_command", "recovery_target_time", "recovery_target_action", "recovery_target"} {
		if _, err := d.Pool.Exec(ctx, `ALTER SYSTEM RESET `+pgx.Identifier{k}.Sanitize()); err != nil {
			return fmt.Errorf("reset %s: %w", k, err)
		}
	}
	return nil
}

// unpackBase extracts a base backup into dir (a new folder, 0700 as PostgreSQL requires).
func unpackBase(base, dir string) error {
	f, err := os.Open(base)
	if err != nil {
		return err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return err
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		return err
	}
	if err := untar(tar.NewReader(gz), dir, 0o700); err != nil {
		return err
	}
	if !fileExists(filepath.Join(dir, "backup_label")) || !fileExists(filepath.Join(dir, "PG_VERSION")) {
		return errors.New("not a whole base backup (no backup_label or PG_VERSION)")
	}
	return nil
}

// writeRecoveryConfig asks the cluster in dir to recover: WAL from the archive, then from the
// replaced cluster's pg_wal (its last segment was not archived yet), up to target, then promote.
func writeRecoveryConfig(dir, walDir, previousWAL string, target time.Time) error {
	cp := func(from string) string {
		if runtime.GOOS == "windows" {
			return fmt.Sprintf(`copy /Y "%s\%%f" "%%p"`, from)
		}
		return fmt.Sprintf(`cp "%s/%%f" "%%p"`, from)
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	conf := "\n# Point-in-time recovery by Chelal; reset once recovered.\n" +
		"restore_command = " + quote(cp(walDir)+" || "+cp(previousWAL)) + "\n" +
		"recovery_target_action = 'promote'\n"
	if !target.IsZero() { // else: the whole archive
		conf += "recovery_target_time = " + quote(target.UTC().Format("2006-01-02 15:04:05.999999-07")) + "\n"
	}
	f, err := os.OpenFile(filepath.Join(dir, "postgresql.auto.conf"), os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(conf); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return writeFileSync(filepath.Join(dir, "recovery.signal"), nil, 0o600)
}
