package db

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	embeddedpostgres "github.com/fergusstrange/embedded-postgres"
	"github.com/gofrs/flock"
	"github.com/xi2/xz"

	"chelal/internal/durable"
)

// PostgresVersion is the version of the bundled PostgreSQL; it must match the archive made by
// build/bundle-postgres.sh (the library looks binaries up by this string).
const PostgresVersion = "18.4.0"

// PostgresMajor is the major version a data dir must have to be started by the bundled server.
const PostgresMajor = "18"

const (
	embeddedUser     = "chelal"
	embeddedDatabase = "chelal"
	completeMarker   = ".chelal-extracted"
)

// Errors of the embedded server that callers may want to tell apart.
var (
	ErrNoBundle     = errors.New("this build of Chelal carries no PostgreSQL (run build/bundle-postgres.sh before go build, or use `make build`); set DATABASE_URL to use an external server")
	ErrRunAsRoot    = errors.New("the embedded PostgreSQL refuses to run as root: start Chelal as an ordinary user (a LAN server install runs as a dedicated system user), or set DATABASE_URL to use an external PostgreSQL")
	ErrLocked       = errors.New("another Chelal is already running on this data dir")
	ErrMajorVersion = errors.New("the data dir belongs to another PostgreSQL major version")
)

// EmbeddedOptions configures the bundled PostgreSQL server.
type EmbeddedOptions struct {
	// Dir is the folder the server owns (<data dir>/pg). Binaries, the cluster, the socket,
	// the password and the logs all live under it.
	Dir string
	// Logger receives lifecycle messages. Nil means slog.Default().
	Logger *slog.Logger
	// BinariesDir is where the bundled binaries are unpacked (default: Dir). Several servers
	// may share one (test clusters do); extraction takes a file lock.
	BinariesDir string
	// Ephemeral trades durability for speed (fsync off): for test clusters on /dev/shm only.
	Ephemeral bool
	// Parameters are extra server settings (name -> value), e.g. archive_mode.
	Parameters map[string]string
}

// Embedded is a running bundled PostgreSQL server. Stop it with Stop.
type Embedded struct {
	opts     EmbeddedOptions
	log      *slog.Logger
	lock     *flock.Flock
	pg       *embeddedpostgres.EmbeddedPostgres
	port     int
	password string
	binDir   string
	params   map[string]string // the server settings it was started with, for restarts

	sup supervisor // restarts the server when it dies (supervise.go)
}

// layout names the folders under EmbeddedOptions.Dir. The data dir is deliberately outside
// the runtime dir: the library wipes the runtime dir on every start (pitfall 1).
type layout struct {
	root, data, run, tmp, passwordFile, lockFile string
}

func newLayout(dir string) layout {
	return layout{
		root:         dir,
		data:         filepath.Join(dir, "data"),
		run:          filepath.Join(dir, "run"),
		tmp:          filepath.Join(dir, "tmp"),
		passwordFile: filepath.Join(dir, "password"),
		lockFile:     filepath.Join(dir, "chelal.lock"),
	}
}

// StartEmbedded extracts the bundled binaries if needed and starts PostgreSQL on a free
// loopback port. It never deletes a data dir: a cluster of another major version, or a
// folder that is not a cluster, is refused with an error.
func StartEmbedded(ctx context.Context, opts EmbeddedOptions) (*Embedded, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	e := &Embedded{opts: opts, log: opts.Logger}
	if err := e.start(ctx); err != nil {
		if e.lock != nil {
			_ = e.lock.Unlock()
		}
		return nil, err
	}
	e.startSupervisor()
	return e, nil
}

func (e *Embedded) start(ctx context.Context) error {
	if os.Geteuid() == 0 {
		return ErrRunAsRoot
	}
	sum, err := bundledSum()
	if err != nil {
		return err
	}
	l := newLayout(e.opts.Dir)
	if err := ensureWritableDir(l.root); err != nil {
		return err
	}
	e.lock = flock.New(l.lockFile)
	locked, err := e.lock.TryLock()
	if err != nil {
		return fmt.Errorf("lock %s: %w", l.lockFile, err)
	}
	if !locked {
		e.lock = nil
		return fmt.Errorf("%w (%s)", ErrLocked, l.root)
	}
	if err := checkDataDir(l.data); err != nil {
		return err
	}
	extract := e.opts.BinariesDir == "" && !binariesExtracted(e.opts, sum)
	if err := checkSpace(l.root, extract, !fileExists(filepath.Join(l.data, "PG_VERSION"))); err != nil {
		return err
	}
	if e.binDir, err = binaries(e.opts, sum, e.log); err != nil {
		return diskFull(l.root, err)
	}
	if _, err := resolveInterruptedRecovery(ctx, l, e.binDir, e.log); err != nil {
		return err
	}
	if e.password, err = loadOrCreatePassword(l.passwordFile, l.data); err != nil {
		return err
	}
	if err := e.recoverStale(ctx, l); err != nil {
		return err
	}
	if err := os.MkdirAll(l.tmp, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", l.tmp, err)
	}
	rotateLibraryLogs(l.tmp)

	fresh := !fileExists(filepath.Join(l.data, "PG_VERSION"))
	params := map[string]string{
		"listen_addresses":                 "127.0.0.1",
		"unix_socket_directories":          l.run,
		"client_connection_check_interval": "1s",
	}
	if e.opts.Ephemeral {
		params["fsync"] = "off"
		params["synchronous_commit"] = "off"
		params["full_page_writes"] = "off"
	}
	for k, v := range e.opts.Parameters {
		params[k] = v
	}
	e.params = params

	var lastErr error
	// After a crash that killed the postmaster (power cut, kill -9), its backends live on for a
	// moment: each leaves when it notices its client gone (client_connection_check_interval)
	// or its postmaster dead. Until the last one has, PostgreSQL refuses to start ("pre-existing
	// shared memory block ... is still in use"): wait for them, up to orphansWait.
	orphansGone := time.Now().Add(orphansWait)
	for attempt := 0; attempt < 3; attempt++ {
		if e.port, err = freePort(); err != nil {
			return err
		}
		cfg := embeddedpostgres.DefaultConfig().
			Version(embeddedpostgres.PostgresVersion(PostgresVersion)).
			Port(uint32(e.port)).
			Username(embeddedUser).
			Password(e.password).
			Database(embeddedDatabase).
			CachePath(filepath.Join(l.root, "cache")).
			BinariesPath(e.binDir).
			RuntimePath(l.run).
			DataPath(l.data).
			Locale("C.UTF-8").
			Encoding("UTF8").
			BinaryRepositoryURL("http://no-network.invalid/").
			StartTimeout(60 * time.Second).
			StartParameters(params).
			Logger(io.Discard)
		e.pg = embeddedpostgres.NewDatabase(cfg)
		started := time.Now()
		if lastErr = startInTemp(e.pg, l.tmp); lastErr == nil {
			e.log.Info("embedded postgres started", "port", e.port, "dir", l.root, "initdb", fresh, "took", time.Since(started).Round(time.Millisecond))
			break
		}
		if strings.Contains(lastErr.Error(), "pre-existing shared memory block") && time.Now().Before(orphansGone) {
			e.log.Warn("the crashed PostgreSQL's last backends are still leaving: waiting for them")
			attempt--
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
			continue
		}
		if !strings.Contains(lastErr.Error(), "already listening on port") && !strings.Contains(lastErr.Error(), "Address already in use") {
			break
		}
		e.log.Warn("embedded postgres port taken, trying another", "port", e.port)
	}
	if lastErr != nil {
		return diskFull(l.root, fmt.Errorf("start embedded postgres in %s: %w", l.data, lastErr))
	}
	if fresh {
		if err := e.hardenFreshCluster(ctx, l); err != nil {
			_ = e.Stop()
			return err
		}
	}
	return nil
}

// orphansWait bounds the wait for a crashed PostgreSQL's backends to leave (see start).
const orphansWait = 30 * time.Second

// tmpdirMu serialises the moments startInTemp changes the process-wide TMPDIR.
var tmpdirMu sync.Mutex

// startInTemp starts pg with TMPDIR pointing at tmp, and puts TMPDIR back afterwards. The library
// writes its log to os.CreateTemp("") and never removes it (pitfall 5); the running server
// keeps writing to that open file, so TMPDIR only matters while Start runs. Putting it back
// keeps a removed cluster folder from becoming every later temp file's home (t.TempDir in
// tests, the next cluster's start).
func startInTemp(pg *embeddedpostgres.EmbeddedPostgres, tmp string) error {
	tmpdirMu.Lock()
	defer tmpdirMu.Unlock()
	prev, had := os.LookupEnv("TMPDIR")
	if err := os.Setenv("TMPDIR", tmp); err != nil {
		return fmt.Errorf("set TMPDIR: %w", err)
	}
	defer func() {
		if had {
			_ = os.Setenv("TMPDIR", prev)
		} else {
			_ = os.Unsetenv("TMPDIR")
		}
	}()
	return pg.Start()
}

// binaries unpacks the bundled PostgreSQL (once, under a file lock) for the server of opts and
// returns its folder. sum is the bundle's checksum (bundledSum).
func binaries(opts EmbeddedOptions, sum string, log *slog.Logger) (string, error) {
	root := opts.BinariesDir
	if root == "" {
		root = opts.Dir
	}
	dir := filepath.Join(root, "bin-"+PostgresVersion+"-"+sum[:8])
	return dir, extractOnce(openBundledArchive, dir, log)
}

// DSN is the connection string of the running server's Chelal database (loopback, password
// auth): the database named in <dir>/database (written by a restore), or "chelal".
func (e *Embedded) DSN() string {
	return e.DSNFor(CurrentDatabase(e.opts.Dir))
}

// DSNFor is the connection string of another database on the running server.
func (e *Embedded) DSNFor(database string) string {
	return fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/%s?sslmode=disable", embeddedUser, e.password, e.port, database)
}

// CurrentDatabase is the database Chelal uses on the embedded server of dir: the name a restore
// switched to (<dir>/database), or "chelal".
func CurrentDatabase(dir string) string {
	b, err := os.ReadFile(filepath.Join(dir, "database"))
	if name := strings.TrimSpace(string(b)); err == nil && name != "" {
		return name
	}
	return embeddedDatabase
}

// SwitchDatabase makes Chelal use another database of the embedded server from its next start
// (written atomically: a crash leaves the old choice or the new one, nothing in between).
func (e *Embedded) SwitchDatabase(database string) error {
	return durable.WriteFile(filepath.Join(e.opts.Dir, "database"), []byte(database+"\n"), 0o600)
}

// Dir is the folder the server owns (<data dir>/pg).
func (e *Embedded) Dir() string { return e.opts.Dir }

// Port is the loopback TCP port the server listens on.
func (e *Embedded) Port() int { return e.port }

// Stop shuts the server down cleanly (a checkpoint is written) and releases the data dir.
func (e *Embedded) Stop() error {
	if e == nil || e.pg == nil {
		return nil
	}
	e.stopSupervisor()
	started := time.Now()
	err := e.pg.Stop()
	if err != nil && !errors.Is(err, embeddedpostgres.ErrServerNotStarted) {
		err = fmt.Errorf("stop embedded postgres: %w", err)
	} else {
		err = nil
		e.log.Info("embedded postgres stopped", "took", time.Since(started).Round(time.Millisecond))
	}
	if e.lock != nil {
		_ = e.lock.Unlock()
	}
	return err
}

// hardenFreshCluster replaces the cleartext "password" method that the library's initdb call
// writes into pg_hba.conf with scram-sha-256 (the password itself is stored as SCRAM).
func (e *Embedded) hardenFreshCluster(ctx context.Context, l layout) error {
	hba := filepath.Join(l.data, "pg_hba.conf")
	b, err := os.ReadFile(hba)
	if err != nil {
		return fmt.Errorf("read pg_hba.conf: %w", err)
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		fields := strings.Fields(line)
		if len(fields) > 0 && !strings.HasPrefix(fields[0], "#") && fields[len(fields)-1] == "password" {
			line = strings.TrimSuffix(strings.TrimRight(line, " \t"), "password") + "scram-sha-256"
		}
		out = append(out, line)
	}
	if err := durable.WriteFile(hba, []byte(strings.Join(out, "\n")), 0o600); err != nil {
		return err
	}
	return e.ctl(ctx, "reload")
}

// recoverStale handles a postmaster.pid left by a crash (pitfall 3): a live postgres of this
// data dir (orphaned by a killed Chelal) is stopped; a dead or foreign PID's lock file is removed.
func (e *Embedded) recoverStale(ctx context.Context, l layout) error {
	pidFile := filepath.Join(l.data, "postmaster.pid")
	b, err := os.ReadFile(pidFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", pidFile, err)
	}
	lines := strings.Split(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(lines[0]))
	if pid > 0 && postgresAlive(pid, l.data) {
		e.log.Warn("a postgres left running by an earlier Chelal is being stopped", "pid", pid)
		if err := e.ctl(ctx, "stop", "-m", "fast", "-t", "30"); err != nil {
			e.log.Warn("fast stop failed, stopping immediately", "err", err)
			if err := e.ctl(ctx, "stop", "-m", "immediate", "-t", "30"); err != nil {
				return fmt.Errorf("stop orphaned postgres (pid %d): %w", pid, err)
			}
		}
		return nil
	}
	e.log.Warn("removing a stale postmaster.pid (its server is gone)", "pid", pid)
	if err := os.Remove(pidFile); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove stale %s: %w", pidFile, err)
	}
	return nil
}

func (e *Embedded) ctl(ctx context.Context, args ...string) error {
	l := newLayout(e.opts.Dir)
	full := append([]string{args[0], "-w", "-D", l.data}, args[1:]...)
	cmd := exec.CommandContext(ctx, filepath.Join(e.binDir, "bin", "pg_ctl"), full...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("pg_ctl %s: %w: %s", args[0], err, bytes.TrimSpace(out))
	}
	return nil
}

// checkDataDir refuses what the library would silently wipe (pitfall 2): a cluster of another
// major version, or a non-empty folder that is not a cluster at all.
func checkDataDir(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) || (err == nil && len(entries) == 0) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read data dir %s: %w", dir, err)
	}
	v, err := os.ReadFile(filepath.Join(dir, "PG_VERSION"))
	if err != nil {
		return fmt.Errorf("%s is not empty and holds no PostgreSQL cluster (no PG_VERSION); Chelal will not touch it: move it away or point CHELAL_DATA_DIR elsewhere", dir)
	}
	if got := strings.TrimSpace(string(v)); got != PostgresMajor {
		return fmt.Errorf("%w: %s holds a PostgreSQL %s cluster and this Chelal bundles PostgreSQL %s; nothing was changed. Restore a Chelal backup into a new data dir, or run the Chelal that wrote it", ErrMajorVersion, dir, got, PostgresMajor)
	}
	return nil
}

// ensureWritableDir creates dir (0700) and proves it can be written.
func ensureWritableDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("data dir %s cannot be created: %w", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data dir %s is not writable: %w", dir, err)
	}
	name := f.Name()
	_ = f.Close()
	return os.Remove(name)
}

// bundledSum returns the sha256 (hex) of the embedded archive, written beside it by the
// bundle script, so that a start does not read (or hash) the 15 MB archive.
func bundledSum() (string, error) {
	if _, err := fs.Stat(bundle, path.Join(bundleDir, "postgres.txz")); err != nil {
		return "", ErrNoBundle
	}
	sum, err := fs.ReadFile(bundle, path.Join(bundleDir, "postgres.txz.sha256"))
	if err != nil || len(bytes.TrimSpace(sum)) < 8 {
		return "", fmt.Errorf("bundled postgres.txz.sha256 missing: %w", ErrNoBundle)
	}
	return string(bytes.TrimSpace(sum)), nil
}

// openBundledArchive streams the embedded archive (no copy of it is made in memory).
func openBundledArchive() (io.ReadCloser, error) {
	return bundle.Open(path.Join(bundleDir, "postgres.txz"))
}

// extractOnce unpacks the archive into dir unless a completion marker says it is already there
// (pitfall 6: the library only looks for bin/pg_ctl, which a half-done extraction also has).
// It extracts into a temporary sibling and renames it, so dir is either complete or absent,
// under a file lock so that processes sharing dir never extract over each other.
//
// A complete extraction is also checked against its manifest (verifyManifest) at every start:
// a binary changed on disk (a bad sector, a stray edit, a half-copied data dir) is extracted
// again rather than left to crash PostgreSQL.
func extractOnce(open func() (io.ReadCloser, error), dir string, log *slog.Logger) error {
	if fileExists(filepath.Join(dir, completeMarker)) {
		err := verifyManifest(dir)
		if err == nil {
			return nil
		}
		log.Warn("the extracted postgres binaries differ from the bundle; extracting them again", "dir", dir, "err", err)
		if err := os.Remove(filepath.Join(dir, completeMarker)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("invalidate damaged postgres binaries: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return fmt.Errorf("create %s: %w", filepath.Dir(dir), err)
	}
	lk := flock.New(dir + ".lock")
	if err := lk.Lock(); err != nil {
		return fmt.Errorf("lock %s: %w", dir+".lock", err)
	}
	defer func() { _ = lk.Unlock() }()
	if fileExists(filepath.Join(dir, completeMarker)) {
		return nil // another process finished it while this one waited
	}
	started := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("remove incomplete %s: %w", dir, err)
	}
	tmp := dir + ".partial"
	if err := os.RemoveAll(tmp); err != nil {
		return fmt.Errorf("remove %s: %w", tmp, err)
	}
	archive, err := open()
	if err != nil {
		return fmt.Errorf("open bundled postgres: %w", err)
	}
	err = untarXz(archive, tmp)
	_ = archive.Close()
	if err != nil {
		return fmt.Errorf("extract postgres binaries: %w", err)
	}
	if err := writeManifest(tmp); err != nil {
		return fmt.Errorf("checksum the postgres binaries: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(tmp, completeMarker), []byte(PostgresVersion+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("install postgres binaries: %w", err)
	}
	log.Info("postgres binaries extracted", "dir", dir, "took", time.Since(started).Round(time.Millisecond))
	// The xz decoder's dictionary is garbage now; give it back rather than keep it for the
	// life of a process that mostly idles.
	debug.FreeOSMemory()
	return nil
}

func untarXz(archive io.Reader, dest string) error {
	xr, err := xz.NewReader(archive, 0)
	if err != nil {
		return err
	}
	return untar(tar.NewReader(xr), dest, 0o755)
}

// untar writes the entries of tr under dest, refusing any that would land outside it. Folders
// get dirMode; files keep their mode within it.
func untar(tr *tar.Reader, dest string, dirMode fs.FileMode) error {
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		name := filepath.Clean(h.Name)
		if !filepath.IsLocal(name) {
			return fmt.Errorf("archive entry %q escapes the target folder", h.Name)
		}
		target := filepath.Join(dest, name)
		if err := os.MkdirAll(filepath.Dir(target), dirMode); err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, dirMode); err != nil {
				return err
			}
		case tar.TypeSymlink:
			if filepath.IsAbs(h.Linkname) || !filepath.IsLocal(filepath.Join(filepath.Dir(name), h.Linkname)) {
				return fmt.Errorf("archive symlink %q -> %q leaves the target folder", h.Name, h.Linkname)
			}
			if err := os.Symlink(h.Linkname, target); err != nil {
				return err
			}
		case tar.TypeReg:
			f, err := os.OpenFile(target, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, fs.FileMode(h.Mode)&dirMode)
			if err != nil {
				return err
			}
			if _, err := io.Copy(f, tr); err != nil {
				_ = f.Close()
				return err
			}
			if err := f.Close(); err != nil {
				return err
			}
		}
	}
}

// loadOrCreatePassword returns the superuser password kept in file (0600). A new one is made
// only for a cluster that does not exist yet.
func loadOrCreatePassword(file, dataDir string) (string, error) {
	b, err := os.ReadFile(file)
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		if err := os.Chmod(file, 0o600); err != nil {
			return "", fmt.Errorf("protect %s: %w", file, err)
		}
		return string(bytes.TrimSpace(b)), nil
	}
	if fileExists(filepath.Join(dataDir, "PG_VERSION")) {
		return "", fmt.Errorf("the database password file %s is missing but the cluster in %s exists; restore the file from a copy of the data dir", file, dataDir)
	}
	raw := make([]byte, 24)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("generate password: %w", err)
	}
	pw := hex.EncodeToString(raw)
	if err := durable.WriteFile(file, []byte(pw+"\n"), 0o600); err != nil {
		return "", err
	}
	return pw, nil
}

// rotateLibraryLogs keeps the newest server log of the previous run as postgres.previous.log
// and removes the older ones the library leaves behind.
func rotateLibraryLogs(tmp string) {
	newest := newestLibraryLog(tmp)
	logs, _ := filepath.Glob(filepath.Join(tmp, "embedded_postgres_log*"))
	for _, f := range logs {
		if f == newest {
			_ = os.Rename(f, filepath.Join(tmp, "postgres.previous.log"))
			continue
		}
		_ = os.Remove(f)
	}
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}
