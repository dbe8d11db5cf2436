// Package config resolves Chelal's settings from flags and the environment: where the data
// lives, which PostgreSQL to use, and where to listen.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// DefaultAddr is where `chelal serve` listens unless told otherwise: loopback only. Serving
// the LAN is a deliberate choice (--addr 0.0.0.0:7300).
const DefaultAddr = "127.0.0.1:7300"

// EnvHelp documents every environment variable Chelal reads, for --help and the README.
const EnvHelp = `Environment:
  CHELAL_DATA_DIR     data folder (default: ` + "`~/.local/share/chelal`" + ` on Linux; the OS's app-data folder elsewhere)
  CHELAL_ADDR         address for serve (default 127.0.0.1:7300)
  CHELAL_LOG_LEVEL    debug, info (default), warn, error
  CHELAL_SESSION_IDLE_MINUTES  automatic logoff after this many idle minutes (default 15)
  CHELAL_BACKUP_PASSPHRASE     encrypt backups with this passphrase (and decrypt them to restore)
  CHELAL_BACKUP_DIR            where scheduled and API backups go (default <data dir>/backups;
                               a second disk or a USB drive is better)
  CHELAL_BACKUP_SCHEDULE       off: no scheduled backups (default: daily from 12:30, hourly 08-18)
  CHELAL_PITR                  off: no WAL archive, so no point-in-time recovery (default: on, embedded only)
  CHELAL_DISK_LOW_MB           free space (MB) under which the data or backup disk is low: administrators
                               notified, the home page warns (default 2048)
  CHELAL_LEFTOVER_DAYS         days after which restore and recovery leftovers are removed (default 14)
  CHELAL_HOST_NAMES   more host names (or addresses) the server answers for, comma-separated, e.g.
                      chelal.clinic.lan,192.0.2.10 (it always answers localhost, this machine's
                      addresses and hostname; any other Host is refused: DNS rebinding)
  CHELAL_LAN_ADDR     desktop: share the clinic UI on HOST:PORT at launch (tests)
  CHELAL_LAN_NAME     the name workstations open, <name>.local (default chelal: https://chelal.local:7300),
                      advertised by mDNS and in the LAN certificate; letters, digits, hyphens
  CHELAL_MDNS         off: do not advertise Chelal by mDNS/DNS-SD on the LAN (default on)
  CHELAL_TLS_CERT, CHELAL_TLS_KEY  serve HTTPS with the clinic's own certificate and key (PEM files)
                      instead of one from Chelal's CA (serve: --tls-cert, --tls-key)
  CHELAL_TRUSTED_PROXIES  reverse proxies (addresses or CIDRs, comma-separated) whose
                      X-Forwarded-For/-Proto are believed; plain HTTP from them is served
  DATABASE_URL        use this external PostgreSQL (15 or newer) instead of the embedded one,
                      e.g. postgres://chelal:secret@db.clinic.lan:5432/chelal?sslmode=require
  DATABASE_HOST, DATABASE_PORT (5432), DATABASE_NAME (chelal), DATABASE_USER (chelal),
  DATABASE_PASSWORD   the same, as separate settings (used when DATABASE_URL is not set
                      and DATABASE_HOST is)
`

// Getenv reads one environment variable (os.Getenv in production, a map in tests).
type Getenv func(string) string

// DataDir returns the data folder: CHELAL_DATA_DIR if set, else the per-user default.
func DataDir(getenv Getenv) (string, error) {
	if d := getenv("CHELAL_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" || runtime.GOOS == "openbsd" {
		if x := getenv("XDG_DATA_HOME"); filepath.IsAbs(x) {
			return filepath.Join(x, "chelal"), nil
		}
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("find the home folder (set CHELAL_DATA_DIR): %w", err)
		}
		return filepath.Join(home, ".local", "share", "chelal"), nil
	}
	base, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the app-data folder (set CHELAL_DATA_DIR): %w", err)
	}
	return filepath.Join(base, "Chelal"), nil
}

// ExternalDatabaseURL returns the external server's connection string, or "" to use the
// embedded PostgreSQL. DATABASE_URL wins; otherwise DATABASE_HOST (and its siblings from the
// original Chelal's settings) build one.
func ExternalDatabaseURL(getenv Getenv) (string, error) {
	if u := getenv("DATABASE_URL"); u != "" {
		parsed, err := url.Parse(u)
		if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
			return "", errors.New("DATABASE_URL must look like postgres://user:password@host:5432/dbname")
		}
		return u, nil
	}
	host := getenv("DATABASE_HOST")
	if host == "" {
		return "", nil
	}
	port := or(getenv("DATABASE_PORT"), "5432")
	if p, err := strconv.Atoi(port); err != nil || p < 1 || p > 65535 {
		return "", fmt.Errorf("DATABASE_PORT %q is not a port number", port)
	}
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(or(getenv("DATABASE_USER"), "chelal"), getenv("DATABASE_PASSWORD")),
		Host:   net.JoinHostPort(host, port),
		Path:   "/" + or(getenv("DATABASE_NAME"), "chelal"),
	}
	return u.String(), nil
}

// HostNames parses a list of extra host names (CHELAL_HOST_NAMES, serve's --host-names):
// names or IP addresses, each optionally with a port, separated by commas or spaces. A clinic
// names the server in its DNS or behind a reverse proxy; browsers then send that name as Host,
// which the server otherwise refuses.
func HostNames(list string) ([]string, error) {
	var out []string
	for _, n := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if strings.ContainsAny(n, "/@?#") || strings.Contains(n, "://") {
			return nil, fmt.Errorf("host name %q: give a name or address such as chelal.clinic.lan or 192.0.2.10, without scheme or path", n)
		}
		out = append(out, n)
	}
	return out, nil
}

// TrustedProxies parses CHELAL_TRUSTED_PROXIES: addresses or CIDR prefixes of the reverse
// proxies in front of Chelal, separated by commas or spaces. Only from them are
// X-Forwarded-For (the audit's client address) and X-Forwarded-Proto (Secure cookies) believed.
func TrustedProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range strings.FieldsFunc(list, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' }) {
		if p, err := netip.ParsePrefix(v); err == nil {
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: give an address (192.0.2.10) or a CIDR (10.0.0.0/24)", v)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
