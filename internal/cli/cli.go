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
	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/config"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/lan"
	"chelal/internal/notify"
	"chelal/internal/patients"
	"chelal/internal/pharmacy"
	"chelal/internal/reports"
	"chelal/internal/server"
	"chelal/internal/settings"
	"chelal/internal/update"
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
  chelal lan info             the HTTPS address for workstations, its QR code, the clinic CA's fingerprint
  chelal lan ca --export FILE write the clinic CA's certificate to FILE (for a USB stick)
  chelal openapi              print the API's OpenAPI 3.1 document
  chelal version              print the version, the newest schema migration it knows, the build kind
  chelal help [command]       this text, or a command's flags

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
	case "lan":
		err = runLAN(env, args[1:])
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
		// The newest migration: an offline update reads it to refuse an older executable.
		latest, err := db.LatestMigration()
		if err != nil {
			fmt.Fprintln(env.Stderr, "chelal:", err)
			return exitError
		}
		fmt.Fprintf(env.Stdout, "schema %04d\nbuild %s\n", latest, buildKind)
		return exitOK
	case "help", "--help", "-h", "-help":
		fmt.Fprint(env.Stdout, usage+"Bringing existing records in:\n"+importUsage+"\n"+config.Help())
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

// newFlags returns the flag set of a database command, with the --data-dir every one takes;
// the settings (config.Load) are read first, so that a flag overrides its variable.
func newFlags(env Env, name string) (*flag.FlagSet, *config.Config) {
	cfg := config.Load(env.Getenv)
	cfg.Version = env.Version
	fs := flag.NewFlagSet("chelal "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	cfg.Flags(fs, "data-dir")
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage of chelal %s:\n", name)
		fs.PrintDefaults()
		fmt.Fprint(env.Stderr, "\n"+config.Help())
	}
	return fs, cfg
}

func newLogger(env Env, cfg *config.Config) *slog.Logger {
	return slog.New(slog.NewTextHandler(env.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel}))
}

// openDB opens the external database or starts the embedded one, and migrates it up when
// migrate is true. It also returns the data dir (which holds keys and files even when the
// database is external).
func openDB(ctx context.Context, cfg *config.Config, log *slog.Logger, migrate bool) (*db.DB, string, error) {
	if err := cfg.Err(); err != nil {
		return nil, "", err
	}
	ext := cfg.DatabaseURL
	dataDir, err := cfg.ResolveDataDir()
	if err != nil {
		return nil, "", err
	}
	if ext != "" {
		log.Info("using the external PostgreSQL from the environment")
	} else {
		log.Info("using the embedded PostgreSQL", "data_dir", dataDir)
	}
	if err := backup.CheckOutsideData(dataDir, cfg.BackupDir); err != nil {
		return nil, "", fmt.Errorf("CHELAL_BACKUP_DIR: %w", err)
	}
	var params map[string]string
	if ext == "" && cfg.PITR {
		// Every start of the embedded server archives its WAL, whatever the command: a start
		// without would leave a hole that no recovery could cross. A missing folder (a USB
		// drive unplugged) only delays archiving: PostgreSQL keeps the WAL until it is back.
		wal := backup.WALDir(backupDir(cfg, dataDir))
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
		if err := backupBeforeUpgrade(ctx, cfg, d, dataDir, log); err != nil {
			return nil, "", errors.Join(err, d.Close())
		}
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
func backupDir(cfg *config.Config, dataDir string) string {
	return backup.LoadFolder(dataDir, cfg.BackupDir).Dir()
}

// core is what serve and the desktop window run: the one handler of the API and the UI, and
// the background work (scheduled backups) that Run does until its context ends.
type core struct {
	handler  http.Handler
	schedule *backup.Schedule // nil: scheduled backups are off
	pharmacy *pharmacy.Service
	patients *patients.Service // nil: name searches take the SQL path only
	reports  *reports.Service  // nil: the report cache is filled by its readers only
	log      *slog.Logger
}

// Run does the core's background work until ctx ends.
func (c core) Run(ctx context.Context) {
	var wg sync.WaitGroup
	if c.pharmacy != nil {
		// Expiry warnings: at start, then hourly (each batch is notified once).
		wg.Go(func() { c.pharmacy.Run(ctx, time.Hour, c.log) })
	}
	if c.patients != nil {
		// The name search's index in memory: built at start, brought forward every second.
		wg.Go(func() { c.patients.Run(ctx, c.log) })
	}
	if c.reports != nil {
		// The reports' day cache: filled ahead at start, then the closed and forgotten days.
		wg.Go(func() { c.reports.Run(ctx, 10*time.Minute, c.log) })
	}
	if c.schedule != nil {
		c.schedule.Run(ctx)
	}
	wg.Wait()
}

// newCore builds the core for the database d and the data dir.
func newCore(ctx context.Context, env Env, cfg *config.Config, d *db.DB, dataDir string, log *slog.Logger, afterRestore func()) (core, error) {
	authSvc, err := newAuth(cfg, d, dataDir)
	if err != nil {
		return core{}, err
	}
	folder := backup.LoadFolder(dataDir, cfg.BackupDir)
	keep, lowDisk := cfg.LeftoverRetention, cfg.DiskLow
	backups := server.BackupConfig{Folder: folder, Passphrase: cfg.BackupPassphrase, LeftoverRetention: keep, LowDisk: lowDisk, DataDir: dataDir}
	deps, h := server.Wire(d, authSvc, server.Deps{
		Backups:        backups,
		AfterRestore:   afterRestore,
		Frontend:       frontend.Dist(),
		Log:            log,
		Version:        env.Version,
		HostNames:      cfg.HostNames,
		TrustedProxies: cfg.TrustedProxies,
		ICEServers:     iceServers(cfg),
		Update:         update.Config{Executable: selfExecutable(log), ReleaseKey: update.ReleaseKey(), Kind: buildKind},
	})
	c := core{pharmacy: deps.Pharmacy, patients: deps.Patients, reports: deps.Reports, log: log, handler: h}
	if cfg.BackupSchedule {
		latest, err := backup.LatestSchema(ctx, d)
		if err != nil {
			return core{}, err
		}
		loc, err := settings.Location(ctx, d.Pool)
		if err != nil {
			return core{}, err
		}
		c.schedule = &backup.Schedule{DB: d, Folder: folder, Passphrase: backups.Passphrase, Version: env.Version, DataDir: dataDir,
			Log: log, LatestSchema: latest, Location: loc, BaseBackups: d.Embedded() != nil && cfg.PITR,
			LeftoverRetention: keep, LowDisk: lowDisk}
	}
	return c, nil
}

// newAuth builds the auth service: the 2FA key and profile images live in the data dir.
func newAuth(cfg *config.Config, d *db.DB, dataDir string) (*auth.Service, error) {
	box, err := auth.LoadOrCreateKey(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return nil, err
	}
	ac := auth.Config{ProfileImageDir: filepath.Join(dataDir, "media", "profile"), IdleTimeout: cfg.SessionIdle}
	// Each hash holds 19 MiB: as many at once as there are cores, the rest wait.
	return auth.NewService(d, auth.NewHasher(auth.DefaultPasswordParams(), runtime.NumCPU()), box, ac), nil
}

func runServe(ctx context.Context, env Env, args []string) error {
	fs, cfg := newFlags(env, "serve")
	cfg.Flags(fs, "addr", "host-names", "tls-cert", "tls-key")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("serve takes no arguments, got %q", fs.Args())
	}
	if err := cfg.Err(); err != nil {
		return err
	}
	addr := &cfg.Addr
	log := newLogger(env, cfg)
	loopback, err := lan.IsLoopbackAddr(*addr)
	if err != nil {
		return usageErr("--addr %q: %v", *addr, err)
	}
	// A LAN address (or the clinic's own certificate) is served over HTTPS; loopback alone may
	// stay plain HTTP (nothing crosses the network).
	// The CA is made (or read) only once the database is up, as the user Chelal runs as: a
	// start refused (as root, a disk full) leaves no key behind that Chelal could not read.
	var lanOpts *lan.Options
	if !loopback || cfg.TLSCert != "" || cfg.TLSKey != "" {
		dataDir, err := cfg.ResolveDataDir()
		if err != nil {
			return err
		}
		o, err := lanOptions(cfg, dataDir, log)
		if err != nil {
			return err
		}
		names, err := lanHostNames(o)
		if err != nil {
			return err
		}
		cfg.HostNames = append(cfg.HostNames, names...)
		lanOpts = &o
	}
	started := time.Now()
	stopProfile, err := startCPUProfile(cfg.CPUProfile, log)
	if err != nil {
		return err
	}
	defer stopProfile()

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()

	// Take the address first: a port in use is reported before PostgreSQL is started.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("cannot listen on %s (is another Chelal or program using it? choose another with --addr): %w", *addr, err)
	}
	defer ln.Close()

	live, err := startLive(ctx, env, cfg, log)
	if err != nil {
		return err
	}
	defer func() {
		if err := live.Close(); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	h := http.Handler(live)
	var srv httpServer = server.NewHTTPServer(*addr, h, log)
	url := "http://" + displayAddr(ln.Addr())
	var lanSrv *lan.Server
	if lanOpts != nil {
		if lanSrv, err = newLANServer(*addr, h, *lanOpts, log); err != nil {
			return err
		}
		srv, url = lanSrv, lanURLs(ln.Addr(), lanOpts.Machine)[0]
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	log.Info("Chelal is ready", "url", url, "took", time.Since(started).Round(time.Millisecond))
	if lanSrv != nil && lanSrv.CA != nil {
		log.Info("workstations: first time, open the address with http:// and /welcome to install the clinic's certificate; compare its fingerprint",
			"welcome", strings.Replace(url, "https://", "http://", 1)+"/welcome", "ca_sha256", lanSrv.CA.Fingerprint())
	}

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
	fs, cfg := newFlags(env, "migrate")
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

	log := newLogger(env, cfg)
	d, _, err := openDB(ctx, cfg, log, false)
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
