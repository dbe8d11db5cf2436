package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"chelal/internal/config"
	"chelal/internal/lan"
	"chelal/internal/server"
)

// lanOptions is the LAN listener's settings from the configuration (serve's flags folded in):
// the mDNS name, mDNS on or off, trusted proxies, the clinic's own certificate, and the Host
// check of the plain-HTTP side.
func lanOptions(cfg *config.Config, dataDir string, log *slog.Logger) (lan.Options, error) {
	if cfg.LANName != "" {
		if err := lan.ValidName(cfg.LANName); err != nil {
			return lan.Options{}, fmt.Errorf("CHELAL_LAN_NAME: %w", err)
		}
	}
	m := lan.Machine{LANName: cfg.LANName, Extra: cfg.HostNames}
	return lan.Options{
		DataDir:     dataDir,
		Machine:     m,
		CertFile:    cfg.TLSCert,
		KeyFile:     cfg.TLSKey,
		Trusted:     cfg.TrustedProxies,
		HostAllowed: server.HostChecker(append(slices.Clone(cfg.HostNames), m.MDNSHost())),
		MDNS:        cfg.MDNS,
		Log:         log,
	}, nil
}

// lanHostNames are the names the core must answer for on a LAN listener besides the
// configured ones: the mDNS name and, with the clinic's own certificate, the names it was
// issued for (the machine's addresses and hostname are answered anyway). The certificate files
// are checked here, before PostgreSQL starts.
func lanHostNames(o lan.Options) ([]string, error) {
	names := []string{o.Machine.MDNSHost()}
	if o.CertFile != "" || o.KeyFile != "" {
		if o.CertFile == "" || o.KeyFile == "" {
			return nil, usageErr("give both --tls-cert and --tls-key")
		}
		_, fc, err := lan.FileTLSConfig(o.CertFile, o.KeyFile, o.Log)
		if err != nil {
			return nil, err
		}
		names = append(names, fc.HostNames()...)
	}
	return names, nil
}

// newLANServer builds serve's LAN listener for h.
func newLANServer(addr string, h http.Handler, o lan.Options, log *slog.Logger) (*lan.Server, error) {
	return lan.NewServer(h, func(h http.Handler) *http.Server { return server.NewHTTPServer(addr, h, log) }, o)
}

// lanURLs lists the HTTPS addresses workstations open (each LAN IPv4, then the mDNS name) for
// a listener on addr.
func lanURLs(addr net.Addr, m lan.Machine) []string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return nil
	}
	port := strconv.Itoa(tcp.Port)
	var ips []string
	if tcp.IP.IsUnspecified() {
		ips = lan.IPv4s()
	} else {
		ips = []string{tcp.IP.String()}
	}
	var out []string
	for _, ip := range ips {
		out = append(out, "https://"+net.JoinHostPort(ip, port))
	}
	return append(out, "https://"+net.JoinHostPort(m.MDNSHost(), port))
}

const lanUsage = `Usage:
  chelal lan info [--addr HOST:PORT]   the HTTPS address to open on workstations (and its QR
                                       code), the welcome page, and the clinic CA's fingerprint
  chelal lan ca --export FILE          write the clinic CA's certificate to FILE (- : standard
                                       output), e.g. onto a USB stick for a workstation
`

// runLAN is `chelal lan info` and `chelal lan ca --export FILE`. Both only read: the CA is
// made by the first LAN start, as the user Chelal runs as.
func runLAN(env Env, args []string) error {
	if len(args) == 0 {
		fmt.Fprint(env.Stderr, lanUsage)
		return usageErr("lan needs info or ca --export FILE")
	}
	switch args[0] {
	case "info":
		fs, cfg := newFlags(env, "lan info")
		def := cfg.Addr
		if def == config.DefaultAddr {
			def = "0.0.0.0:7300" // serve's LAN address, when CHELAL_ADDR does not say
		}
		addr := fs.String("addr", def, "the address serve listens on (its port is shown)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageErr("lan info takes no arguments, got %q", fs.Args())
		}
		if err := cfg.Err(); err != nil {
			return err
		}
		return lanInfo(env, cfg, *addr)
	case "ca":
		fs, cfg := newFlags(env, "lan ca")
		out := fs.String("export", "", "write the CA certificate to this file (- : standard output)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() > 0 {
			return usageErr("lan ca needs --export FILE")
		}
		ca, err := loadLANCA(cfg)
		if err != nil {
			return err
		}
		if *out == "-" {
			_, err := env.Stdout.Write(ca.PEM())
			return err
		}
		if err := os.WriteFile(*out, ca.PEM(), 0o644); err != nil {
			return fmt.Errorf("write the clinic CA certificate: %w", err)
		}
		fmt.Fprintf(env.Stdout, "The clinic CA certificate is in %s.\nSHA-256 fingerprint (compare it on the workstation before trusting it):\n  %s\n", *out, ca.Fingerprint())
		return nil
	default:
		fmt.Fprint(env.Stderr, lanUsage)
		return usageErr("unknown lan action %q (info, ca --export FILE)", args[0])
	}
}

func loadLANCA(cfg *config.Config) (*lan.CA, error) {
	dataDir, err := cfg.ResolveDataDir()
	if err != nil {
		return nil, err
	}
	return lan.LoadCA(dataDir)
}

func lanInfo(env Env, cfg *config.Config, addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return usageErr("--addr %q: give HOST:PORT", addr)
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return usageErr("--addr %q: the port is not a number", addr)
	}
	ip := net.IPv4zero
	if a, err := netip.ParseAddr(host); err == nil {
		ip = net.IP(a.AsSlice())
	}
	name := cfg.LANName
	if name != "" {
		if err := lan.ValidName(name); err != nil {
			return fmt.Errorf("CHELAL_LAN_NAME: %w", err)
		}
	}
	urls := lanURLs(&net.TCPAddr{IP: ip, Port: p}, lan.Machine{LANName: name})
	w := env.Stdout
	fmt.Fprintln(w, "Open Chelal on each workstation at:")
	for _, u := range urls {
		fmt.Fprintln(w, "  "+u)
	}
	if certFile := cfg.TLSCert; certFile != "" {
		fmt.Fprintf(w, "\nHTTPS uses the clinic's own certificate (%s): workstations trust it through the clinic's PKI.\n", certFile)
	} else {
		ca, err := loadLANCA(cfg)
		if errors.Is(err, lan.ErrNoCA) {
			return err
		}
		if err != nil {
			return err
		}
		first := strings.Replace(urls[0], "https://", "http://", 1)
		fmt.Fprintf(w, "\nFirst time on a workstation: open %s/welcome to install the clinic's certificate\n(or copy it with `chelal lan ca --export FILE`). Before trusting it, check that its\nSHA-256 fingerprint is:\n  %s\n", first, ca.Fingerprint())
	}
	if q, err := qrcode.New(urls[0], qrcode.Medium); err == nil {
		fmt.Fprintf(w, "\nQR code of %s:\n%s", urls[0], q.ToSmallString(false))
	}
	return nil
}

// httpServer is what serve runs: an http.Server, or the LAN server.
type httpServer interface {
	Serve(net.Listener) error
	Shutdown(context.Context) error
}
