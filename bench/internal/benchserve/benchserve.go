// Package benchserve runs a real `chelal serve` for the benches: a fresh data folder with an
// administrator, Chelal on a free loopback port (as nobody when run as root: PostgreSQL
// refuses root), and its stop.
package benchserve

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Cmd is a chelal command in a data folder.
type Cmd struct{ *exec.Cmd }

// Command is chelal args on the data folder dir.
func Command(bin, dir string, args ...string) Cmd {
	all := append([]string{bin}, args...)
	if os.Geteuid() == 0 {
		all = append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, all...)
	}
	c := exec.Command(all[0], all[1:]...)
	// No scheduled backups: the first would start two minutes in, in the middle of a measured
	// phase (a base backup and its verification are about a second of Chelal's CPU, and more
	// of PostgreSQL's).
	c.Env = []string{"PATH=/usr/bin:/bin", "CHELAL_DATA_DIR=" + dir, "CHELAL_LOG_LEVEL=warn", "CHELAL_BACKUP_SCHEDULE=off"}
	if f := os.Getenv("CHELAL_CPUPROFILE"); f != "" { // the served Chelal writes its CPU profile there when stopped
		c.Env = append(c.Env, "CHELAL_CPUPROFILE="+f)
	}
	return Cmd{c}
}

// WithStdin gives the command s on its standard input.
func (c Cmd) WithStdin(s string) Cmd {
	c.Stdin = strings.NewReader(s)
	return c
}

// Start serves dir on a free loopback port and waits until it is healthy.
func Start(bin, dir string) (*exec.Cmd, string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, "", err
	}
	addr := ln.Addr().String()
	ln.Close()
	c := Command(bin, dir, "serve", "--addr", addr)
	var out bytes.Buffer
	c.Stdout, c.Stderr = &out, &out
	if err := c.Start(); err != nil {
		return nil, "", err
	}
	hc := &http.Client{Timeout: time.Second}
	for began := time.Now(); time.Since(began) < 90*time.Second; time.Sleep(10 * time.Millisecond) {
		if resp, err := hc.Get("http://" + addr + "/api/v1/health"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c.Cmd, addr, nil
			}
		}
	}
	_ = c.Process.Kill()
	return nil, "", fmt.Errorf("not healthy within 90 s:\n%s", out.String())
}

// Stop ends a served Chelal (SIGTERM) and waits for it.
func Stop(c *exec.Cmd) {
	_ = c.Process.Signal(syscall.SIGTERM)
	_ = c.Wait()
}

// Server is a served Chelal on a fresh data folder with one administrator.
type Server struct {
	Cmd  *exec.Cmd
	Dir  string // its data folder
	Addr string // host:port
}

// New makes a data folder under /var/tmp (name: its prefix), creates the administrator user
// with password, and serves it. Close stops it and removes the folder.
func New(bin, name, user, password string) (*Server, error) {
	return NewIn("/var/tmp", bin, name, user, password)
}

// NewIn is New with the data folder under parent (/dev/shm: PostgreSQL's fsyncs cost nothing,
// so the server's own CPU weighs more in its latencies).
func NewIn(parent, bin, name, user, password string) (*Server, error) {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(parent, name)
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		_ = os.Chmod(dir, 0o755)
		_ = os.Chown(dir, 65534, 65534)
	}
	if out, err := Command(abs, dir, "admin", "create", "--username", user, "--email", "bench@clinic.test").
		WithStdin(password + "\n").CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("admin create: %v: %s", err, out)
	}
	p, addr, err := Start(abs, dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return &Server{Cmd: p, Dir: dir, Addr: addr}, nil
}

// Close stops the server and removes its data folder.
func (s *Server) Close() {
	Stop(s.Cmd)
	os.RemoveAll(s.Dir)
}
