package db

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gofrs/flock"
	"github.com/jackc/pgx/v5"

	"chelal/internal/durable"
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

// ErrArchiveModule is an archive_library PostgreSQL cannot load: the server runs and says
// nothing (its archiver process fails before it archives anything, so pg_stat_archiver records
// no failure either) while point-in-time recovery silently stops.
var ErrArchiveModule = errors.New("the WAL archive module cannot be loaded")

// CheckArchiveModule loads the server's archive_library in a session, the one way to learn it
// is missing or broken: the archiver that should use it only logs to the server log. No
// archive_library set: nothing to check. The connection must be a superuser's (LOAD).
func CheckArchiveModule(ctx context.Context, q Querier) error {
	var lib string
	if err := q.QueryRow(ctx, `SELECT coalesce(current_setting('archive_library', true), '')`).Scan(&lib); err != nil {
		return fmt.Errorf("read archive_library: %w", err)
	}
	if lib == "" {
		return nil
	}
	if _, err := q.Exec(ctx, `LOAD `+quoteLiteral(lib)); err != nil {
		return fmt.Errorf("%w (%q): %v", ErrArchiveModule, lib, err)
	}
	return nil
}

func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// BaseBackupInfo describes a base backup, as written beside it (NAME.json).
type BaseBackupInfo struct {
	File       string    `json:"file"`
	StartedAt  time.Time `json:"started_at"`
	FinishedAt time.Time `json:"finished_at"` // the earliest moment a recovery from it can reach
	StartWAL   string    `json:"start_wal"`   // the first WAL segment it needs
	StopLSN    string    `json:"stop_lsn"`
	Bytes      int64     `json:"bytes"`
	PGVersion  string    `json:"pg_version"`
	Database   string    `json:"database"` // Chelal's database then
	// Verification is the last check of this base backup (VerifyBase); nil: never checked.
	Verification *BaseCheck `json:"verification,omitempty"`
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
	info.Database = conn.Conn().Config().Database
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
	if err := durable.WriteFile(filepath.Join(dir, name+".json"), body, 0o600); err != nil {
		return info, err
	}
	return info, durable.SyncDir(dir)
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

// RecoverOptions says what a point-in-time recovery restores.
type RecoverOptions struct {
	// Embedded is the server whose cluster is replaced (Dir: <data dir>/pg; Parameters: the
	// archive settings, so the recovered timeline is archived too, from the recovered
	// cluster's next start). Its Dir may hold no
	// cluster at all: a recovery onto a new computer.
	Embedded EmbeddedOptions
	Base     string // the base backup (.tar.gz) to start from
	WALDir   string // the WAL archive
	// Target is the moment to recover to; the zero time replays the whole archive. A base
	// backup finished after Target cannot reach it.
	Target   time.Time
	Progress func(msg string) // nil: quiet
	// killAt, in tests only (WithKillAt), is called at each step of the recovery: a test
	// makes it panic to stop the recovery there, as a kill would.
	killAt func(step string)
}

// ErrBeforeBase is a recovery target earlier than the end of the base backup: no replay of it
// can get there.
var ErrBeforeBase = errors.New("the base backup cannot go back that far")

// ErrTargetNotReached is a recovery that could not replay up to its target (WAL missing from
// the archive): the cluster was left as it was.
var ErrTargetNotReached = errors.New("the WAL archive does not reach the recovery target")

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

// RecoverTo replaces the embedded cluster by the base backup replayed up to o.Target. The
// cluster it replaces is kept beside it (its folder is returned, "" when there was none) until
// an administrator removes it; a recovery that fails puts it back. Chelal must not be running
// on the data dir. The recovered cluster gets this data dir's database password (a new one on
// a new computer): the password never travels in a backup.
func RecoverTo(ctx context.Context, o RecoverOptions) (previous string, err error) {
	say := func(format string, args ...any) {
		if o.Progress != nil {
			o.Progress(fmt.Sprintf(format, args...))
		}
	}
	log := o.Embedded.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
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
	if os.Geteuid() == 0 {
		return "", ErrRunAsRoot
	}
	l := newLayout(o.Embedded.Dir)
	if err := ensureWritableDir(l.root); err != nil {
		return "", err
	}
	lk := flock.New(l.lockFile)
	if ok, err := lk.TryLock(); err != nil || !ok {
		return "", fmt.Errorf("%w (%s)", ErrLocked, l.root)
	}
	defer func() { _ = lk.Unlock() }()
	sum, err := bundledSum()
	if err != nil {
		return "", err
	}
	bin, err := binaries(o.Embedded, sum, log)
	if err != nil {
		return "", err
	}
	killAt := o.killAt
	if killAt == nil {
		killAt = func(string) {}
	}
	// A recovery interrupted earlier is undone first, or, when it had finished, kept: then
	// this run is its completion.
	resolved, err := resolveInterruptedRecovery(ctx, l, bin, log)
	if err != nil {
		return "", err
	}
	if resolved != nil {
		say("%s", resolved.Message)
		if resolved.Completed {
			return resolved.Previous, nil
		}
	}
	hasCluster := fileExists(filepath.Join(l.data, "PG_VERSION"))
	if hasCluster {
		if err := checkDataDir(l.data); err != nil {
			return "", err
		}
		// A postgres left running by a killed Chelal is stopped cleanly first: its newest WAL
		// reaches pg_wal, where the replay finds what was not archived yet.
		e := &Embedded{opts: o.Embedded, log: log, binDir: bin}
		if err := e.recoverStale(ctx, l); err != nil {
			return "", err
		}
	}
	password, err := loadOrCreatePassword(l.passwordFile, filepath.Join(l.root, ".no-cluster"))
	if err != nil {
		return "", err
	}

	stamp := time.Now().UTC().Format("20060102T150405Z")
	for n := 2; fileExists(filepath.Join(l.root, "data-before-recovery-"+stamp)); n++ {
		stamp = fmt.Sprintf("%s-%d", time.Now().UTC().Format("20060102T150405Z"), n)
	}
	if hasCluster {
		previous = filepath.Join(l.root, "data-before-recovery-"+stamp)
	}
	staging := filepath.Join(l.root, ".data-recovering-"+stamp)
	journal := recoveryJournal{Step: stepUnpack, Staging: staging, Previous: previous, HadCluster: hasCluster}
	if err := writeJournal(l, journal); err != nil {
		return "", err
	}
	// Returned without a recovery: nothing to undo at the next start.
	dropJournal := func() { _ = os.Remove(filepath.Join(l.root, RecoveryJournalFile)) }
	say("unpacking %s", filepath.Base(o.Base))
	if err := unpackBase(o.Base, staging); err != nil {
		dropJournal()
		_ = os.RemoveAll(staging)
		return "", fmt.Errorf("unpack the base backup: %w", err)
	}
	sources := []string{o.WALDir}
	if hasCluster {
		sources = append(sources, filepath.Join(previous, "pg_wal"))
	}
	if err := writeRecoveryConfig(staging, sources, o.Target); err != nil {
		_ = os.RemoveAll(staging)
		dropJournal()
		return "", err
	}
	killAt("unpacked")
	journal.Step = stepSwap
	if err := writeJournal(l, journal); err != nil {
		_ = os.RemoveAll(staging)
		dropJournal()
		return "", err
	}
	if hasCluster {
		if err := os.Rename(l.data, previous); err != nil {
			_ = os.RemoveAll(staging)
			dropJournal()
			return "", fmt.Errorf("set the current database aside: %w", err)
		}
	}
	killAt("set-aside")
	if err := os.Rename(staging, l.data); err != nil {
		if hasCluster {
			_ = os.Rename(previous, l.data)
		}
		dropJournal()
		return "", err
	}
	journal.Step = stepReplay
	if err := writeJournal(l, journal); err != nil {
		return "", err // the next start undoes the swap (the journal says swap)
	}
	putBack := func(cause error) (string, error) {
		defer dropJournal()
		failed := filepath.Join(l.root, "data-failed-recovery-"+stamp)
		if err := os.Rename(l.data, failed); err != nil {
			return "", errors.Join(cause, fmt.Errorf("the recovered cluster could not be moved aside; the previous one is in %s: %w", previous, err))
		}
		if hasCluster {
			if err := os.Rename(previous, l.data); err != nil {
				return "", errors.Join(cause, fmt.Errorf("the previous cluster could not be put back from %s: %w", previous, err))
			}
		}
		return "", cause
	}

	say("replaying the WAL archive up to %s", describeTarget(o.Target))
	// The replay archives nothing. Once it reaches the target it promotes to a new timeline
	// (NNN.history, the old timeline's .partial, new segments), and a recovery stopped before
	// stepDone is undone: the cluster from before it goes on with the old timeline. Had those
	// files reached the shared archive, a later recovery (recovery_target_timeline 'latest')
	// would follow the abandoned timeline instead of the history that was kept. So archiving
	// stays on (archive_mode: the files are marked .ready in pg_wal/archive_status) with no
	// archive_library or archive_command (PostgreSQL then holds them back): the next start of
	// the recovered cluster archives them, and an undo deletes them with the cluster. The
	// replay server may outlive a killed Chelal (pg_ctl detaches it), so this is the only
	// place the rule can be kept.
	params := maps.Clone(o.Embedded.Parameters)
	if params == nil {
		params = map[string]string{}
	}
	params["archive_library"], params["archive_command"] = "", ""
	r, err := startReplay(ctx, bin, l.data, l.run, params)
	if err != nil {
		return putBack(err)
	}
	killAt("replaying")
	if err := r.waitPromoted(ctx); err != nil {
		r.stop(ctx, "immediate")
		return putBack(err)
	}
	if err := r.finishRecovery(ctx, password, o.Embedded.Dir); err != nil {
		r.stop(ctx, "immediate")
		return putBack(err)
	}
	killAt("recovered")
	journal.Step = stepDone
	if err := writeJournal(l, journal); err != nil {
		r.stop(ctx, "immediate")
		return putBack(err)
	}
	killAt("done")
	say("recovered; stopping the server")
	if err := r.stop(ctx, "fast"); err != nil {
		return previous, err // the journal stays: the next start stops it and keeps the recovery
	}
	dropJournal()
	return previous, nil
}

func describeTarget(t time.Time) string {
	if t.IsZero() {
		return "the end of the archive"
	}
	return t.UTC().Format(time.RFC3339)
}

// replay is a postgres started directly on a cluster that recovers from the archive: listening
// on a private unix socket only, and trusting it (pg_hba), because the cluster's password may
// be one this computer never knew.
type replay struct {
	bin, data, run, log string
	port                int
	hba                 []byte // pg_hba.conf as it was
}

// startReplay starts postgres on the cluster in data for a recovery.
func startReplay(ctx context.Context, bin, data, run string, params map[string]string) (*replay, error) {
	r := &replay{bin: bin, data: data, run: run, log: filepath.Join(filepath.Dir(data), "recovery.log")}
	var err error
	hbaFile := filepath.Join(data, "pg_hba.conf")
	if r.hba, err = os.ReadFile(hbaFile); err != nil {
		return nil, err
	}
	if err := durable.WriteFile(hbaFile, []byte("local all all trust\n"), 0o600); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(run, 0o700); err != nil {
		return nil, err
	}
	if r.port, err = freePort(); err != nil {
		return nil, err
	}
	opts := []string{"-c listen_addresses=''", "-c unix_socket_directories='" + run + "'", fmt.Sprintf("-c port=%d", r.port)}
	for k, v := range params {
		opts = append(opts, fmt.Sprintf("-c %s='%s'", k, strings.ReplaceAll(v, "'", "''")))
	}
	// -w waits until the server is consistent (the end of the base backup) and answers;
	// waitPromoted follows the rest of the replay. A server that cannot start fails here.
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "bin", "pg_ctl"), "start", "-w", "-t", "3600", "-D", data, "-l", r.log, "-o", strings.Join(opts, " "))
	if out, err := cmd.CombinedOutput(); err != nil {
		_ = r.stop(context.WithoutCancel(ctx), "immediate")
		return nil, fmt.Errorf("%w: %v: %s\n%s", ErrTargetNotReached, err, bytes.TrimSpace(out), r.logTail())
	}
	return r, nil
}

// conn connects to the replaying server through its socket.
func (r *replay) conn(ctx context.Context, database string) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d user=%s dbname=%s sslmode=disable connect_timeout=5", r.run, r.port, embeddedUser, database))
	if err != nil {
		return nil, err
	}
	return pgx.ConnectConfig(ctx, cfg)
}

// running says whether the replaying postgres is still up.
func (r *replay) running(ctx context.Context) bool {
	return exec.CommandContext(ctx, filepath.Join(r.bin, "bin", "pg_ctl"), "status", "-D", r.data).Run() == nil
}

// logTail is the end of the recovery's server log, to explain a failure.
func (r *replay) logTail() string {
	b, _ := os.ReadFile(r.log)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-4):], "\n")
}

// waitPromoted waits until the replay reached its target and the server left recovery; a
// server that stops meanwhile could not reach the target.
func (r *replay) waitPromoted(ctx context.Context) error {
	deadline := time.Now().Add(2 * time.Hour)
	for {
		if c, err := r.conn(ctx, "postgres"); err == nil {
			var inRecovery bool
			err = c.QueryRow(ctx, `SELECT pg_is_in_recovery()`).Scan(&inRecovery)
			_ = c.Close(ctx)
			if err == nil && !inRecovery {
				return nil
			}
		}
		if !r.running(ctx) {
			return fmt.Errorf("%w:\n%s", ErrTargetNotReached, r.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: still replaying after two hours", ErrTargetNotReached)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// finishRecovery makes the recovered cluster this data dir's: the recovery settings removed,
// this data dir's password, Chelal's database pointer on a database the cluster has, the
// original pg_hba.conf back.
func (r *replay) finishRecovery(ctx context.Context, password, dir string) error {
	c, err := r.conn(ctx, "postgres")
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	for _, k := range []string{"restore_command", "recovery_target_time", "recovery_target_action", "recovery_target"} {
		if _, err := c.Exec(ctx, `ALTER SYSTEM RESET `+pgx.Identifier{k}.Sanitize()); err != nil {
			return fmt.Errorf("reset %s: %w", k, err)
		}
	}
	// The password as a literal: ALTER ROLE takes no parameters. It is hex (our own).
	if strings.Trim(password, "0123456789abcdef") != "" {
		return errors.New("the database password file holds an unexpected value")
	}
	if _, err := c.Exec(ctx, `ALTER ROLE `+pgx.Identifier{embeddedUser}.Sanitize()+` PASSWORD '`+password+`'`); err != nil {
		return fmt.Errorf("set the password: %w", err)
	}
	// A restore made after the base backup may have switched Chelal to a database the
	// recovered cluster does not have: go back to the one it has.
	var exists bool
	if err := c.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, CurrentDatabase(dir)).Scan(&exists); err != nil {
		return err
	}
	if !exists {
		if err := durable.WriteFile(filepath.Join(dir, "database"), []byte(embeddedDatabase+"\n"), 0o600); err != nil {
			return err
		}
	}
	return durable.WriteFile(filepath.Join(r.data, "pg_hba.conf"), r.hba, 0o600)
}

// stop stops the replaying server (mode fast or immediate).
func (r *replay) stop(ctx context.Context, mode string) error {
	if !r.running(ctx) {
		return nil
	}
	out, err := exec.CommandContext(ctx, filepath.Join(r.bin, "bin", "pg_ctl"), "stop", "-w", "-D", r.data, "-m", mode, "-t", "60").CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop the recovery server: %w: %s", err, bytes.TrimSpace(out))
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

// writeRecoveryConfig asks the cluster in dir to recover with WAL from sources in order (the
// archive, then the replaced cluster's pg_wal, whose newest segment was not archived yet), up
// to target (the zero time: the end of the WAL; immediate: the base backup's consistent end),
// then promote.
func writeRecoveryConfig(dir string, sources []string, target time.Time, immediate ...bool) error {
	var cmds []string
	for _, from := range sources {
		if runtime.GOOS == "windows" {
			cmds = append(cmds, fmt.Sprintf(`copy /Y "%s\%%f" "%%p"`, from))
		} else {
			cmds = append(cmds, fmt.Sprintf(`cp "%s/%%f" "%%p"`, from))
		}
	}
	quote := func(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }
	conf := "\n# Point-in-time recovery by Chelal; reset once recovered.\n" +
		"restore_command = " + quote(strings.Join(cmds, " || ")) + "\n" +
		"recovery_target_action = 'promote'\n"
	switch {
	case len(immediate) > 0 && immediate[0]:
		conf += "recovery_target = 'immediate'\n"
	case !target.IsZero():
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
	return durable.WriteFile(filepath.Join(dir, "recovery.signal"), nil, 0o600)
}

// BaseCheck is the result of verifying a base backup: replayed to its consistent end in a
// scratch cluster and read back.
type BaseCheck struct {
	At       time.Time `json:"at"`
	OK       bool      `json:"ok"`
	Error    string    `json:"error,omitempty"`
	Database string    `json:"database,omitempty"`
	Tables   int       `json:"tables"`
	Patients int64     `json:"patients"`
}

// VerifyBase proves a base backup usable: it is unpacked into scratch (a folder that must not
// exist; removed afterwards), replayed from the archive to its consistent end, and Chelal's
// database in it is read. The result is also written into the base backup's description.
func VerifyBase(ctx context.Context, server EmbeddedOptions, base, walDir, scratch string) (BaseCheck, error) {
	check := BaseCheck{At: time.Now().UTC()}
	err := verifyBase(ctx, server, base, walDir, scratch, &check)
	check.OK = err == nil
	if err != nil {
		check.Error = err.Error()
	}
	if info, rerr := ReadBaseBackupInfo(base); rerr == nil {
		info.Verification = &check
		body, _ := json.MarshalIndent(info, "", "  ")
		if werr := durable.WriteFile(strings.TrimSuffix(base, ".tar.gz")+".json", body, 0o600); werr != nil && err == nil {
			err = werr
		}
	}
	return check, err
}

func verifyBase(ctx context.Context, server EmbeddedOptions, base, walDir, scratch string, check *BaseCheck) error {
	if fileExists(scratch) {
		return fmt.Errorf("the scratch folder %s already exists", scratch)
	}
	defer os.RemoveAll(scratch)
	if err := os.MkdirAll(scratch, 0o700); err != nil {
		return err
	}
	sum, err := bundledSum()
	if err != nil {
		return err
	}
	log := server.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	bin, err := binaries(server, sum, log)
	if err != nil {
		return err
	}
	data := filepath.Join(scratch, "data")
	if err := unpackBase(base, data); err != nil {
		return fmt.Errorf("unpack: %w", err)
	}
	if err := writeRecoveryConfig(data, []string{walDir}, time.Time{}, true); err != nil {
		return err
	}
	r, err := startReplay(ctx, bin, data, filepath.Join(scratch, "run"), map[string]string{"archive_mode": "off"})
	if err != nil {
		return err
	}
	defer r.stop(context.WithoutCancel(ctx), "immediate")
	if err := r.waitPromoted(ctx); err != nil {
		return err
	}
	c, err := r.conn(ctx, "postgres")
	if err != nil {
		return err
	}
	var databases []string
	rows, err := c.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'chelal%' ORDER BY datname`)
	if err == nil {
		databases, err = pgx.CollectRows(rows, pgx.RowTo[string])
	}
	_ = c.Close(ctx)
	if err != nil {
		return err
	}
	if len(databases) == 0 {
		return errors.New("the base backup holds no Chelal database")
	}
	info, _ := ReadBaseBackupInfo(base)
	check.Database = databases[0]
	if info.Database != "" && slices.Contains(databases, info.Database) {
		check.Database = info.Database
	}
	c, err = r.conn(ctx, check.Database)
	if err != nil {
		return err
	}
	defer c.Close(ctx)
	if err := c.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()`).Scan(&check.Tables); err != nil {
		return err
	}
	if err := c.QueryRow(ctx, `SELECT count(*) FROM core_patient`).Scan(&check.Patients); err != nil {
		return fmt.Errorf("read the patients: %w", err)
	}
	return nil
}

// VerifyBaseBackup verifies a base backup of this embedded server (VerifyBase) in a scratch
// cluster beside it, with its binaries.
func (d *DB) VerifyBaseBackup(ctx context.Context, base, walDir string) (BaseCheck, error) {
	if d.embedded == nil {
		return BaseCheck{}, errors.New("base backups are verified on the embedded server only")
	}
	opts := d.embedded.opts
	scratch := filepath.Join(opts.Dir, fmt.Sprintf(".verify-base-%d", time.Now().UnixNano()))
	return VerifyBase(ctx, opts, base, walDir, scratch)
}
