//go:build !((linux && (amd64 || arm64)) || (darwin && (amd64 || arm64)) || (windows && amd64))

package db

import "embed"

// bundle is empty on platforms for which no PostgreSQL package exists: only an external
// server (DATABASE_URL) can be used there.
var bundle embed.FS

const bundleDir = "pgbundle/none"
