package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"

	lanhttps "chelal/internal/lan"
)

// StartFunc starts the core (database, migrations, services) and returns the handler to serve
// and what to close when the window closes. It reports what it is doing through progress, which
// the splash shows. It must stop early, releasing what it took, when ctx is cancelled.
type StartFunc func(ctx context.Context, progress func(note string)) (http.Handler, io.Closer, error)

// Options configure the desktop app.
type Options struct {
	// DataDir is Chelal's data folder: desktop.json lives there, OpenDataFolder opens it, and
	// the single-instance id derives from it. Required.
	DataDir string
	// Start builds the real handler once the window shows. Required.
	Start StartFunc
	// Log receives the desktop's and Wails' messages. Nil: discard.
	Log *slog.Logger
	// Title is the window title (default "Chelal").
	Title string
	// LANAddr, when set (CHELAL_LAN_ADDR), is where LAN sharing listens instead of
	// 0.0.0.0:<lan_port of desktop.json>; sharing is then on at launch and the on/off choice
	// is not saved. For tests and special set-ups.
	LANAddr string
	// LAN configures LAN sharing's HTTPS: the mDNS name, trusted proxies, the Host check of
	// its plain-HTTP side (its DataDir: DataDir).
	LAN lanhttps.Options
}

// ErrNoDisplay is returned by Run when no window can be opened (no X11/Wayland display).
var ErrNoDisplay = errors.New("no display to open the desktop window on")

// InstanceID is the single-instance id of the app for a data dir: two windows on one data dir
// are one app, and the second launch focuses the first window.
func InstanceID(dataDir string) string {
	abs, err := filepath.Abs(dataDir)
	if err != nil {
		abs = dataDir
	}
	sum := sha256.Sum256([]byte(abs))
	return "chelal-" + hex.EncodeToString(sum[:8])
}

func discardLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }
