//go:build desktop

package app

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/wailsapp/wails/v2"
	"github.com/wailsapp/wails/v2/pkg/logger"
	"github.com/wailsapp/wails/v2/pkg/options"
	"github.com/wailsapp/wails/v2/pkg/options/assetserver"
	"github.com/wailsapp/wails/v2/pkg/options/linux"
	"github.com/wailsapp/wails/v2/pkg/runtime"
)

//go:embed appicon.png
var appIcon []byte

// Desktop is the struct bound to the webview: its exported methods are what the UI can call on
// the desktop alone, as window.go.app.Desktop.<Method>(...), each returning a Promise. Every
// other thing the UI does goes through fetch('/api/v1/...'), the same in the window and in a
// LAN browser. Keep this struct's exported methods to desktop-only actions.
type Desktop struct {
	lan     *lanSharing
	dataDir string

	mu  sync.Mutex
	ctx context.Context // Wails' runtime context, set at startup
}

// LANStatus tells whether this computer shares Chelal with the clinic's LAN, and at which
// addresses (with a QR code of the first).
func (d *Desktop) LANStatus() (LANInfo, error) {
	return d.lan.Info(), nil
}

// SetLANSharing turns LAN sharing on or off; the choice is remembered for the next launch.
func (d *Desktop) SetLANSharing(on bool) (LANInfo, error) {
	return d.lan.Set(on)
}

// OpenDataFolder shows Chelal's data folder in the file manager.
func (d *Desktop) OpenDataFolder() error {
	return openFolder(d.dataDir)
}

// ChooseSaveFile asks where to save a file; "" when the user cancels.
func (d *Desktop) ChooseSaveFile(title, defaultName string) (string, error) {
	ctx, err := d.runtimeContext()
	if err != nil {
		return "", err
	}
	return runtime.SaveFileDialog(ctx, runtime.SaveDialogOptions{Title: title, DefaultFilename: defaultName, CanCreateDirectories: true})
}

// ChooseOpenFile asks for a file to open; "" when the user cancels.
func (d *Desktop) ChooseOpenFile(title string) (string, error) {
	ctx, err := d.runtimeContext()
	if err != nil {
		return "", err
	}
	return runtime.OpenFileDialog(ctx, runtime.OpenDialogOptions{Title: title})
}

// ChooseFolder asks for a folder (the backup folder: a second disk, a USB drive) with the
// system's own dialog; "" when the user cancels.
func (d *Desktop) ChooseFolder(title string) (string, error) {
	ctx, err := d.runtimeContext()
	if err != nil {
		return "", err
	}
	return runtime.OpenDirectoryDialog(ctx, runtime.OpenDialogOptions{Title: title, CanCreateDirectories: true})
}

func (d *Desktop) runtimeContext() (context.Context, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.ctx == nil {
		return nil, errors.New("the window is not ready yet")
	}
	return d.ctx, nil
}

func (d *Desktop) setRuntimeContext(ctx context.Context) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.ctx = ctx
}

// Run opens the desktop window and blocks until it is closed (or the process gets SIGTERM or
// SIGINT, which Wails turns into a window close). The window shows at once, served by a
// splash while o.Start runs; then the real handler serves it, and LAN sharing is restored if
// it was on. On close: LAN sharing stops, then what Start returned is closed (the embedded
// PostgreSQL stops cleanly). Nothing heavy happens before the window's startup: `wails build`
// runs this to generate the JS bindings.
func Run(ctx context.Context, o Options) error {
	if o.Start == nil || o.DataDir == "" {
		return errors.New("app.Run needs a data dir and a start function")
	}
	log := o.Log
	if log == nil {
		log = discardLogger()
	}
	dataDir, err := filepath.Abs(o.DataDir)
	if err != nil {
		return err
	}
	title := o.Title
	if title == "" {
		title = "Chelal"
	}
	launched := time.Now()

	g := newGate()
	lan := newLANSharing(g, log, &settingsFile{path: filepath.Join(dataDir, SettingsFileName), log: log}, o.LANAddr)
	lan.tls = o.LAN
	d := &Desktop{lan: lan, dataDir: dataDir}

	var (
		mu       sync.Mutex
		closing  bool
		starting sync.WaitGroup
		closer   io.Closer
		startErr error
	)
	runDone := make(chan struct{})

	onStartup := func(wctx context.Context) {
		d.setRuntimeContext(wctx)
		mu.Lock()
		defer mu.Unlock()
		if closing {
			return
		}
		starting.Add(1)
		go func() {
			select { // the caller's context ends the app like a window close
			case <-ctx.Done():
				runtime.Quit(wctx)
			case <-runDone:
			}
		}()
		go func() {
			defer starting.Done()
			// Start is not cancelled when the window closes: stopping initdb or a migration
			// half-way does more harm than waiting a few seconds for it to finish.
			h, c, err := o.Start(ctx, g.setNote)
			mu.Lock()
			closer, startErr = c, err
			closed := closing
			mu.Unlock()
			if err != nil {
				log.Error("Chelal could not start", "err", err)
				g.setFailed(err)
				return
			}
			g.setReady(h)
			log.Info("Chelal is ready", "took", time.Since(launched).Round(time.Millisecond))
			if !closed {
				lan.restore()
			}
		}()
	}

	runErr := runWails(&options.App{
		Title:            title,
		Width:            1280,
		Height:           800,
		MinWidth:         800,
		MinHeight:        560,
		BackgroundColour: &options.RGBA{R: 244, G: 247, B: 248, A: 255},       // the splash's background
		AssetServer:      &assetserver.Options{Handler: newWebviewCookies(g)}, // the LAN gets g itself
		OnStartup:        onStartup,
		Bind:             []interface{}{d},
		SingleInstanceLock: &options.SingleInstanceLock{
			UniqueId: InstanceID(dataDir),
			OnSecondInstanceLaunch: func(options.SecondInstanceData) {
				wctx, err := d.runtimeContext()
				if err != nil {
					return
				}
				log.Info("Chelal was launched again: showing this window")
				runtime.WindowUnminimise(wctx)
				runtime.WindowShow(wctx)
			},
		},
		Logger:             wailsLog{log},
		LogLevel:           logger.INFO,
		LogLevelProduction: logger.WARNING,
		Linux: &linux.Options{
			Icon:             appIcon,
			ProgramName:      "chelal",
			WebviewGpuPolicy: linux.WebviewGpuPolicyNever, // software rendering: no blank window on odd GPUs
		},
	})
	close(runDone)

	// The window is closed: wait for a start in progress, then release everything.
	mu.Lock()
	closing = true
	mu.Unlock()
	waited := make(chan struct{})
	go func() { starting.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(2 * time.Minute):
		log.Error("the database did not finish starting within 2 minutes of the window closing; exiting without stopping it")
		return errors.Join(runErr, errors.New("start did not finish"))
	}
	var errs []error
	if runErr != nil {
		errs = append(errs, runErr)
	}
	if err := lan.Close(); err != nil {
		log.Warn("stop LAN sharing", "err", err)
	}
	mu.Lock()
	c, sErr := closer, startErr
	mu.Unlock()
	if c != nil {
		if err := c.Close(); err != nil {
			errs = append(errs, fmt.Errorf("close: %w", err))
		}
	}
	if sErr != nil {
		errs = append(errs, sErr)
	}
	return errors.Join(errs...)
}

// runWails runs the Wails app and turns its panic at GTK initialisation (no display) into
// ErrNoDisplay.
func runWails(opts *options.App) (err error) {
	defer func() {
		if p := recover(); p != nil {
			msg := fmt.Sprint(p)
			if strings.Contains(msg, "init GTK") {
				err = fmt.Errorf("%w (%s)", ErrNoDisplay, msg)
				return
			}
			err = fmt.Errorf("desktop window: %s", msg)
		}
	}()
	return wails.Run(opts)
}

// wailsLog sends Wails' messages to the app's logger.
type wailsLog struct{ log *slog.Logger }

func (l wailsLog) Print(m string)   { l.log.Info(m, "from", "wails") }
func (l wailsLog) Trace(m string)   { l.log.Debug(m, "from", "wails") }
func (l wailsLog) Debug(m string)   { l.log.Debug(m, "from", "wails") }
func (l wailsLog) Info(m string)    { l.log.Info(m, "from", "wails") }
func (l wailsLog) Warning(m string) { l.log.Warn(m, "from", "wails") }
func (l wailsLog) Error(m string)   { l.log.Error(m, "from", "wails") }
func (l wailsLog) Fatal(m string)   { l.log.Error(m, "from", "wails") }
