// Package config is Chelal's settings in one place: the table Settings names each one (its
// environment variable, the flag that overrides it, its default and what it does), Load reads
// them all from the environment (no other package reads an environment variable), the
// commands bind the flags from the same rows, and `chelal help` prints the table. A new
// setting is one row here and one field of Config.
package config

import (
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// DefaultAddr is where `chelal serve` listens unless told otherwise: loopback only. Serving
// the LAN is a deliberate choice (--addr 0.0.0.0:7300).
const DefaultAddr = "127.0.0.1:7300"

// Getenv reads one environment variable (os.Getenv in production, a map in tests).
type Getenv func(string) string

// Config is Chelal's settings as Load read them, with the flags given to the command on top.
type Config struct {
	DataDir           string         // the data folder as given ("" : the per-user default; see ResolveDataDir)
	Addr              string         // serve's listen address
	HostNames         []string       // more host names the server answers for
	LogLevel          slog.Level     // the log's least level
	SessionIdle       time.Duration  // automatic logoff after this idle time (0: auth's default)
	BackupPassphrase  string         // encrypts backups ("" : not encrypted)
	BackupDir         string         // the backup folder fixed by the environment ("" : chosen in the UI, or <data dir>/backups)
	BackupSchedule    bool           // scheduled backups are on
	PITR              bool           // the embedded server archives its WAL (point-in-time recovery)
	DiskLow           uint64         // bytes of free space under which a disk is low (0: the default)
	LeftoverRetention time.Duration  // how long leftovers are kept (0: the default)
	LANAddr           string         // desktop: share the UI on this address at launch
	LANName           string         // the name workstations open, <name>.local ("" : chelal)
	MDNS              bool           // advertise Chelal by mDNS/DNS-SD while the LAN is served
	TLSCert, TLSKey   string         // the clinic's own certificate and key ("" : one from Chelal's CA)
	TrustedProxies    []netip.Prefix // reverse proxies whose X-Forwarded-For/-Proto are believed
	DatabaseURL       string         // the external PostgreSQL ("" : the embedded one)
	UpgradeBackup     bool           // a verified backup is taken before an older schema is migrated up
	CPUProfile        string         // serve writes a CPU profile of its whole run to this file when it stops ("" : none)
	Version           string         // this build's version (set by the command line, not the environment)

	// Video calls: the TURN (or STUN) servers the browsers are given, and their credentials
	// (none: host candidates only, the LAN).
	TURNURLs               []string
	TURNUser, TURNPassword string

	db   dbParts           // DATABASE_URL and its siblings, combined into DatabaseURL
	home string            // XDG_DATA_HOME, the Linux default data folder's parent
	raw  map[string]string // the environment's values, by variable
	errs map[string]error  // a setting's bad value, by environment variable, until a flag overrides it
}

// dbParts are the external database's settings before they are combined.
type dbParts struct{ url, host, port, name, user, password string }

// Setting is one row of the table: where a setting comes from and what it means.
type Setting struct {
	Env     string // the environment variable
	Flag    string // the flag that overrides it, with its argument ("addr HOST:PORT"); "" : none
	Default string // what applies when it is not set, as help says it; "" : nothing
	Help    string // what it does
	// set parses a value that is not empty into c; an error names the variable (or flag).
	set func(c *Config, v string) error
}

// Settings is every setting Chelal reads, in the order help lists them.
var Settings = []Setting{
	{Env: "CHELAL_DATA_DIR", Flag: "data-dir DIR", Help: "data folder (serve, migrate, admin, backup, verify-backup, restore)",
		Default: "`~/.local/share/chelal` on Linux (`$XDG_DATA_HOME/chelal` if set); the OS's app-data folder elsewhere",
		set:     func(c *Config, v string) error { c.DataDir = v; return nil }},
	{Env: "XDG_DATA_HOME", Help: "Linux: the folder the default data folder goes in (when absolute)",
		set: func(c *Config, v string) error { c.home = v; return nil }},
	{Env: "CHELAL_ADDR", Flag: "addr HOST:PORT", Default: DefaultAddr,
		Help: "listen address of serve; 0.0.0.0:7300 serves the clinic's LAN",
		set:  func(c *Config, v string) error { c.Addr = v; return nil }},
	{Env: "CHELAL_HOST_NAMES", Flag: "host-names LIST",
		Help: "more host names (or addresses) the server answers for, comma-separated, e.g. chelal.clinic.lan,192.0.2.10 " +
			"(it always answers localhost, this machine's addresses and hostname; any other Host is refused: DNS rebinding)",
		set: func(c *Config, v string) (err error) {
			if c.HostNames, err = HostNames(v); err != nil {
				return fmt.Errorf("CHELAL_HOST_NAMES: %w", err)
			}
			return nil
		}},
	{Env: "CHELAL_LOG_LEVEL", Default: "info", Help: "debug, info, warn or error",
		set: func(c *Config, v string) error { c.LogLevel = logLevel(v); return nil }},
	{Env: "CHELAL_SESSION_IDLE_MINUTES", Default: "15", Help: "automatic logoff after this many idle minutes (1 to 1440)",
		set: durationIn("CHELAL_SESSION_IDLE_MINUTES", "minutes", time.Minute, 24*60, func(c *Config) *time.Duration { return &c.SessionIdle })},
	{Env: "CHELAL_BACKUP_PASSPHRASE", Help: "encrypt backups with this passphrase (and decrypt them to restore; backup commands: or --passphrase-file F)",
		set: func(c *Config, v string) error { c.BackupPassphrase = v; return nil }},
	{Env: "CHELAL_BACKUP_DIR", Default: "<data dir>/backups, or the folder an administrator chose",
		Help: "where scheduled and API backups and the WAL archive go, fixed (a second disk or a USB drive is better)",
		set:  func(c *Config, v string) error { c.BackupDir = v; return nil }},
	{Env: "CHELAL_BACKUP_SCHEDULE", Default: "daily from 12:30, hourly 08-18", Help: "off: no scheduled backups",
		set: func(c *Config, v string) error { c.BackupSchedule = v != "off"; return nil }},
	{Env: "CHELAL_UPGRADE_BACKUP", Default: "on",
		Help: "off: no automatic verified backup before a newer Chelal migrates older records (only after one was taken by hand)",
		set:  func(c *Config, v string) error { c.UpgradeBackup = v != "off"; return nil }},
	{Env: "CHELAL_PITR", Default: "on, embedded server only", Help: "off: no WAL archive, so no point-in-time recovery",
		set: func(c *Config, v string) error { c.PITR = v != "off"; return nil }},
	{Env: "CHELAL_DISK_LOW_MB", Default: "2048",
		Help: "free space (MB) under which the data or backup disk is low: administrators notified, the home page warns",
		set: func(c *Config, v string) error {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n < 1 {
				return fmt.Errorf("CHELAL_DISK_LOW_MB %q must be a number of megabytes (at least 1)", v)
			}
			c.DiskLow = n << 20
			return nil
		}},
	{Env: "CHELAL_LEFTOVER_DAYS", Default: "14", Help: "days after which restore and recovery leftovers are removed",
		set: durationIn("CHELAL_LEFTOVER_DAYS", "days", 24*time.Hour, 3650, func(c *Config) *time.Duration { return &c.LeftoverRetention })},
	{Env: "CHELAL_LAN_ADDR", Help: "desktop: share the clinic UI on HOST:PORT at launch (tests)",
		set: func(c *Config, v string) error { c.LANAddr = v; return nil }},
	{Env: "CHELAL_LAN_NAME", Default: "chelal",
		Help: "the name workstations open, <name>.local (https://chelal.local:7300), advertised by mDNS and in the LAN certificate; letters, digits, hyphens",
		set:  func(c *Config, v string) error { c.LANName = v; return nil }},
	{Env: "CHELAL_MDNS", Default: "on", Help: "off: do not advertise Chelal by mDNS/DNS-SD on the LAN",
		set: func(c *Config, v string) error { c.MDNS = v != "off"; return nil }},
	{Env: "CHELAL_TLS_CERT", Flag: "tls-cert FILE", Default: "a certificate from Chelal's own CA on a LAN address",
		Help: "serve HTTPS with the clinic's own certificate (PEM), with CHELAL_TLS_KEY",
		set:  func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{Env: "CHELAL_TLS_KEY", Flag: "tls-key FILE", Help: "the key of the clinic's own certificate (PEM)",
		set: func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{Env: "CHELAL_TURN_URL", Default: "none: video calls use the LAN's own addresses (host candidates), no STUN",
		Help: "video calls between routed sites: the TURN server(s) that relay the media, comma-separated (turn:host:3478?transport=udp, turns:host:5349)",
		set: func(c *Config, v string) error {
			for _, u := range strings.Split(v, ",") {
				u = strings.TrimSpace(u)
				if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") && !strings.HasPrefix(u, "stun:") {
					return fmt.Errorf("CHELAL_TURN_URL %q: each URL starts with turn:, turns: or stun:", u)
				}
				c.TURNURLs = append(c.TURNURLs, u)
			}
			return nil
		}},
	{Env: "CHELAL_TURN_USERNAME", Help: "the TURN server's user name (with CHELAL_TURN_PASSWORD)",
		set: func(c *Config, v string) error { c.TURNUser = v; return nil }},
	{Env: "CHELAL_TURN_PASSWORD", Help: "the TURN server's password",
		set: func(c *Config, v string) error { c.TURNPassword = v; return nil }},
	{Env: "CHELAL_TRUSTED_PROXIES",
		Help: "reverse proxies (addresses or CIDRs, comma-separated) whose X-Forwarded-For/-Proto are believed; plain HTTP from them is served",
		set: func(c *Config, v string) (err error) {
			c.TrustedProxies, err = TrustedProxies(v)
			return err
		}},
	{Env: "CHELAL_CPUPROFILE", Help: "serve: profile the CPU from start to stop and write the profile (go tool pprof) to this file when it stops; for measuring, not for a clinic",
		set: func(c *Config, v string) error { c.CPUProfile = v; return nil }},
	{Env: "DATABASE_URL", Default: "the embedded PostgreSQL",
		Help: "use this external PostgreSQL (15 or newer) instead, e.g. postgres://chelal:secret@db.clinic.lan:5432/chelal?sslmode=require",
		set:  func(c *Config, v string) error { c.db.url = v; return nil }},
	{Env: "DATABASE_HOST", Help: "the same, as separate settings (used when DATABASE_URL is not set and DATABASE_HOST is)",
		set: func(c *Config, v string) error { c.db.host = v; return nil }},
	{Env: "DATABASE_PORT", Default: "5432", set: func(c *Config, v string) error { c.db.port = v; return nil }},
	{Env: "DATABASE_NAME", Default: "chelal", set: func(c *Config, v string) error { c.db.name = v; return nil }},
	{Env: "DATABASE_USER", Default: "chelal", set: func(c *Config, v string) error { c.db.user = v; return nil }},
	{Env: "DATABASE_PASSWORD", set: func(c *Config, v string) error { c.db.password = v; return nil }},
}

// Load reads every setting of the table from the environment. A bad value is kept as the
// setting's error (Err) rather than returned, so that a flag can still override it and help
// can still be shown.
func Load(getenv Getenv) *Config {
	c := &Config{Addr: DefaultAddr, BackupSchedule: true, PITR: true, UpgradeBackup: true, MDNS: true, LogLevel: slog.LevelInfo, raw: map[string]string{}, errs: map[string]error{}}
	for _, s := range Settings {
		if v := getenv(s.Env); v != "" {
			c.raw[s.Env] = v
			if err := s.set(c, v); err != nil {
				c.errs[s.Env] = err
			}
		}
	}
	c.combineDatabase()
	return c
}

// Err is the settings' bad values, in the table's order (nil: none).
func (c *Config) Err() error {
	var errs []error
	for _, s := range Settings {
		if err := c.errs[s.Env]; err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Flags adds to fs the flags of the settings with these flag names ("addr", "data-dir", ...),
// described as the table describes them; a flag given overrides the environment.
func (c *Config) Flags(fs *flag.FlagSet, names ...string) {
	for _, name := range names {
		s := settingOfFlag(name)
		// The backquoted word is the flag's argument in -help ("-addr HOST:PORT").
		_, arg, _ := strings.Cut(s.Flag, " ")
		usage := fmt.Sprintf("%s (`%s`, overrides %s)", s.Help, arg, s.Env)
		v := &flagValue{c: c, s: s, val: c.raw[s.Env]}
		if v.val == "" && !strings.Contains(s.Default, " ") {
			v.val = s.Default // a value, not a description: shown as the flag's default
		}
		fs.Var(v, name, usage)
	}
}

func settingOfFlag(name string) *Setting {
	for i, s := range Settings {
		if f, _, _ := strings.Cut(s.Flag, " "); f == name {
			return &Settings[i]
		}
	}
	panic("config: no setting has the flag --" + name)
}

// flagValue sets a setting from its flag.
type flagValue struct {
	c   *Config
	s   *Setting
	val string
}

func (f *flagValue) String() string {
	if f == nil || f.c == nil {
		return ""
	}
	return f.val
}

func (f *flagValue) Set(v string) error {
	f.val = v
	delete(f.c.errs, f.s.Env) // the flag, not the environment, is in effect
	if v == "" {
		return nil
	}
	if err := f.s.set(f.c, v); err != nil {
		// The flag package names the flag; the variable was not given.
		return errors.New(strings.TrimPrefix(err.Error(), f.s.Env+": "))
	}
	return nil
}

// Help is the settings part of `chelal help` and of each command's -help, from the table.
func Help() string {
	var b strings.Builder
	b.WriteString("Settings (environment variables; a command's flag overrides its variable):\n")
	for _, s := range Settings {
		line := "  " + s.Env
		if s.Flag != "" {
			line += ", --" + s.Flag
		}
		b.WriteString(line + "\n")
		text := s.Help
		if s.Default != "" {
			if text != "" {
				text += "; "
			}
			text += "default: " + s.Default
		}
		if text != "" {
			wrap(&b, text, "      ", 96)
		}
	}
	return b.String()
}

// wrap writes text in lines of at most width characters, each after indent.
func wrap(b *strings.Builder, text, indent string, width int) {
	line := indent
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
}

// durationIn is the set of a setting that counts units (from 1 to most) into the duration
// field returns; an error names the variable and the range, and leaves the field as it was.
func durationIn(env, units string, unit time.Duration, most int, field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > most {
			return fmt.Errorf("%s %q must be a number of %s from 1 to %d", env, v, units, most)
		}
		*field(c) = time.Duration(n) * unit
		return nil
	}
}

func logLevel(v string) slog.Level {
	switch strings.ToLower(v) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// ResolveDataDir returns the data folder: the one given (CHELAL_DATA_DIR or --data-dir), else
// the per-user default.
func (c *Config) ResolveDataDir() (string, error) {
	if c.DataDir != "" {
		return filepath.Abs(c.DataDir)
	}
	if runtime.GOOS == "linux" || runtime.GOOS == "freebsd" || runtime.GOOS == "openbsd" {
		if filepath.IsAbs(c.home) {
			return filepath.Join(c.home, "chelal"), nil
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

// combineDatabase sets DatabaseURL: DATABASE_URL wins; otherwise DATABASE_HOST (and its
// siblings from the original Chelal's settings) build one; neither: the embedded server.
func (c *Config) combineDatabase() {
	p := c.db
	if p.url != "" {
		parsed, err := url.Parse(p.url)
		if err != nil || (parsed.Scheme != "postgres" && parsed.Scheme != "postgresql") {
			c.errs["DATABASE_URL"] = errors.New("DATABASE_URL must look like postgres://user:password@host:5432/dbname")
			return
		}
		c.DatabaseURL = p.url
		return
	}
	if p.host == "" {
		return
	}
	port := or(p.port, "5432")
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		c.errs["DATABASE_PORT"] = fmt.Errorf("DATABASE_PORT %q is not a port number", port)
		return
	}
	u := url.URL{
		Scheme: "postgres",
		User:   url.UserPassword(or(p.user, "chelal"), p.password),
		Host:   net.JoinHostPort(p.host, port),
		Path:   "/" + or(p.name, "chelal"),
	}
	c.DatabaseURL = u.String()
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
