// Package app is Chelal's desktop shell (Wails v2): the window, its lifecycle, and the struct
// bound to the webview. It holds no SQL and no rules: the CLI passes in a Start function that
// opens the database and builds the same http.Handler that `chelal serve` gives the LAN.
//
// Lifecycle (Run, in the desktop build only: -tags desktop,production,webkit2_41):
//
//   - The window shows at once. Until Start returns, a gate answers every request itself: a
//     self-contained splash page for page paths ("Chelal is starting…" with Start's progress
//     notes; its script, /_chelal-splash/splash.js, is a separate file because the CSP forbids
//     inline script) and a 503 application/problem+json for /api/ (type .../starting, with
//     Retry-After). The splash polls /api/v1/health and reloads into the app when it answers
//     200. If Start fails, the splash shows why (type .../startup-failed) and Run returns the
//     error when the window is closed.
//   - The webview reaches the handler through Wails' assetserver.Options{Handler} (requests
//     with Host "wails" and the fake remote address 192.0.2.1:1234, which the server reports
//     as 127.0.0.1). WebKitGTK keeps no cookie for the wails:// scheme, so the webview's
//     requests pass through an in-memory cookie jar (cookies.go) that stands in for the
//     browser's: the session cookie of a login works, and closing the window logs out.
//     JavaScript cannot read or write cookies in the window (document.cookie stays empty).
//   - Closing the window, SIGTERM or SIGINT (Wails turns both into a close) or the caller's
//     context: LAN sharing stops, then what Start returned is closed (the embedded PostgreSQL
//     stops cleanly). A start in progress is waited for, not interrupted.
//   - Single instance per data dir: options.SingleInstanceLock with InstanceID(dataDir); a
//     second launch exits and the first window is unminimised and shown. On Linux this needs
//     a D-Bus session bus; without one the second window opens and its splash says that
//     Chelal is already open (the data dir's lock refuses a second PostgreSQL).
//
// LAN sharing serves the same handler (not the cookie jar) on 0.0.0.0:<port> over HTTPS, with
// a certificate from the clinic's CA in the data dir (internal/lan: plain HTTP on the same port
// is redirected, or shown the /welcome onboarding page). Its on/off state and port persist in <data dir>/desktop.json
// ({"lan_sharing": true, "lan_port": 7300}) and are restored at launch once the database is
// up. CHELAL_LAN_ADDR=HOST:PORT (Options.LANAddr) overrides the address, turns sharing on at
// launch and saves nothing: build/desktop/smoke.sh uses it.
//
// The bound struct is Desktop; the UI calls its methods as window.go.app.Desktop.<Method>(...),
// each returning a Promise (rejected with the error's text when the method fails):
//
//	LANStatus(): Promise<LANInfo>
//	SetLANSharing(on: boolean): Promise<LANInfo>
//	OpenDataFolder(): Promise<void>
//	ChooseSaveFile(title: string, defaultName: string): Promise<string> // "" if cancelled
//	ChooseOpenFile(title: string): Promise<string>                     // "" if cancelled
//
// LANInfo is {enabled, addresses: ["https://192.168.1.10:7300", ...], qr_png_data_url, port,
// name_address ("https://chelal.local:7300"), welcome_url, fingerprint (the CA's SHA-256),
// error?}. window.go exists only in the desktop window: a LAN browser must feature-test it.
// build/desktop/bindings.sh generates the typed wrappers (frontend/wailsjs) without the wails
// CLI. Only desktop.go imports Wails (build tag desktop); the rest of the package is plain Go
// and tested by `go test ./app/`.
package app
