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
	"strconv"
	"strings"

	qrcode "github.com/skip2/go-qrcode"

	"chelal/internal/config"
	"chelal/internal/lan"
	"chelal/internal/server"
)

// lanOptions reads the LAN listener's settings from the environment (serve's flags have been
// folded into it): the mDNS name, mDNS on or off, trusted proxies, the clinic's own
// certificate, and the Host check of the plain-HTTP side.
func lanOptions(env Env, dataDir string, log *slog.Logger) (lan.Options, error) {
	name := env.Getenv("CHELAL_LAN_NAME")
	if name != "" {
		if err := lan.ValidName(name); err != nil {
			return lan.Options{}, fmt.Errorf("CHELAL_LAN_NAME: %w", err)
		}
	}
	extra, err := config.HostNames(env.Getenv("CHELAL_HOST_NAMES"))
	if err != nil {
		return lan.Options{}, fmt.Errorf("CHELAL_HOST_NAMES: %w", err)
	}
	trusted, err := config.TrustedProxies(env.Getenv("CHELAL_TRUSTED_PROXIES"))
	if err != nil {
		return lan.Options{}, fmt.Errorf("CHELAL_TRUSTED_PROXIES: %w", err)
	}
	m := lan.Machine{LANName: name, Extra: extra}
	return lan.Options{
		DataDir:     dataDir,
		Machine:     m,
		CertFile:    env.Getenv("CHELAL_TLS_CERT"),
		KeyFile:     env.Getenv("CHELAL_TLS_KEY"),
		Trusted:     trusted,
		HostAllowed: server.HostChecker(append(extra, m.MDNSHost())),
		MDNS:        env.Getenv("CHELAL_MDNS") != "off",
		Log:         log,
	}, nil
}

// lanHostNames is CHELAL_HOST_NAMES as the core must see it on a LAN listener: the configured
// names plus the mDNS name and, with the clinic's own certificate, the names it was issued
// for (the machine's addresses and hostname are answered anyway). The certificate files are
// checked here, before PostgreSQL starts.
func lanHostNames(configured string, o lan.Options) (string, error) {
	names := []string{o.Machine.MDNSHost()}
	if o.CertFile != "" || o.KeyFile != "" {
		if o.CertFile == "" || o.KeyFile == "" {
			return "", usageErr("give both --tls-cert and --tls-key")
		}
		_, fc, err := lan.FileTLSConfig(o.CertFile, o.KeyFile, o.Log)
		if err != nil {
			return "", err
		}
		names = append(names, fc.HostNames()...)
	}
	if configured != "" {
		names = append([]string{configured}, names...)
	}
	return strings.Join(names, ","), nil
}

// serveLANOptions is lanOptions for serve's data dir.
func serveLANOptions(env Env, c common, log *slog.Logger) (*lan.Options, error) {
	dataDir := c.dataDir
	if dataDir == "" {
		var err error
		if dataDir, err = config.DataDir(env.Getenv); err != nil {
			return nil, err
		}
	}
	o, err := lanOptions(env, dataDir, log)
	if err != nil {
		return nil, err
	}
	return &o, nil
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
	var c common
	switch args[0] {
	case "info":
		fs := newFlags(env, "lan info", &c)
		addr := fs.String("addr", orDefault(env.Getenv("CHELAL_ADDR"), "0.0.0.0:7300"), "the address serve listens on (its port is shown)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if fs.NArg() > 0 {
			return usageErr("lan info takes no arguments, got %q", fs.Args())
		}
		return lanInfo(env, c, *addr)
	case "ca":
		fs := newFlags(env, "lan ca", &c)
		out := fs.String("export", "", "write the CA certificate to this file (- : standard output)")
		if err := parseFlags(fs, args[1:]); err != nil {
			return err
		}
		if *out == "" || fs.NArg() > 0 {
			return usageErr("lan ca needs --export FILE")
		}
		ca, err := loadLANCA(env, c)
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

func loadLANCA(env Env, c common) (*lan.CA, error) {
	dataDir := c.dataDir
	if dataDir == "" {
		var err error
		if dataDir, err = config.DataDir(env.Getenv); err != nil {
			return nil, err
		}
	}
	return lan.LoadCA(dataDir)
}

func lanInfo(env Env, c common, addr string) error {
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
	name := env.Getenv("CHELAL_LAN_NAME")
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
	if certFile := env.Getenv("CHELAL_TLS_CERT"); certFile != "" {
		fmt.Fprintf(w, "\nHTTPS uses the clinic's own certificate (%s): workstations trust it through the clinic's PKI.\n", certFile)
	} else {
		ca, err := loadLANCA(env, c)
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
