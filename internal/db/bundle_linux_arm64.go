package db

import "embed"

// bundle holds the PostgreSQL archive made by build/bundle-postgres.sh for this platform.
// A fresh clone has only the .gitkeep here: it compiles, and Start says how to add the archive.
//
//go:embed all:pgbundle/linux-arm64
var bundle embed.FS

const bundleDir = "pgbundle/linux-arm64"
