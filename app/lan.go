package app

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	qrcode "github.com/skip2/go-qrcode"

	"chelal/internal/server"
)

// DefaultLANPort is the port LAN sharing listens on unless desktop.json says otherwise.
const DefaultLANPort = 7300

// LANInfo is what the UI shows about LAN sharing: whether it is on, the addresses the clinic's
// other computers can open, and a QR code of the first one.
type LANInfo struct {
	Enabled      bool     `json:"enabled"`
	Addresses    []string `json:"addresses"`       // http://<each LAN IPv4 of this computer>:<port>
	QRPNGDataURL string   `json:"qr_png_data_url"` // data:image/png;base64,... of Addresses[0]; "" when none
	Port         int      `json:"port"`
	Error        string   `json:"error,omitempty"` // why sharing is off although it was asked for
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

	mu      sync.Mutex
	srv     *http.Server
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
	srv := server.NewHTTPServer(addr, l.handler, l.log)
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
	for _, ip := range ips {
		info.Addresses = append(info.Addresses, "http://"+net.JoinHostPort(ip, strconv.Itoa(tcp.Port)))
	}
	if len(info.Addresses) > 0 {
		if png, err := qrcode.Encode(info.Addresses[0], qrcode.Medium, 256); err == nil {
			info.QRPNGDataURL = "data:image/png;base64," + base64.StdEncoding.EncodeToString(png)
		}
	}
	return info
}

// lanIPv4s lists this computer's IPv4 addresses that other computers can reach: interfaces
// that are up, not loopback, not link-local; those of virtual interfaces (containers, VMs,
// VPN tunnels) come last, so the first address (the QR code's) is the real network card's.
func lanIPv4s() []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	type cand struct {
		ip      string
		virtual bool
		order   int
	}
	var cs []cand
	for i, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip4 := ipn.IP.To4()
			if ip4 == nil || ip4.IsLoopback() || ip4.IsLinkLocalUnicast() || ip4.IsUnspecified() {
				continue
			}
			cs = append(cs, cand{ip: ip4.String(), virtual: isVirtualInterface(ifc.Name), order: i})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].virtual != cs[j].virtual {
			return !cs[i].virtual
		}
		return cs[i].order < cs[j].order
	})
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ip)
	}
	return out
}

func isVirtualInterface(name string) bool {
	for _, p := range []string{"docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "wg", "zt", "tailscale", "lxc", "lxd", "cni", "flannel", "podman"} {
		if strings.HasPrefix(strings.ToLower(name), p) {
			return true
		}
	}
	return false
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
