// Package cli is Chelal's command line: it parses the sub-command and its flags and hands
// over to the core. main.go only calls Main.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"chelal/frontend"
	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/billing"
	"chelal/internal/clinical"
	"chelal/internal/config"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
	"chelal/internal/patients"
	"chelal/internal/pharmacy"
	"chelal/internal/server"
)

// Env is what a run of the command line sees of the world.
type Env struct {
	Args    []string // without the program name
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	Getenv  config.Getenv
	Version string
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

const usage = `Chelal: clinic management on one computer, served to the clinic's LAN.

Usage:
  chelal                      open the desktop window (desktop build; otherwise use serve)
  chelal serve [flags]        start PostgreSQL, migrate, serve the clinic UI and API
  chelal migrate up           apply every pending migration
  chelal migrate down N       roll back N migrations
  chelal migrate to V         migrate up or down to version V (0 = empty)
  chelal migrate status       show the applied and the newest version
  chelal admin create --username U --email E [--first-name F --last-name L]
                              create an administrator (the password is asked, or read from stdin)
  chelal admin reset-password USER [--reset-2fa]
                              set a user's new password from this terminal (audited); --reset-2fa
                              also turns their 2FA off (a lost phone and lost recovery codes)
  chelal backup [--out DIR]   write a backup (default <data dir>/backups) and verify it by restoring it
  chelal verify-backup FILE   restore FILE into a scratch database and compare it with its manifest
  chelal restore FILE         restore FILE into a new database, check it, and switch Chelal to it
                              (with DATABASE_URL: into that database, which must be empty)
                              backups are encrypted with --passphrase-file F or CHELAL_BACKUP_PASSPHRASE
  chelal openapi              print the API's OpenAPI 3.1 document
  chelal version              print the version
  chelal help [command]       this text, or a command's flags

Flags of serve and migrate:
  --data-dir DIR              data folder (overrides CHELAL_DATA_DIR)
Flags of serve:
  --addr HOST:PORT            listen address (default 127.0.0.1:7300; 0.0.0.0:7300 serves the LAN)
  --host-names LIST           more host names the server answers for, comma-separated (overrides
                              CHELAL_HOST_NAMES; localhost and this machine's addresses and name
                              are always served, any other Host is refused)

`

// Main runs one command line and returns the process exit code.
func Main(ctx context.Context, env Env) int {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	args := env.Args
	if len(args) == 0 {
		args = []string{"desktop"}
	}
	var err error
	switch args[0] {
	case "desktop":
		if len(args) > 1 {
			err = usageErr("the desktop takes no arguments (set CHELAL_DATA_DIR to choose the data folder)")
		} else {
			err = runDesktop(ctx, env)
		}
	case "serve":
		err = runServe(ctx, env, args[1:])
	case "migrate":
		err = runMigrate(ctx, env, args[1:])
	case "admin":
		err = runAdmin(ctx, env, args[1:])
	case "backup":
		err = runBackup(ctx, env, args[1:])
	case "verify-backup":
		err = runVerifyBackup(ctx, env, args[1:])
	case "restore":
		err = runRestore(ctx, env, args[1:])
	case "import":
		err = runImport(ctx, env, args[1:])
	case "openapi":
		// The API's OpenAPI document, for generating clients (frontend/src/api).
		_, err := env.Stdout.Write(server.OpenAPIDocument(env.Version))
		if err != nil {
			return exitError
		}
		return exitOK
	case "version", "--version", "-v":
		fmt.Fprintf(env.Stdout, "chelal %s (PostgreSQL %s bundled)\n", env.Version, db.PostgresVersion)
		return exitOK
	case "help", "--help", "-h", "-help":
		fmt.Fprint(env.Stdout, usage+"Bringing existing records in:\n"+importUsage+"\n"+config.EnvHelp)
		return exitOK
	default:
		fmt.Fprintf(env.Stderr, "chelal: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.Is(err, errFlags):
		return exitUsage // the flag set has printed the problem and the usage
	case errors.Is(err, errUsage):
		fmt.Fprintln(env.Stderr, "chelal:", err)
		return exitUsage
	default:
		fmt.Fprintln(env.Stderr, "chelal:", err)
		return exitError
	}
}

var (
	errUsage = errors.New("usage")
	errFlags = errors.New("bad flags")
)

// parseFlags parses args; an error other than -help is reported once, by the flag set.
func parseFlags(fs *flag.FlagSet, args []string) error {
	err := fs.Parse(args)
	if err != nil && !errors.Is(err, flag.ErrHelp) {
		return errFlags
	}
	return err
}

func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: %s", errUsage, fmt.Sprintf(format, a...))
}

// common holds the flags every database command takes.
type common struct {
	dataDir string
}

func newFlags(env Env, name string, c *common) *flag.FlagSet {
	fs := flag.NewFlagSet("chelal "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.StringVar(&c.dataDir, "data-dir", "", "data folder (default: CHELAL_DATA_DIR or the per-user folder)")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage of chelal %s:\n", name)
		fs.PrintDefaults()
		fmt.Fprint(env.Stderr, "\n"+config.EnvHelp)
	}
	return fs
}

func newLogger(env Env) *slog.Logger {
	level := slog.LevelInfo
	switch strings.ToLower(env.Getenv("CHELAL_LOG_LEVEL")) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: level}))
}

// openDB opens the external database or starts the embedded one, and migrates it up when
// migrate is true. It also returns the data dir (which holds keys and files even when the
// database is external).
func openDB(ctx context.Context, env Env, c common, log *slog.Logger, migrate bool) (*db.DB, string, error) {
	ext, err := config.ExternalDatabaseURL(env.Getenv)
	if err != nil {
		return nil, "", err
	}
	dataDir := c.dataDir
	if dataDir == "" {
		if dataDir, err = config.DataDir(env.Getenv); err != nil {
			return nil, "", err
		}
	}
	if ext != "" {
		log.Info("using the external PostgreSQL from the environment")
	} else {
		log.Info("using the embedded PostgreSQL", "data_dir", dataDir)
	}
	if err := backup.CheckOutsideData(dataDir, env.Getenv("CHELAL_BACKUP_DIR")); err != nil {
		return nil, "", fmt.Errorf("CHELAL_BACKUP_DIR: %w", err)
	}
	var params map[string]string
	if ext == "" && archiving(env) {
		// Every start of the embedded server archives its WAL, whatever the command: a start
		// without would leave a hole that no recovery could cross. A missing folder (a USB
		// drive unplugged) only delays archiving: PostgreSQL keeps the WAL until it is back.
		wal := backup.WALDir(backupDir(env, dataDir))
		if err := os.MkdirAll(wal, 0o700); err != nil {
			log.Warn("the WAL archive folder is not available; WAL is kept until it is", "dir", wal, "err", err)
		}
		params = db.ArchiveParameters(wal)
	}
	d, err := db.Open(ctx, db.OpenOptions{ExternalURL: ext, DataDir: dataDir, Logger: log, Parameters: params})
	if err != nil {
		return nil, "", err
	}
	if e := d.Embedded(); e != nil {
		e.OnRestart(func(ctx context.Context, r db.Restart) { notifyRestart(ctx, d, r, log) })
	}
	if params != nil {
		// Chelal still serves the clinic; the scheduler notifies the administrators.
		if err := db.CheckArchiveModule(ctx, d.Pool); err != nil {
			log.Error("WAL archiving cannot start: point-in-time recovery is off until this is fixed", "err", err)
		}
	}
	if migrate {
		started := time.Now()
		if err := db.Migrate(ctx, d.DSN(), log); err != nil {
			return nil, "", errors.Join(err, d.Close())
		}
		log.Info("schema up to date", "took", time.Since(started).Round(time.Millisecond))
	}
	return d, dataDir, nil
}

// notifyRestart tells the administrators that the database stopped and was started again by
// itself, so that a recurring cause (a disk filling up, a failing drive) gets looked at.
func notifyRestart(ctx context.Context, d *db.DB, r db.Restart, log *slog.Logger) {
	msg := i18n.M("notify.db_restarted.text", "at", r.DiedAt.UTC().Format("2006-01-02 15:04:05"), "down", r.Down.Round(100*time.Millisecond).String())
	if _, err := notify.RoleMsg(ctx, d.Pool, "admin", "database_restarted", i18n.M("notify.db_restarted.title"), msg); err != nil {
		log.Error("notify administrators of the database restart", "err", err)
	}
}

// backupDir is where backups and the WAL archive go: CHELAL_BACKUP_DIR, or the folder an
// administrator chose, or <data dir>/backups.
func backupDir(env Env, dataDir string) string {
	return backup.LoadFolder(dataDir, env.Getenv("CHELAL_BACKUP_DIR")).Dir()
}

// archiving says whether the embedded server archives its WAL for point-in-time recovery
// (CHELAL_PITR=off turns it off).
func archiving(env Env) bool { return env.Getenv("CHELAL_PITR") != "off" }

// core is what serve and the desktop window run: the one handler of the API and the UI, and
// the background work (scheduled backups) that Run does until its context ends.
type core struct {
	handler  http.Handler
	schedule *backup.Schedule // nil: scheduled backups are off
	pharmacy *pharmacy.Service
	log      *slog.Logger
}

// Run does the core's background work until ctx ends.
func (c core) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if c.pharmacy != nil {
		// Expiry warnings: at start, then hourly (each batch is notified once).
		wg.Go(func() { c.pharmacy.Run(ctx, time.Hour, c.log) })
	}
	if c.schedule != nil {
		c.schedule.Run(ctx)
	}
	wg.Wait()
}

// newCore builds the core for the database d and the data dir.
func newCore(ctx context.Context, env Env, d *db.DB, dataDir string, log *slog.Logger, afterRestore func()) (core, error) {
	authSvc, err := newAuth(env, d, dataDir)
	if err != nil {
		return core{}, err
	}
	folder := backup.LoadFolder(dataDir, env.Getenv("CHELAL_BACKUP_DIR"))
	keep, err := leftoverRetention(env)
	if err != nil {
		return core{}, err
	}
	lowDisk, err := lowDiskThreshold(env)
	if err != nil {
		return core{}, err
	}
	backups := server.BackupConfig{Folder: folder, Passphrase: env.Getenv("CHELAL_BACKUP_PASSPHRASE"), LeftoverRetention: keep, LowDisk: lowDisk, DataDir: dataDir}
	billingSvc, clinicalSvc, pharmacySvc := billing.NewService(d), clinical.NewService(d), pharmacy.NewService(d)
	billingSvc.Wire(clinicalSvc, pharmacySvc, log)
	hostNames, err := config.HostNames(env.Getenv("CHELAL_HOST_NAMES"))
	if err != nil {
		return core{}, fmt.Errorf("CHELAL_HOST_NAMES: %w", err)
	}
	c := core{pharmacy: pharmacySvc, log: log, handler: server.New(server.Deps{
		DB:           d,
		Auth:         authSvc,
		Patients:     patients.NewService(d),
		Appointments: appointments.NewService(d),
		Clinical:     clinicalSvc,
		Pharmacy:     pharmacySvc,
		Billing:      billingSvc,
		Backups:      backups,
		AfterRestore: afterRestore,
		Frontend:     frontend.Dist(),
		Log:          log,
		Version:      env.Version,
		HostNames:    hostNames,
	})}
	if env.Getenv("CHELAL_BACKUP_SCHEDULE") != "off" {
		latest, err := latestSchema(ctx, d)
		if err != nil {
			return core{}, err
		}
		loc, err := patients.ClinicLocation(ctx, d.Pool)
		if err != nil {
			return core{}, err
		}
		c.schedule = &backup.Schedule{DB: d, Folder: folder, Passphrase: backups.Passphrase, Version: env.Version, DataDir: dataDir,
			Log: log, LatestSchema: latest, Location: loc, BaseBackups: d.Embedded() != nil && archiving(env),
			LeftoverRetention: keep, LowDisk: lowDisk}
	}
	return c, nil
}

// leftoverRetention is how long leftovers are kept (CHELAL_LEFTOVER_DAYS; 0: the default).
func leftoverRetention(env Env) (time.Duration, error) {
	v := env.Getenv("CHELAL_LEFTOVER_DAYS")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 3650 {
		return 0, fmt.Errorf("CHELAL_LEFTOVER_DAYS %q must be a number of days from 1 to 3650", v)
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

// lowDiskThreshold is the free space under which a disk is low (CHELAL_DISK_LOW_MB; 0: the
// default).
func lowDiskThreshold(env Env) (uint64, error) {
	v := env.Getenv("CHELAL_DISK_LOW_MB")
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseUint(v, 10, 32)
	if err != nil || n < 1 {
		return 0, fmt.Errorf("CHELAL_DISK_LOW_MB %q must be a number of megabytes (at least 1)", v)
	}
	return n << 20, nil
}

// newAuth builds the auth service: the 2FA key and profile images live in the data dir.
func newAuth(env Env, d *db.DB, dataDir string) (*auth.Service, error) {
	box, err := auth.LoadOrCreateKey(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	cfg := auth.Config{ProfileImageDir: filepath.Join(dataDir, "media", "profile")}
	if v := env.Getenv("CHELAL_SESSION_IDLE_MINUTES"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 24*60 {
			return nil, fmt.Errorf("CHELAL_SESSION_IDLE_MINUTES %q must be a number of minutes from 1 to 1440", v)
		}
		cfg.IdleTimeout = time.Duration(n) * time.Minute
	}
	// Each hash holds 19 MiB: as many at once as there are cores, the rest wait.
	return auth.NewService(d, auth.NewHasher(auth.DefaultPasswordParams(), runtime.NumCPU()), box, cfg), nil
}

func runServe(ctx context.Context, env Env, args []string) error {
	var c common
	fs := newFlags(env, "serve", &c)
	addr := fs.String("addr", orDefault(env.Getenv("CHELAL_ADDR"), config.DefaultAddr), "listen address; 0.0.0.0:7300 serves the clinic's LAN")
	hostNames := fs.String("host-names", env.Getenv("CHELAL_HOST_NAMES"), "more host names (or addresses) to answer for, comma-separated; others are refused")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("serve takes no arguments, got %q", fs.Args())
	}
	if _, err := config.HostNames(*hostNames); err != nil {
		return usageErr("--host-names: %v", err)
	}
	// The core reads the names from the environment (the desktop has no flags).
	getenv := env.Getenv
	env.Getenv = func(k string) string {
		if k == "CHELAL_HOST_NAMES" {
			return *hostNames
		}
		return getenv(k)
	}
	log := newLogger(env)
	started := time.Now()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Take the address first: a port in use is reported before PostgreSQL is started.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another Chelal or program using it? choose another with --addr): %w", *addr, err)
	}
	defer ln.Close()

	live, err := startLive(ctx, env, c, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := live.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	h := http.Handler(live)
	srv := server.NewHTTPServer(*addr, h, log)
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("Chelal is ready", "url", "http://"+displayAddr(ln.Addr()), "took", time.Since(started).Round(time.Millisecond))

	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	log.Info("stopping")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		log.Warn("http shutdown", "err", err)
	}
	return nil
}

func runMigrate(ctx context.Context, env Env, args []string) error {
	var c common
	fs := newFlags(env, "migrate", &c)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		return usageErr("migrate needs up, down N, to V or status")
	}
	var op func(*db.Migrator) error
	switch rest[0] {
	case "up":
		if len(rest) != 1 {
			return usageErr("migrate up takes no argument")
		}
		op = func(m *db.Migrator) error { return m.Up(ctx) }
	case "down":
		n, err := intArg(rest, "migrate down N")
		if err != nil {
			return err
		}
		if n < 1 {
			return usageErr("migrate down N: N must be at least 1")
		}
		op = func(m *db.Migrator) error { return m.Steps(ctx, -n) }
	case "to":
		v, err := intArg(rest, "migrate to V")
		if err != nil {
			return err
		}
		if v < 0 {
			return usageErr("migrate to V: V must be 0 or more")
		}
		op = func(m *db.Migrator) error { return m.To(ctx, uint(v)) }
	case "status":
		if len(rest) != 1 {
			return usageErr("migrate status takes no argument")
		}
		op = func(*db.Migrator) error { return nil }
	default:
		return usageErr("unknown migrate action %q (up, down N, to V, status)", rest[0])
	}

	log := newLogger(env)
	d, _, err := openDB(ctx, env, c, log, false)
	if err != nil {
		return err
	}
	defer d.Close()
	m, err := db.NewMigrator(d.DSN(), log)
	if err != nil {
		return err
	}
	defer m.Close()
	if err := op(m); err != nil {
		return err
	}
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	dirty := ""
	if st.Dirty {
		dirty = " (dirty: an interrupted migration; `chelal migrate up` retries it)"
	}
	fmt.Fprintf(env.Stdout, "schema version %04d of %04d%s\n", st.Version, st.Latest, dirty)
	return nil
}

func intArg(rest []string, what string) (int, error) {
	if len(rest) != 2 {
		return 0, usageErr("%s needs exactly one number", what)
	}
	n, err := strconv.Atoi(rest[1])
	if err != nil {
		return 0, usageErr("%s: %q is not a number", what, rest[1])
	}
	return n, nil
}

func displayAddr(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if ok && tcp.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	}
	return a.String()
}

func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
