package db

import (
	"fmt"

	"github.com/golang-migrate/migrate/v4/source/iofs"

	"chelal/migrations"
)

// LatestMigration is the newest migration this build knows, without a database: `chelal
// version` prints it, so that an update (internal/update) can refuse an executable older than
// the clinic's records.
func LatestMigration() (uint, error) {
	src, err := iofs.New(migrations.FS, ".")
	if err != nil {
		return 0, fmt.Errorf("migrations: %w", err)
	}
	defer src.Close()
	all, err := knownVersions(src)
	if err != nil || len(all) == 0 {
		return 0, err
	}
	return all[len(all)-1], nil
}
