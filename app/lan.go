package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	lanhttps "chelal/internal/lan"
	"chelal/internal/server"
)

// DefaultLANPort is the port LAN sharing listens on unless desktop.json says otherwise.
const DefaultLANPort = 7300

// LANInfo is what the UI shows about LAN sharing: whether it is on, the addresses the clinic's
// other computers can open, and a QR code of the first one.
type LANInfo struct {
	Enabled      bool     `json:"enabled"`
	Addresses    []string `json:"addresses"`       // https://<each LAN IPv4 of this computer>:<port>
	QRPNGDataURL string   `json:"qr_png_data_url"` // data:image/png;base64,... of Addresses[0]; "" when none
	Port         int      `json:"port"`
	Error        string   `json:"error,omitempty"` // why sharing is off although it was asked for
	// NameAddress is the address by the advertised mDNS name, e.g. https://chelal.local:7300.
	NameAddress string `json:"name_address,omitempty"`
	// WelcomeURL is the plain-HTTP page that onboards a workstation (the CA to install).
	WelcomeURL string `json:"welcome_url,omitempty"`
	// Fingerprint is the SHA-256 of the clinic's CA, to compare on each workstation.
	Fingerprint string `json:"fingerprint,omitempty"`
}

// lanSharing runs (or not) a net/http listener that serves the desktop's own handler to the
// clinic's LAN. Its on/off state and port persist in the settings file.
type lanSharing struct {
	handler  http.Handler
	log      *slog.Logger
	settings *settingsFile
	// override is CHELAL_LAN_ADDR: listen there instead of 0.0.0.0:<port>, sharing on at
	// launch, and nothing persisted (tests and special set-ups).
	override string
	// tls configures the listener's HTTPS (its DataDir empty: the settings file's folder).
	tls lanhttps.Options

	mu      sync.Mutex
	srv     *lanhttps.Server
	ln      net.Listener
	done    chan struct{} // closed when srv.Serve returns
	lastErr string
}

func newLANSharing(h http.Handler, log *slog.Logger, settings *settingsFile, override string) *lanSharing {
	return &lanSharing{handler: h, log: log, settings: settings, override: override}
}

// restore turns sharing on at launch when the settings (or the override) ask for it.
func (l *lanSharing) restore() {
	s := l.settings.load()
	if l.override == "" && !s.LANSharing {
		return
	}
	if _, err := l.set(false, true); err != nil {
		l.log.Warn("LAN sharing could not be restored", "err", err)
	}
}

// Set turns sharing on or off and remembers the choice for the next launch.
func (l *lanSharing) Set(on bool) (LANInfo, error) {
	return l.set(true, on)
}

func (l *lanSharing) set(persist, on bool) (LANInfo, error) {
	l.mu.Lock()
	var err error
	if on {
		err = l.startLocked()
	} else {
		err = l.stopLocked(5 * time.Second)
		l.lastErr = ""
	}
	if err == nil && persist && l.override == "" {
		s := l.settings.load()
		s.LANSharing = on
		if perr := l.settings.save(s); perr != nil {
			err = fmt.Errorf("LAN sharing is %s, but the choice could not be saved for the next launch: %w", onOff(on), perr)
		}
	}
	l.mu.Unlock()
	return l.Info(), err
}

func (l *lanSharing) addr() string {
	if l.override != "" {
		return l.override
	}
	port := l.settings.load().LANPort
	if port <= 0 || port > 65535 {
		port = DefaultLANPort
	}
	return net.JoinHostPort("0.0.0.0", strconv.Itoa(port))
}

func (l *lanSharing) startLocked() error {
	if l.srv != nil {
		return nil
	}
	addr := l.addr()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		l.lastErr = fmt.Sprintf("Cannot share on %s: %v. Another program (or another Chelal) may be using the port.", addr, err)
		return errors.New(l.lastErr)
	}
	o := l.tls
	if o.DataDir == "" {
		o.DataDir = filepath.Dir(l.settings.path)
	}
	if o.Log == nil {
		o.Log = l.log
	}
	srv, err := lanhttps.NewServer(l.handler, func(h http.Handler) *http.Server { return server.NewHTTPServer(addr, h, l.log) }, o)
	if err != nil {
		ln.Close()
		l.lastErr = fmt.Sprintf("Cannot share over HTTPS: %v.", err)
		return errors.New(l.lastErr)
	}
	done := make(chan struct{})
	l.srv, l.ln, l.done, l.lastErr = srv, ln, done, ""
	go func() {
		defer close(done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			l.log.Error("LAN sharing stopped", "err", err)
		}
	}()
	l.log.Info("LAN sharing on", "addr", ln.Addr().String())
	return nil
}

func (l *lanSharing) stopLocked(grace time.Duration) error {
	if l.srv == nil {
		return nil
	}
	srv, done := l.srv, l.done
	l.srv, l.ln, l.done = nil, nil, nil
	ctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	err := srv.Shutdown(ctx)
	if err != nil {
		// Open connections (a LAN browser's event stream) did not finish: cut them.
		err = srv.Close()
	}
	<-done
	l.log.Info("LAN sharing off")
	return err
}

// Close stops sharing without changing the saved choice (the window is closing).
func (l *lanSharing) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.stopLocked(3 * time.Second)
}

// Info reports the current state.
func (l *lanSharing) Info() LANInfo {
	l.mu.Lock()
	defer l.mu.Unlock()
	info := LANInfo{Enabled: l.srv != nil, Addresses: []string{}, Error: l.lastErr}
	if l.ln == nil {
		if _, p, err := net.SplitHostPort(l.addr()); err == nil {
			info.Port, _ = strconv.Atoi(p)
		}
		return info
	}
	tcp, ok := l.ln.Addr().(*net.TCPAddr)
	if !ok {
		return info
	}
	info.Port = tcp.Port
	var ips []string
	if tcp.IP.IsUnspecified() {
		ips = lanIPv4s()
	} else {
		ips = []string{tcp.IP.String()}
	}
	port := strconv.Itoa(tcp.Port)
	for _, ip := range ips {
		info.Addresses = append(info.Addresses, "https://"+net.JoinHostPort(ip, port))
	}
	info.NameAddress = "https://" + net.JoinHostPort(l.tls.Machine.MDNSHost(), port)
	if len(ips) > 0 {
		info.WelcomeURL = "http://" + net.JoinHostPort(ips[0], port) + "/welcome"
	}
	if l.srv.CA != nil {
		info.Fingerprint = l.srv.CA.Fingerprint()
	}
	if len(info.Addresses) > 0 {
		if png, err := qrcode.Encode(info.Addresses[0], qrcode.Medium, 256); err == nil {
			info.QRPNGDataURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
		}
	}
	return info
}

// lanIPv4s lists this computer's IPv4 addresses that other computers can reach, the real
// network card's first (lan.IPv4s).
func lanIPv4s() []string { return lanhttps.IPv4s() }

func isVirtualInterface(name string) bool { return lanhttps.IsVirtualInterface(name) }

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
