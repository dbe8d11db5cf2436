package config

import (
	"flag"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestLists: the list settings (host names, trusted proxies) split on commas and spaces, keep
// each value in its canonical form, and refuse the whole list for one bad value.
func TestLists(t *testing.T) {
	t.Parallel()
	hostNames := func(list string) ([]string, error) {
		got, err := HostNames(list)
		if err != nil && !strings.Contains(err.Error(), "without scheme or path") {
			t.Errorf("HostNames(%q): unclear error %v", list, err)
		}
		return got, err
	}
	trustedProxies := func(list string) ([]string, error) {
		got, err := TrustedProxies(list)
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		return s, err
	}
	tests := []struct {
		parse func(string) ([]string, error)
		list  string
		want  []string
		bad   bool
	}{
		{hostNames, "", nil, false},
		{hostNames, "chelal.clinic.lan", []string{"chelal.clinic.lan"}, false},
		{hostNames, " chelal.clinic.lan, 192.0.2.10:7300 ,,[2001:db8::1]:7300 reception", []string{"chelal.clinic.lan", "192.0.2.10:7300", "[2001:db8::1]:7300", "reception"}, false},
		{hostNames, "http://chelal.clinic.lan", nil, true},
		{hostNames, "chelal.clinic.lan/setup", nil, true},
		{hostNames, "admin@chelal.clinic.lan", nil, true},
		{trustedProxies, "", nil, false},
		{trustedProxies, "10.0.0.5", []string{"10.0.0.5/32"}, false},
		{trustedProxies, " 10.0.0.0/24, 2001:db8::7 ,,::ffff:192.0.2.1 192.168.1.9/16", []string{"10.0.0.0/24", "2001:db8::7/128", "192.0.2.1/32", "192.168.0.0/16"}, false},
		{trustedProxies, "proxy.clinic.lan", nil, true},
		{trustedProxies, "10.0.0.0/33", nil, true},
	}
	for i, tc := range tests {
		got, err := tc.parse(tc.list)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("case %d: (%q) = %q, %v; want %q (error %v)", i, tc.list, got, err, tc.want, tc.bad)
		}
	}
	ps, _ := TrustedProxies("10.0.0.0/24")
	if !ps[0].Contains(netip.MustParseAddr("10.0.0.200")) || ps[0].Contains(netip.MustParseAddr("10.0.1.1")) {
		t.Errorf("prefix %v", ps[0])
	}
}

func env(m map[string]string) Getenv { return func(k string) string { return m[k] } }

// TestLoad reads each setting from the environment, with the defaults when it is not set, and
// keeps a bad value as an error naming the variable.
func TestLoad(t *testing.T) {
	t.Parallel()
	defaults := Config{Addr: DefaultAddr, BackupSchedule: true, PITR: true, UpgradeBackup: true, MDNS: true, LogLevel: slog.LevelInfo}
	tests := []struct {
		name    string
		env     map[string]string
		want    func(c *Config)
		wantErr string
	}{
		{name: "nothing set", env: nil, want: func(*Config) {}},
		{name: "every plain setting", env: map[string]string{
			"CHELAL_DATA_DIR": "/srv/chelal", "CHELAL_ADDR": "0.0.0.0:7300", "CHELAL_HOST_NAMES": "a.lan, 192.0.2.1",
			"CHELAL_LOG_LEVEL": "WARN", "CHELAL_SESSION_IDLE_MINUTES": "30", "CHELAL_BACKUP_PASSPHRASE": "pw",
			"CHELAL_BACKUP_DIR": "/mnt/usb", "CHELAL_BACKUP_SCHEDULE": "off", "CHELAL_PITR": "off",
			"CHELAL_DISK_LOW_MB": "100", "CHELAL_LEFTOVER_DAYS": "3", "CHELAL_LAN_ADDR": "0.0.0.0:7301",
			"CHELAL_UPGRADE_BACKUP": "off", "CHELAL_LAN_NAME": "kliniki", "CHELAL_MDNS": "off",
			"CHELAL_TLS_CERT": "/etc/c.pem", "CHELAL_TLS_KEY": "/etc/k.pem", "CHELAL_TRUSTED_PROXIES": "10.0.0.5, 10.0.1.0/24",
			"CHELAL_CPUPROFILE": "/tmp/cpu.pprof",
		}, want: func(c *Config) {
			c.UpgradeBackup, c.LANName, c.MDNS, c.TLSCert, c.TLSKey = false, "kliniki", false, "/etc/c.pem", "/etc/k.pem"
			c.CPUProfile = "/tmp/cpu.pprof"
			c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.5/32"), netip.MustParsePrefix("10.0.1.0/24")}
			c.DataDir, c.Addr, c.HostNames, c.LogLevel = "/srv/chelal", "0.0.0.0:7300", []string{"a.lan", "192.0.2.1"}, slog.LevelWarn
			c.SessionIdle, c.BackupPassphrase, c.BackupDir = 30*time.Minute, "pw", "/mnt/usb"
			c.BackupSchedule, c.PITR, c.DiskLow, c.LeftoverRetention, c.LANAddr = false, false, 100<<20, 72*time.Hour, "0.0.0.0:7301"
		}},
		{name: "schedule and archive stay on unless off", env: map[string]string{"CHELAL_BACKUP_SCHEDULE": "on", "CHELAL_PITR": "yes"}, want: func(*Config) {}},
		{name: "database url", env: map[string]string{"DATABASE_URL": "postgres://u:p@db:5432/x", "DATABASE_HOST": "ignored"},
			want: func(c *Config) { c.DatabaseURL = "postgres://u:p@db:5432/x" }},
		{name: "database parts", env: map[string]string{"DATABASE_HOST": "db.lan", "DATABASE_PASSWORD": "s3cret"},
			want: func(c *Config) { c.DatabaseURL = "postgres://chelal:s3cret@db.lan:5432/chelal" }},
		{name: "bad database url", env: map[string]string{"DATABASE_URL": "mysql://x"}, want: func(*Config) {},
			wantErr: "DATABASE_URL must look like postgres://"},
		{name: "bad database port", env: map[string]string{"DATABASE_HOST": "db", "DATABASE_PORT": "99999"}, want: func(*Config) {},
			wantErr: `DATABASE_PORT "99999" is not a port number`},
		{name: "bad idle minutes", env: map[string]string{"CHELAL_SESSION_IDLE_MINUTES": "0"}, want: func(*Config) {},
			wantErr: `CHELAL_SESSION_IDLE_MINUTES "0" must be a number of minutes from 1 to 1440`},
		{name: "bad disk threshold", env: map[string]string{"CHELAL_DISK_LOW_MB": "lots"}, want: func(*Config) {},
			wantErr: `CHELAL_DISK_LOW_MB "lots" must be a number of megabytes`},
		{name: "bad leftover days", env: map[string]string{"CHELAL_LEFTOVER_DAYS": "9999"}, want: func(*Config) {},
			wantErr: `CHELAL_LEFTOVER_DAYS "9999" must be a number of days from 1 to 3650`},
		{name: "bad host names", env: map[string]string{"CHELAL_HOST_NAMES": "http://x"}, want: func(*Config) {},
			wantErr: `CHELAL_HOST_NAMES: host name "http://x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := Load(env(tc.env))
			want := defaults
			tc.want(&want)
			got := *c
			got.db, got.home, got.raw, got.errs = dbParts{}, "", nil, nil
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Load =\n%+v\nwant\n%+v", got, want)
			}
			err := c.Err()
			if (err != nil) != (tc.wantErr != "") || err != nil && !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("Err = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestFlagsOverrideTheEnvironment: a flag wins over its variable, even over a bad value of it.
func TestFlagsOverrideTheEnvironment(t *testing.T) {
	t.Parallel()
	c := Load(env(map[string]string{"CHELAL_ADDR": "127.0.0.1:1", "CHELAL_HOST_NAMES": "http://bad", "CHELAL_DATA_DIR": "/env"}))
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	c.Flags(fs, "addr", "host-names", "data-dir")
	if err := fs.Parse([]string{"--addr", "0.0.0.0:7300", "--host-names", "good.lan"}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "0.0.0.0:7300" || !slices.Equal(c.HostNames, []string{"good.lan"}) || c.DataDir != "/env" || c.Err() != nil {
		t.Errorf("after flags: addr %q, host names %q, data dir %q, err %v", c.Addr, c.HostNames, c.DataDir, c.Err())
	}
	err := fs.Parse([]string{"--host-names", "x/y"})
	if err == nil || !strings.Contains(err.Error(), `host name "x/y"`) || strings.Contains(err.Error(), "CHELAL_HOST_NAMES") {
		t.Errorf("a bad flag: %v", err)
	}
}

func TestResolveDataDir(t *testing.T) {
	t.Parallel()
	got, err := Load(env(map[string]string{"CHELAL_DATA_DIR": "rel/data"})).ResolveDataDir()
	if err != nil || !filepath.IsAbs(got) || !strings.HasSuffix(got, filepath.Join("rel", "data")) {
		t.Errorf("relative CHELAL_DATA_DIR: %q, %v", got, err)
	}
	if got, err := Load(env(map[string]string{"XDG_DATA_HOME": "/xdg"})).ResolveDataDir(); err != nil || got != "/xdg/chelal" {
		t.Errorf("XDG_DATA_HOME: %q, %v", got, err)
	}
}

// TestHelpAndReadmeListEverySetting: help is made from the table, and the README's table of
// settings names each one, so neither can forget a new setting.
func TestHelpAndReadmeListEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	help := Help()
	for _, s := range Settings {
		if !strings.Contains(help, s.Env) || s.Flag != "" && !strings.Contains(help, "--"+s.Flag) {
			t.Errorf("help lacks %s %s", s.Env, s.Flag)
		}
		if !strings.Contains(string(readme), "`"+s.Env+"`") {
			t.Errorf("README.md does not list `%s`", s.Env)
		}
		if s.set == nil {
			t.Errorf("%s has no setter", s.Env)
		}
	}
}
