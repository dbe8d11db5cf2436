package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chelal/internal/backup"
	"chelal/internal/config"
	"chelal/internal/db"
)

// passphrase is the backup passphrase: the --passphrase-file's, or CHELAL_BACKUP_PASSPHRASE.
func passphrase(cfg *config.Config, file string) (string, error) {
	if file != "" {
		raw, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("passphrase file: %w", err)
		}
		return strings.TrimRight(string(raw), "\r\n"), nil
	}
	return cfg.BackupPassphrase, nil
}

// backupRun is what backup, verify-backup and restore share once their arguments are read:
// the open database, the passphrase, the newest schema this Chelal knows.
type backupRun struct {
	d       *db.DB
	cfg     *config.Config
	dataDir string
	file    string // the backup file argument, for verify-backup and restore
	pass    string
	latest  uint
	log     *slog.Logger
}

// startBackupRun parses the command's flags (extra adds its own) and opens the database.
// wantFile says whether the command takes one backup file argument. Close the run's d.
func startBackupRun(ctx context.Context, env Env, name string, args []string, wantFile, migrate bool, extra func(*flag.FlagSet)) (*backupRun, error) {
	fs, cfg := newFlags(env, name)
	passFile := fs.String("passphrase-file", "", "file holding the backup passphrase (or set CHELAL_BACKUP_PASSPHRASE)")
	if extra != nil {
		extra(fs)
	}
	if err := parseFlags(fs, args); err != nil {
		return nil, err
	}
	r := &backupRun{cfg: cfg, log: newLogger(env, cfg)}
	switch {
	case wantFile && fs.NArg() != 1:
		return nil, usageErr("%s needs exactly one backup file", name)
	case !wantFile && fs.NArg() != 0:
		return nil, usageErr("%s takes no arguments", name)
	case wantFile:
		r.file = fs.Arg(0)
	}
	var err error
	if r.pass, err = passphrase(cfg, *passFile); err != nil {
		return nil, err
	}
	if r.file != "" {
		if _, err := backup.ReadHeader(r.file, r.pass); err != nil {
			return nil, fmt.Errorf("%s cannot be used: %w", r.file, err)
		}
	}
	if r.d, r.dataDir, err = openDB(ctx, cfg, r.log, migrate); err != nil {
		return nil, err
	}
	if r.latest, err = backup.LatestSchema(ctx, r.d); err != nil {
		return nil, errors.Join(err, r.d.Close())
	}
	return r, nil
}

// runBackup is `chelal backup [--out DIR]`: write a backup, then prove it by restoring it into
// a scratch database.
func runBackup(ctx context.Context, env Env, args []string) error {
	var out *string
	var base *bool
	r, err := startBackupRun(ctx, env, "backup", args, false, true, func(fs *flag.FlagSet) {
		out = fs.String("out", "", "folder for the backup (default CHELAL_BACKUP_DIR or <data dir>/backups)")
		base = fs.Bool("base", false, "also take a base backup for point-in-time recovery (beside the WAL archive: <backup folder>/base)")
	})
	if err != nil {
		return err
	}
	defer r.d.Close()
	dir := *out
	if dir == "" {
		dir = backupDir(r.cfg, r.dataDir)
	}
	began := time.Now()
	if *base {
		// Beside the WAL archive, wherever --out puts the logical backup.
		dir := backupDir(r.cfg, r.dataDir)
		info, err := r.d.BaseBackup(ctx, backup.BaseDir(dir))
		if err != nil {
			return fmt.Errorf("base backup: %w", err)
		}
		fmt.Fprintf(env.Stdout, "base backup written: %s (%.1f MB); point-in-time recovery can reach any moment from %s on\n",
			filepath.Join(backup.BaseDir(dir), info.File), float64(info.Bytes)/1e6, info.FinishedAt.Local().Format("2006-01-02 15:04:05"))
		check, err := r.d.VerifyBaseBackup(ctx, filepath.Join(backup.BaseDir(dir), info.File), backup.WALDir(dir))
		if err != nil {
			return fmt.Errorf("the base backup %s failed its check: %w", info.File, err)
		}
		fmt.Fprintf(env.Stdout, "base backup verified: replayed in a scratch cluster, %d tables, %d patients\n", check.Tables, check.Patients)
	}
	info, err := backup.CreateVerified(ctx, r.d, dir, backup.Options{ChelalVersion: env.Version, Passphrase: r.pass, DataDir: r.dataDir,
		Progress: func(table string, done, total int) {
			fmt.Fprintf(env.Stderr, "\rbacking up %2d/%d %-28s", done+1, total, table)
		}}, r.latest, r.log)
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "backup written: %s (%d tables, %d rows, %.1f MB)\nverified: restored into a scratch database, every table matches its count and checksum (%s in all)\n",
		filepath.Join(dir, info.File), info.Verification.Tables, info.Verification.Rows, float64(info.Size)/1e6, time.Since(began).Round(time.Millisecond))
	return nil
}

// runVerifyBackup is `chelal verify-backup FILE`.
func runVerifyBackup(ctx context.Context, env Env, args []string) error {
	r, err := startBackupRun(ctx, env, "verify-backup", args, true, true, nil)
	if err != nil {
		return err
	}
	defer r.d.Close()
	path := r.file
	res, verr := backup.Verify(ctx, r.d, path, r.pass, r.latest, r.log)
	if _, err := backup.Record(path, res, verr); err != nil {
		r.log.Warn("could not record the verification beside the backup", "err", err)
	}
	if verr != nil {
		return fmt.Errorf("%s is NOT a good backup: %w", path, verr)
	}
	fmt.Fprintf(env.Stdout, "%s is good: written %s by Chelal %s (schema %d), %d tables restored and compared\n",
		path, res.Header.CreatedAt.Format(time.RFC3339), res.Header.ChelalVersion, res.Header.SchemaVersion, len(res.Manifest.Tables))
	return nil
}

// runRestore is `chelal restore FILE`. On the embedded server it restores into a new
// database, checks it, migrates it up and only then switches Chelal to it; the previous
// database is kept. With DATABASE_URL it restores into that database, which must be empty
// (how a clinic moves to a bigger server or a newer PostgreSQL).
func runRestore(ctx context.Context, env Env, args []string) error {
	for _, a := range args {
		if a == "--to" || a == "-to" || strings.HasPrefix(a, "--to=") || strings.HasPrefix(a, "-to=") {
			return runRecover(ctx, env, args)
		}
	}
	r, err := startBackupRun(ctx, env, "restore", args, true, false, nil)
	if err != nil {
		return err
	}
	d, path, log := r.d, r.file, r.log
	defer d.Close()
	progress := func(table string, rows int64, done, total int) {
		fmt.Fprintf(env.Stderr, "\rrestoring [%-30s] %2d/%d %-28s %9d rows", strings.Repeat("#", done*30/max(total, 1)), done, total, table, rows)
	}
	opts := backup.RestoreOptions{Passphrase: r.pass, LatestSchema: r.latest, Log: log, Progress: progress, DataDir: r.dataDir}

	if d.Embedded() == nil { // an external server: into the (empty) database of DATABASE_URL
		opts.MigrateUp = true
		h, _, err := backup.Restore(ctx, path, d.DSN(), opts)
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "restored %s (schema %d) into the external database\n", path, h.SchemaVersion)
		return nil
	}
	res, err := backup.RestoreEmbedded(ctx, d, path, opts)
	fmt.Fprintln(env.Stderr)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "restored %s (written %s, schema %d) into database %s; Chelal uses it from its next start.\nThe previous database %q is kept; remove it once you are sure.\n",
		path, res.Header.CreatedAt.Format(time.RFC3339), res.Header.SchemaVersion, res.Database, res.Previous)
	if res.KeyKeptAs != "" {
		fmt.Fprintf(env.Stdout, "The backup's secret.key (the key of the 2FA secrets) is now in use; the one this computer had is kept as %s.\n", res.KeyKeptAs)
	}
	return nil
}

// targetLayouts are the ways a recovery target may be typed (the machine's local time unless
// an offset is given).
var targetLayouts = []string{time.RFC3339Nano, "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02T15:04:05", "2006-01-02T15:04"}

// parseTarget reads --to: a time, or "latest" for everything the archive holds.
func parseTarget(v string, loc *time.Location) (time.Time, error) {
	if v == "latest" {
		return time.Time{}, nil
	}
	for _, l := range targetLayouts {
		if t, err := time.ParseInLocation(l, strings.TrimSpace(v), loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usageErr("--to %q: give a time like \"2026-11-27 14:05\" (local time) or \"latest\"", v)
}

// runRecover is `chelal restore --to TIME`: point-in-time recovery of the embedded server from
// the newest base backup before TIME and the WAL archive. The cluster it replaces is kept.
func runRecover(ctx context.Context, env Env, args []string) error {
	fs, cfg := newFlags(env, "restore")
	to := fs.String("to", "", `the moment to go back to, e.g. "2026-11-27 14:05" (local time), or "latest"`)
	from := fs.String("backup-dir", "", "the backup folder holding base/ and wal/ (default CHELAL_BACKUP_DIR or <data dir>/backups)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("restore --to takes no backup file: it uses the base backups and the WAL archive")
	}
	if err := cfg.Err(); err != nil {
		return err
	}
	if cfg.DatabaseURL != "" {
		return errors.New("point-in-time recovery works on the embedded server only; an external PostgreSQL is recovered with its own tools")
	}
	target, err := parseTarget(*to, time.Local)
	if err != nil {
		return err
	}
	dataDir, err := cfg.ResolveDataDir()
	if err != nil {
		return err
	}
	dir := *from
	if dir == "" {
		dir = backupDir(cfg, dataDir)
	}
	base, info, err := backup.ChooseBase(dir, target)
	if err != nil {
		return err
	}
	if target.IsZero() {
		fmt.Fprintf(env.Stderr, "recovering everything the archive holds, from the base backup of %s\n", info.FinishedAt.Local().Format("2006-01-02 15:04:05"))
	} else {
		fmt.Fprintf(env.Stderr, "recovering to %s (%s UTC) from the base backup of %s\n", target.Format("2006-01-02 15:04:05 MST"),
			target.UTC().Format("2006-01-02 15:04:05"), info.FinishedAt.Local().Format("2006-01-02 15:04:05"))
	}
	log := newLogger(env, cfg)
	opts := db.EmbeddedOptions{Dir: filepath.Join(dataDir, "pg"), Logger: log}
	if cfg.PITR {
		opts.Parameters = db.ArchiveParameters(backup.WALDir(dir))
	}
	previous, err := db.RecoverTo(ctx, db.RecoverOptions{Embedded: opts, Base: base, WALDir: backup.WALDir(dir), Target: target,
		Progress: func(msg string) { fmt.Fprintln(env.Stderr, msg) }})
	if err != nil {
		return fmt.Errorf("point-in-time recovery failed; Chelal still has its data as before: %w", err)
	}
	fmt.Fprintf(env.Stdout, "recovered to %s; Chelal uses the recovered data from its next start.\nThe data as it was before is kept in %s; remove it once you are sure.\n",
		describeTarget(target), previous)
	return nil
}

func describeTarget(t time.Time) string {
	if t.IsZero() {
		return "the end of the WAL archive"
	}
	return t.Format("2006-01-02 15:04:05 MST")
}
