package lan

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Options describe a LAN listener.
type Options struct {
	DataDir string  // where the CA lives (created on first use)
	Machine Machine // what the certificate covers and mDNS announces
	// CertFile and KeyFile, when set, are the clinic's own certificate (its PKI): no CA is
	// made, nothing is offered at /welcome.
	CertFile, KeyFile string
	// Trusted are reverse proxies: their plain HTTP is served, not redirected.
	Trusted []netip.Prefix
	// HostAllowed is the server's Host check (server.HostChecker).
	HostAllowed func(host string) bool
	MDNS        bool // advertise by mDNS/DNS-SD while serving
	Log         *slog.Logger
}

// Server serves Chelal on one listener the LAN way: HTTPS, and plain HTTP answered by Plain.
// Its Serve and Shutdown mirror http.Server's.
type Server struct {
	HTTPS *http.Server // Chelal over TLS
	Plain *http.Server // the plain-HTTP side
	CA    *CA          // nil with the clinic's own certificate
	TLS   *tls.Config

	hostNames func() []string
	file      *FileCert // the clinic's own certificate; nil with Chelal's CA
	opts      Options

	mu       sync.Mutex
	stopMDNS func()
}

// NewServer builds the LAN server for h. newHTTP makes an http.Server with Chelal's timeouts
// for a handler (server.NewHTTPServer).
func NewServer(h http.Handler, newHTTP func(http.Handler) *http.Server, o Options) (*Server, error) {
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	s := &Server{opts: o}
	if o.CertFile != "" || o.KeyFile != "" {
		if o.CertFile == "" || o.KeyFile == "" {
			return nil, errors.New("give both the TLS certificate and its key (--tls-cert and --tls-key)")
		}
		cfg, fc, err := FileTLSConfig(o.CertFile, o.KeyFile, o.Log)
		if err != nil {
			return nil, err
		}
		s.TLS, s.hostNames, s.file = cfg, fc.HostNames, fc
	} else {
		ca, created, err := LoadOrCreateCA(o.DataDir)
		if err != nil {
			return nil, err
		}
		if created {
			o.Log.Info("the clinic's certificate authority was created: install it on each workstation (see /welcome on the LAN address, or chelal lan info)", "fingerprint", ca.Fingerprint())
		}
		certs := NewCerts(ca, o.Machine.Names, o.Log)
		if _, err := certs.Current(netip.Addr{}); err != nil {
			return nil, err
		}
		s.CA, s.TLS, s.hostNames = ca, certs.TLSConfig(), certs.HostNames
	}
	// The plain side answers the hosts the server does, and the certificate's names.
	check := o.HostAllowed
	allowed := func(host string) bool {
		if check == nil || check(host) {
			return true
		}
		h := strings.ToLower(strings.TrimSuffix(strings.Trim(hostOnly(host), "[]"), "."))
		return slices.ContainsFunc(s.hostNames(), func(n string) bool { return strings.EqualFold(n, h) })
	}
	s.HTTPS = newHTTP(h)
	s.HTTPS.TLSConfig = s.TLS
	s.Plain = newHTTP(&Plain{Main: h, CA: s.CA, HostAllowed: allowed, Trusted: func(a netip.Addr) bool {
		for _, p := range o.Trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}})
	return s, nil
}

// HostNames are the names and addresses of the certificate being served.
func (s *Server) HostNames() []string { return s.hostNames() }

// Serve serves ln until Shutdown or Close, advertising by mDNS meanwhile when asked to.
func (s *Server) Serve(ln net.Listener) error {
	tl, pl := Split(ln)
	// A loopback listener (the desktop's smoke test, a proxy in front) is announced to no one.
	if a, ok := ln.Addr().(*net.TCPAddr); ok && s.opts.MDNS && !a.IP.IsLoopback() {
		port := a.Port
		// The DNS-SD instance is one label (no dot): "Chelal kliniki-amani".
		stop := Advertise(context.Background(), s.opts.Machine, "Chelal "+strings.TrimSuffix(s.opts.Machine.MDNSHost(), ".local"), port, s.opts.Log)
		s.mu.Lock()
		s.stopMDNS = stop
		s.mu.Unlock()
	}
	go func() {
		if err := s.Plain.Serve(pl); err != nil && !errors.Is(err, http.ErrServerClosed) && !errors.Is(err, net.ErrClosed) {
			s.opts.Log.Warn("the plain-HTTP side of the LAN listener stopped", "err", err)
		}
	}()
	err := s.HTTPS.Serve(tls.NewListener(tl, s.TLS))
	if errors.Is(err, net.ErrClosed) {
		err = http.ErrServerClosed // the plain side closed the shared listener on shutdown
	}
	return err
}

func (s *Server) mdnsOff() {
	s.mu.Lock()
	stop := s.stopMDNS
	s.stopMDNS = nil
	s.mu.Unlock()
	if stop != nil {
		stop()
	}
}

// Shutdown stops advertising, then shuts both sides down gracefully (http.Server.Shutdown).
func (s *Server) Shutdown(ctx context.Context) error {
	s.mdnsOff()
	return errors.Join(s.Plain.Shutdown(ctx), s.HTTPS.Shutdown(ctx))
}

// Close stops advertising and closes every connection at once.
func (s *Server) Close() error {
	s.mdnsOff()
	return errors.Join(s.Plain.Close(), s.HTTPS.Close())
}

// hostOnly drops the port of a Host header.
func hostOnly(host string) string {
	if h, _, err := net.SplitHostPort(host); err == nil {
		return h
	}
	return host
}
