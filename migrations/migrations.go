// Package migrations holds Chelal's schema history as golang-migrate files
// (NNNN_name.up.sql / NNNN_name.down.sql), named after the original Django migrations.
package migrations

import "embed"

// FS holds every migration file; internal/db applies them.
//
//go:embed *.sql
var FS embed.FS
