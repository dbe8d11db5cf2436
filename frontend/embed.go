// Package frontend carries the clinic UI, built by Vite into dist/ and embedded in the binary.
// A fresh clone has only dist/.gitkeep, so the embed always compiles.
package frontend

import (
	"embed"
	"io/fs"
)

//go:embed all:dist
var dist embed.FS

// Dist returns the built UI: the contents of dist/ (index.html at its root).
func Dist() fs.FS {
	sub, err := fs.Sub(dist, "dist")
	if err != nil { // "dist" is a valid path: fs.Sub cannot fail on it
		panic(err)
	}
	return sub
}
