package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"chelal/internal/backup"
	"chelal/internal/config"
	"chelal/internal/db"
)

// backupBeforeUpgrade takes a backup, and verifies it by restoring it, when this Chelal is about
// to migrate an existing schema up (a newer Chelal on an older data dir, or an upgraded external
// database): if a migration went wrong, the clinic's records as they were a moment before are in
// the backup folder. When the backup cannot be taken or fails its verification, nothing is
// migrated and the start is refused with the reason (a full disk is the usual one);
// CHELAL_UPGRADE_BACKUP=off skips it, for the administrator who has just taken one by hand.
//
// A new database (no schema yet), one already up to date, one newer than this Chelal (Migrate
// refuses it with its own message) and a dirty one (a migration interrupted: Migrate recovers
// it first) are left to Migrate.
func backupBeforeUpgrade(ctx context.Context, cfg *config.Config, d *db.DB, dataDir string, log *slog.Logger) error {
	if !cfg.UpgradeBackup {
		return nil
	}
	mg, err := db.NewMigrator(d.DSN(), nil)
	if err != nil {
		return err
	}
	st, err := mg.Status(ctx)
	_ = mg.Close()
	if err != nil {
		return err
	}
	if st.Version == 0 || st.Dirty || st.Version >= st.Latest {
		return nil
	}
	dir := backupDir(cfg, dataDir)
	log.Info("upgrading the schema: taking a verified backup first", "from", st.Version, "to", st.Latest, "dir", dir)
	info, err := backup.CreateVerified(ctx, d, dir, backup.Options{
		ChelalVersion: cfg.Version, Passphrase: cfg.BackupPassphrase, DataDir: dataDir,
	}, st.Latest, log)
	if err != nil {
		return fmt.Errorf("the backup taken before upgrading the clinic's records from schema %d to %d failed, so nothing was changed "+
			"(free space in %s, or set CHELAL_UPGRADE_BACKUP=off once a backup has been taken by hand): %w", st.Version, st.Latest, dir, err)
	}
	log.Info("backup before the upgrade written and verified", "file", info.File)
	return nil
}

// selfExecutable is the running executable's path, symlinks resolved, which an update from
// file replaces ("" : unknown, and then updates from file are refused).
func selfExecutable(log *slog.Logger) string {
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		log.Warn("the running executable is unknown: updates from file are refused", "error", err)
		return ""
	}
	return exe
}
