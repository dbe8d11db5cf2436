//go:build desktop

package app

import (
	"errors"
	"strings"

	"github.com/wailsapp/wails/v2/pkg/runtime"
)

// OpenCallInBrowser opens a video consultation (path, e.g. /video/12) in the system browser at
// this computer's HTTPS LAN address: Debian's WebKitGTK webview has no WebRTC (see README, "Video
// consultations"), the browser has. Only the LAN addresses this window serves are opened.
func (d *Desktop) OpenCallInBrowser(path string) error {
	if !strings.HasPrefix(path, "/video/") || strings.ContainsAny(path, "?#\\") || strings.Contains(path, "..") {
		return errors.New("not a video consultation")
	}
	info := d.lan.Info()
	if !info.Enabled || len(info.Addresses) == 0 {
		return errors.New("share Chelal on the LAN first (This computer): the call opens at its HTTPS address")
	}
	base := info.Addresses[0]
	ctx, err := d.runtimeContext()
	if err != nil {
		return err
	}
	runtime.BrowserOpenURL(ctx, base+path)
	return nil
}
