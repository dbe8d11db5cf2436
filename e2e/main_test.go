// Package e2e tests the built chelal executable as a clinic runs it: started, killed with
// SIGKILL, started again, without network, on bad data dirs, as root. These tests run as root
// (network namespaces, and running Chelal as another user); Chelal itself runs as nobody.
package e2e

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

const nobody = 65534

var (
	chelalBin string // the binary under test, in a folder nobody can reach
	selfBin   string // a copy of this test binary, used as a probe inside network namespaces
	workDir   string
)

func TestMain(m *testing.M) {
	if url := os.Getenv("CHELAL_E2E_PROBE"); url != "" {
		os.Exit(probe(url))
	}
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "e2e: these tests need root (network namespaces, running Chelal as nobody); run them with `make test` as root or through sudo")
		return 1
	}
	var err error
	workDir, err = os.MkdirTemp("", "chelal-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer os.RemoveAll(workDir)
	if err := os.Chmod(workDir, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	chelalBin = filepath.Join(workDir, "chelal")
	build := exec.Command("go", "build", "-trimpath", "-o", chelalBin, "chelal")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	started := time.Now()
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: go build:", err)
		return 1
	}
	fmt.Fprintf(os.Stderr, "e2e: built %s in %s\n", chelalBin, time.Since(started).Round(time.Millisecond))
	selfBin = filepath.Join(workDir, "probe")
	if err := copyFile(os.Args[0], selfBin, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	return m.Run()
}

// probe is this binary's other job, inside a network namespace: wait for Chelal's health
// endpoint, print what it answered, and show that nothing beyond loopback is reachable.
func probe(url string) int {
	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		resp, err := client.Get(url)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				fmt.Printf("health %d %s\n", resp.StatusCode, bytes.TrimSpace(body))
				_, dialErr := net.DialTimeout("tcp", "192.0.2.10:80", 2*time.Second)
				fmt.Printf("outside: %v\n", dialErr)
				return 0
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	fmt.Println("health: no answer within 90 s")
	return 1
}

// newDataDir returns an empty data folder owned by nobody.
func newDataDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp(workDir, "data-")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stopOrphans(dir) })
	return dir
}

// stopOrphans stops a postgres a failed test may have left running on dir.
func stopOrphans(dir string) {
	if pid := postmasterPID(dir); pid > 0 {
		_ = syscall.Kill(pid, syscall.SIGQUIT)
		time.Sleep(200 * time.Millisecond)
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// chelal is one running `chelal serve`.
type chelal struct {
	cmd  *exec.Cmd
	addr string
	out  *syncBuffer
	done chan struct{}
	err  error
}

// command builds a chelal command line run as nobody (asRoot false) or as root.
func command(asRoot bool, env []string, args ...string) *exec.Cmd {
	var cmd *exec.Cmd
	if asRoot {
		cmd = exec.Command(chelalBin, args...)
	} else {
		cmd = exec.Command("setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", chelalBin}, args...)...)
	}
	cmd.Env = append([]string{"PATH=/usr/bin:/bin", "HOME=/nonexistent"}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	return cmd
}

// startServe starts `chelal serve` as nobody on dataDir and waits until it is healthy.
func startServe(t *testing.T, dataDir string, extraEnv ...string) *chelal {
	t.Helper()
	c := launchServe(t, dataDir, extraEnv...)
	if err := c.waitHealthy(90 * time.Second); err != nil {
		t.Fatalf("chelal did not become healthy: %v\n%s", err, c.out.String())
	}
	return c
}

func launchServe(t *testing.T, dataDir string, extraEnv ...string) *chelal {
	t.Helper()
	addr := freeAddr(t)
	env := append([]string{"CHELAL_DATA_DIR=" + dataDir}, extraEnv...)
	c := &chelal{cmd: command(false, env, "serve", "--addr", addr), addr: addr, out: &syncBuffer{}, done: make(chan struct{})}
	c.cmd.Stdout, c.cmd.Stderr = c.out, c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { c.err = c.cmd.Wait(); close(c.done) }()
	t.Cleanup(func() {
		select {
		case <-c.done:
		default:
			_ = c.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-c.done:
			case <-time.After(20 * time.Second):
				_ = syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL)
			}
		}
		if t.Failed() {
			t.Logf("chelal output:\n%s", c.out.String())
		}
	})
	return c
}

func (c *chelal) waitHealthy(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-c.done:
			return fmt.Errorf("chelal exited: %v", c.err)
		default:
		}
		resp, err := client.Get("http://" + c.addr + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return errors.New("timed out")
}

// stop sends SIGTERM and waits for a clean exit.
func (c *chelal) stop(t *testing.T) time.Duration {
	t.Helper()
	started := time.Now()
	if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-c.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("chelal did not stop within 30 s after SIGTERM\n%s", c.out.String())
	}
	if c.err != nil {
		t.Fatalf("chelal exited with %v after SIGTERM\n%s", c.err, c.out.String())
	}
	return time.Since(started)
}

func (c *chelal) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-c.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-c.done
}

// postmasterPID reads the PID of the embedded server of dataDir (0 if none).
func postmasterPID(dataDir string) int {
	b, err := os.ReadFile(filepath.Join(dataDir, "pg", "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	return pid
}

// embeddedDSN is how a test reaches the embedded server of a running Chelal directly.
func embeddedDSN(t *testing.T, dataDir string) string {
	t.Helper()
	pw, err := os.ReadFile(filepath.Join(dataDir, "pg", "password"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dataDir, "pg", "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	var lines []string
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) < 4 {
		t.Fatalf("postmaster.pid has %d lines", len(lines))
	}
	database := "chelal"
	if b, err := os.ReadFile(filepath.Join(dataDir, "pg", "database")); err == nil { // switched by a restore
		database = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("postgres://chelal:%s@127.0.0.1:%s/%s?sslmode=disable", strings.TrimSpace(string(pw)), strings.TrimSpace(lines[3]), database)
}

func connect(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}

// queryStrings reads the one text column of a query's rows.
func queryStrings(t *testing.T, conn *pgx.Conn, sql string, args ...any) []string {
	t.Helper()
	rows, err := conn.Query(context.Background(), sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func copyFile(src, dst string, perm os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, perm)
}
