// Package frontend carries the clinic UI, built by Vite into dist/ and embedded in the binary.
// A fresh clone has only dist/.gitkeep, so the embed always compiles.
package frontend

import "embed"

// Dist is the built UI (dist/).
//
//go:embed all:dist
var Dist embed.FS
