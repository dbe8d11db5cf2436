package lan

import (
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// Server certificates live 180 days and are replaced 30 days before they end, by the running
// server itself: a clinic never sees an expired certificate. (Apple refuses server
// certificates valid for more than 825 days even from a root the user installed.)
const (
	leafValidity = 180 * 24 * time.Hour
	renewBefore  = 30 * 24 * time.Hour
)

// How often the names and addresses the certificate must cover are read again, and the least
// time between two rereads forced by a connection to an address the certificate lacks.
const (
	namesTTL     = 30 * time.Second
	namesMissTTL = time.Second
)

// Names are what a server certificate covers.
type Names struct {
	DNS []string
	IPs []netip.Addr
}

// key is a canonical form of n, to see whether the machine's names changed.
func (n Names) key() string {
	ips := make([]string, 0, len(n.IPs))
	for _, ip := range n.IPs {
		ips = append(ips, ip.String())
	}
	return strings.Join(n.DNS, ",") + "|" + strings.Join(ips, ",")
}

// Issue signs a server certificate for names, valid from now, with a new P-256 key. The chain
// holds the CA too, so that a client can see which CA signed it.
func (ca *CA) Issue(names Names, now time.Time) (*tls.Certificate, error) {
	if len(names.DNS) == 0 && len(names.IPs) == 0 {
		return nil, errors.New("a server certificate needs at least one name or address")
	}
	key, serial, err := newKeyAndSerial()
	if err != nil {
		return nil, err
	}
	cn := ""
	if len(names.DNS) > 0 {
		cn = names.DNS[0]
	} else {
		cn = names.IPs[0].String()
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"Chelal"}},
		NotBefore:             now.Add(-time.Hour), // a workstation whose clock is a little behind
		NotAfter:              now.Add(leafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              names.DNS,
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	for _, ip := range names.IPs {
		tmpl.IPAddresses = append(tmpl.IPAddresses, net.IP(ip.AsSlice()))
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, ca.Cert.Raw}, PrivateKey: key, Leaf: leaf}, nil
}

// Certs hands the TLS server the certificate of the moment: issued by the CA for the machine's
// names and addresses, re-issued when they change (a new DHCP lease, another Wi-Fi network)
// and renewed before it ends, all without a restart.
type Certs struct {
	ca    *CA
	names func() Names
	now   func() time.Time
	log   *slog.Logger

	mu      sync.Mutex
	cur     *tls.Certificate
	curKey  string
	checked time.Time
}

// NewCerts returns the certificates of ca for what names reports (MachineNames, in
// production).
func NewCerts(ca *CA, names func() Names, log *slog.Logger) *Certs {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Certs{ca: ca, names: names, now: time.Now, log: log}
}

// CA is the authority that signs the certificates.
func (c *Certs) CA() *CA { return c.ca }

// Current returns the certificate to serve, issuing a new one first when the names changed or
// the current one is within renewBefore of its end. addr, when valid, is the local address a
// client connected to: one the certificate lacks forces a reread of the names.
func (c *Certs) Current(addr netip.Addr) (*tls.Certificate, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	since := now.Sub(c.checked)
	switch {
	case c.cur == nil, since >= namesTTL, now.After(c.cur.Leaf.NotAfter.Add(-renewBefore)):
	case addr.IsValid() && !slices.Contains(c.ipsLocked(), addr.Unmap()) && since >= namesMissTTL:
	default:
		return c.cur, nil
	}
	c.checked = now
	names := c.names()
	key := names.key()
	if c.cur != nil && key == c.curKey && now.Before(c.cur.Leaf.NotAfter.Add(-renewBefore)) {
		return c.cur, nil
	}
	cert, err := c.ca.Issue(names, now)
	if err != nil {
		if c.cur != nil {
			c.log.Error("the LAN certificate could not be re-issued; the current one is kept", "err", err)
			return c.cur, nil
		}
		return nil, fmt.Errorf("issue the LAN certificate: %w", err)
	}
	c.log.Info("LAN certificate issued", "names", names.DNS, "addresses", fmt.Sprint(names.IPs), "until", cert.Leaf.NotAfter.Format(time.DateOnly))
	c.cur, c.curKey = cert, key
	return cert, nil
}

func (c *Certs) ipsLocked() []netip.Addr {
	var out []netip.Addr
	for _, ip := range c.cur.Leaf.IPAddresses {
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out
}

// HostNames lists the names and addresses the current certificate covers (the Host check
// accepts them).
func (c *Certs) HostNames() []string {
	cert, err := c.Current(netip.Addr{})
	if err != nil {
		return nil
	}
	return leafNames(cert.Leaf)
}

// leafNames are the DNS names and then the addresses a certificate covers.
func leafNames(leaf *x509.Certificate) []string {
	out := slices.Clone(leaf.DNSNames)
	for _, ip := range leaf.IPAddresses {
		out = append(out, ip.String())
	}
	return out
}

// TLSConfig is the LAN listener's TLS: 1.2 and newer, only AEAD ECDHE suites for 1.2 (1.3's
// are all modern), HTTP/2 offered.
func (c *Certs) TLSConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
			tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
		},
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
			var local netip.Addr
			if hello.Conn != nil {
				if ap, err := netip.ParseAddrPort(hello.Conn.LocalAddr().String()); err == nil {
					local = ap.Addr()
				}
			}
			return c.Current(local)
		},
	}
}

// FileTLSConfig is the TLS of a clinic that brings its own certificate (--tls-cert,
// --tls-key): the files are read again when they change, so a renewal needs no restart.
func FileTLSConfig(certFile, keyFile string, log *slog.Logger) (*tls.Config, *FileCert, error) {
	fc := &FileCert{certFile: certFile, keyFile: keyFile, log: log, recheck: namesTTL}
	if _, err := fc.get(); err != nil {
		return nil, nil, err
	}
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		NextProtos: []string{"h2", "http/1.1"},
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return fc.get()
		},
	}, fc, nil
}

// FileCert is a certificate read from files (FileTLSConfig).
type FileCert struct {
	certFile, keyFile string
	log               *slog.Logger
	recheck           time.Duration // how often the files' time is looked at

	mu      sync.Mutex
	cur     *tls.Certificate
	mod     time.Time
	checked time.Time
}

func (f *FileCert) get() (*tls.Certificate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.cur != nil && time.Since(f.checked) < f.recheck {
		return f.cur, nil
	}
	f.checked = time.Now()
	st, err := os.Stat(f.certFile)
	if err == nil && f.cur != nil && st.ModTime().Equal(f.mod) {
		return f.cur, nil
	}
	cert, lerr := tls.LoadX509KeyPair(f.certFile, f.keyFile)
	if lerr != nil {
		if f.cur != nil {
			if f.log != nil {
				f.log.Error("the TLS certificate files could not be read again; the current one is kept", "err", lerr)
			}
			return f.cur, nil
		}
		return nil, fmt.Errorf("TLS certificate %s and key %s: %w", f.certFile, f.keyFile, lerr)
	}
	f.cur = &cert
	if err == nil {
		f.mod = st.ModTime()
	}
	return f.cur, nil
}

// HostNames lists the names and addresses of the clinic's certificate.
func (f *FileCert) HostNames() []string {
	cert, err := f.get()
	if err != nil || cert.Leaf == nil {
		return nil
	}
	return leafNames(cert.Leaf)
}
