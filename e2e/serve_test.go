package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"chelal/migrations"
)

// TestServeOffline starts Chelal from an empty data dir inside a network namespace that has
// only loopback: nothing may be fetched at run time.
func TestServeOffline(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	addr := "127.0.0.1:7300"
	script := `set -e
ip link set lo up
setpriv --reuid=65534 --regid=65534 --clear-groups env CHELAL_DATA_DIR="$DATA" "$CHELAL" serve --addr "$ADDR" >"$DATA/serve.log" 2>&1 &
pid=$!
rc=0
CHELAL_E2E_PROBE="http://$ADDR/api/v1/health" "$PROBE" || rc=$?
kill -TERM $pid
wait $pid || rc=$?
exit $rc`
	cmd := exec.Command("unshare", "--net", "--", "sh", "-c", script)
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "DATA=" + data, "CHELAL=" + chelalBin, "ADDR=" + addr, "PROBE=" + selfBin}
	started := time.Now()
	out, err := cmd.CombinedOutput()
	log, _ := os.ReadFile(filepath.Join(data, "serve.log"))
	if err != nil {
		t.Fatalf("offline start failed: %v\n%s\nchelal log:\n%s", err, out, log)
	}
	if !strings.Contains(string(out), `"database":"ok"`) {
		t.Fatalf("health did not report the database ok:\n%s", out)
	}
	// Inside the namespace, the outside world must have been unreachable.
	if !strings.Contains(string(out), "outside: dial tcp") || !strings.Contains(string(out), "unreachable") {
		t.Fatalf("the namespace was not offline:\n%s", out)
	}
	t.Logf("offline first start to healthy and stop: %s\n%s", time.Since(started).Round(time.Millisecond), out)
}

// TestCrashLosesNoCommittedRow commits rows, kills postgres and/or Chelal with SIGKILL,
// starts Chelal again on the same data dir, and finds every committed row.
func TestCrashLosesNoCommittedRow(t *testing.T) {
	t.Parallel()
	for _, victim := range []string{"postgres", "chelal", "both"} {
		t.Run(victim, func(t *testing.T) {
			t.Parallel()
			data := newDataDir(t)
			c := startServe(t, data)
			conn := connect(t, embeddedDSN(t, data))
			ctx := context.Background()
			const rows = 200
			for i := 0; i < rows; i++ {
				if _, err := conn.Exec(ctx, `INSERT INTO core_role (name, description) VALUES ($1, 'crash test')`, "crash-"+victim+"-"+strconv.Itoa(i)); err != nil {
					t.Fatal(err)
				}
			}
			pgPid := postmasterPID(data)
			if pgPid == 0 {
				t.Fatal("no postmaster.pid while Chelal runs")
			}
			switch victim {
			case "postgres":
				mustKill(t, pgPid)
				waitGone(t, pgPid)
				c.kill(t) // a Chelal whose database died is killed too, as a power cut would
			case "chelal":
				c.kill(t) // postgres keeps running, orphaned
				if syscall.Kill(pgPid, 0) != nil {
					t.Fatal("expected postgres to outlive the killed Chelal")
				}
			case "both":
				mustKill(t, pgPid)
				c.kill(t)
				waitGone(t, pgPid)
			}
			_ = conn.Close(ctx)

			c2 := startServe(t, data)
			conn2 := connect(t, embeddedDSN(t, data))
			var n int
			if err := conn2.QueryRow(ctx, `SELECT count(*) FROM core_role WHERE name LIKE 'crash-%'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != rows {
				t.Fatalf("after kill -9 of %s: %d of %d committed rows survived", victim, n, rows)
			}
			if victim == "chelal" && syscall.Kill(pgPid, 0) == nil && postmasterPID(data) == pgPid {
				t.Fatal("the orphaned postgres was not replaced")
			}
			c2.stop(t)
		})
	}
}

// TestStopIsClean shows that SIGTERM stops Chelal and its PostgreSQL cleanly, and that a
// warm start reuses the data.
func TestStopIsClean(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	started := time.Now()
	c := startServe(t, data)
	first := time.Since(started)
	stopTook := c.stop(t)
	if pid := postmasterPID(data); pid != 0 {
		t.Fatalf("postmaster.pid still there after a clean stop (pid %d)", pid)
	}
	if !strings.Contains(c.out.String(), "embedded postgres stopped") {
		t.Fatalf("no clean postgres stop in the log:\n%s", c.out.String())
	}
	started = time.Now()
	c2 := startServe(t, data)
	warm := time.Since(started)
	if strings.Contains(c2.out.String(), "initdb=true") {
		t.Fatalf("warm start ran initdb again:\n%s", c2.out.String())
	}
	c2.stop(t)
	t.Logf("first start to healthy %s, stop %s, warm start to healthy %s (wall time incl. process start)", first.Round(time.Millisecond), stopTook.Round(time.Millisecond), warm.Round(time.Millisecond))
}

// TestSecondInstanceRefused: two Chelals on one data dir would corrupt it; the second says so.
func TestSecondInstanceRefused(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	c := startServe(t, data)
	out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
	if code == 0 || !strings.Contains(out, "another Chelal is already running") {
		t.Fatalf("second instance: exit %d, output:\n%s", code, out)
	}
	c.stop(t)
}

// TestExternalDatabase: with DATABASE_URL Chelal uses that server and starts no PostgreSQL.
func TestExternalDatabase(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	host := startServe(t, data) // provides a PostgreSQL to use as the "external" one
	dsn := embeddedDSN(t, data)
	other := newDataDir(t)
	c := startServe(t, other, "DATABASE_URL="+dsn)
	// The data dir holds Chelal's own files (the 2FA key), but no PostgreSQL was started.
	if _, err := os.Stat(filepath.Join(other, "pg")); !os.IsNotExist(err) {
		t.Fatalf("with DATABASE_URL, Chelal set up an embedded PostgreSQL (%v)", err)
	}
	if !strings.Contains(c.out.String(), "external PostgreSQL") {
		t.Fatalf("log does not say the external server is used:\n%s", c.out.String())
	}
	var health map[string]any
	resp, err := http.Get("http://" + c.addr + "/api/v1/health")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(&health); err != nil || health["database"] != "ok" {
		t.Fatalf("health: %v %v", health, err)
	}

	// Two Chelals on one database: a session opened on one is accepted by the other.
	out, code := runChelalInput(t, false, []string{"CHELAL_DATA_DIR=" + other, "DATABASE_URL=" + dsn}, "shared password 123\n",
		"admin", "create", "--username", "shared", "--email", "shared@clinic.test")
	if code != 0 {
		t.Fatalf("admin create on the external database: exit %d\n%s", code, out)
	}
	body := strings.NewReader(`{"username":"shared","password":"shared password 123"}`)
	loginResp, err := http.Post("http://"+host.addr+"/api/v1/auth/login", "application/json", body)
	if err != nil {
		t.Fatal(err)
	}
	loginResp.Body.Close()
	if loginResp.StatusCode != http.StatusOK || len(loginResp.Cookies()) == 0 {
		t.Fatalf("login on the first instance: %d", loginResp.StatusCode)
	}
	req, _ := http.NewRequest("GET", "http://"+c.addr+"/api/v1/auth/me", nil)
	req.AddCookie(loginResp.Cookies()[0])
	me, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	me.Body.Close()
	if me.StatusCode != http.StatusOK {
		t.Fatalf("the second instance refused the first one's session: %d", me.StatusCode)
	}
	c.stop(t)
	host.stop(t)
}

// TestFaults: each bad start ends with a clear message and a non-zero exit, and deletes nothing.
func TestFaults(t *testing.T) {
	t.Parallel()

	t.Run("other major version", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		pgdata := filepath.Join(data, "pg", "data")
		mustWrite(t, filepath.Join(pgdata, "PG_VERSION"), "16\n")
		mustWrite(t, filepath.Join(pgdata, "base", "1", "precious"), "clinic records")
		chownR(t, data)
		out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "PostgreSQL 16 cluster") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		if b, err := os.ReadFile(filepath.Join(pgdata, "base", "1", "precious")); err != nil || string(b) != "clinic records" {
			t.Fatalf("the other version's data dir was touched: %v", err)
		}
	})

	t.Run("not a cluster", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		mustWrite(t, filepath.Join(data, "pg", "data", "notes.txt"), "something else")
		chownR(t, data)
		out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "holds no PostgreSQL cluster") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		if _, err := os.Stat(filepath.Join(data, "pg", "data", "notes.txt")); err != nil {
			t.Fatalf("a foreign file was deleted: %v", err)
		}
	})

	t.Run("unwritable data dir", func(t *testing.T) {
		t.Parallel()
		data, err := os.MkdirTemp(workDir, "ro-")
		if err != nil {
			t.Fatal(err)
		}
		// owned by root, 0755: nobody cannot write it
		out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "cannot be created") && !strings.Contains(out, "not writable") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})

	t.Run("unreachable DATABASE_URL", func(t *testing.T) {
		t.Parallel()
		started := time.Now()
		// 192.0.2.1 (TEST-NET-1) never answers: the connection attempt must give up by itself.
		out, code := runChelal(t, true, []string{"DATABASE_URL=postgres://chelal:x@192.0.2.1:5432/chelal?sslmode=disable"}, "serve", "--addr", freeAddr(t))
		took := time.Since(started)
		if code == 0 || !strings.Contains(out, "connect to database") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		if took > 15*time.Second {
			t.Fatalf("gave up only after %s (budget 10 s + start)", took)
		}
		if strings.Contains(out, "chelal:x@") {
			t.Fatalf("the password was printed:\n%s", out)
		}
	})

	t.Run("silent DATABASE_URL", func(t *testing.T) {
		t.Parallel()
		// A server that accepts the connection and never answers (a hung host, a firewall that
		// swallows packets): Chelal must give up by itself within its 10 s budget.
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		go func() {
			var held []net.Conn
			for {
				c, err := ln.Accept()
				if err != nil {
					for _, c := range held {
						c.Close()
					}
					return
				}
				held = append(held, c)
			}
		}()
		started := time.Now()
		out, code := runChelal(t, true, []string{"DATABASE_URL=postgres://chelal:x@" + ln.Addr().String() + "/chelal?sslmode=disable"}, "serve", "--addr", freeAddr(t))
		took := time.Since(started)
		if code == 0 || !strings.Contains(out, "connect to database") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		if took < 9*time.Second || took > 15*time.Second {
			t.Fatalf("gave up after %s; want about 10 s (the connect timeout)", took)
		}
		t.Logf("a silent database server was given up after %s", took.Round(time.Millisecond))
	})

	t.Run("refused DATABASE_HOST", func(t *testing.T) {
		t.Parallel()
		out, code := runChelal(t, true, []string{"DATABASE_HOST=127.0.0.1", "DATABASE_PORT=1", "DATABASE_PASSWORD=pw"}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "connect to database chelal@127.0.0.1:1/chelal") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})

	t.Run("embedded as root", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		out, code := runChelal(t, true, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "refuses to run as root") {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
	})

	t.Run("port in use", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", ln.Addr().String())
		if code == 0 || !strings.Contains(out, "cannot listen on "+ln.Addr().String()) {
			t.Fatalf("exit %d, output:\n%s", code, out)
		}
		if entries, _ := os.ReadDir(data); len(entries) != 0 {
			t.Fatalf("PostgreSQL was started although the port was taken: %v", entries)
		}
	})

	t.Run("bad arguments", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{{"frobnicate"}, {"migrate"}, {"migrate", "down", "x"}, {"serve", "--nope"}} {
			out, code := runChelal(t, true, nil, args...)
			if code != 2 {
				t.Errorf("%v: exit %d, want 2; output:\n%s", args, code, out)
			}
		}
	})
}

// TestMigrateCommand drives `chelal migrate` on the embedded server.
func TestMigrateCommand(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	latest, prev := latestMigrations(t)
	of := " of " + latest
	steps := []struct {
		args []string
		want string
	}{
		{[]string{"migrate", "status"}, "schema version 0000" + of},
		{[]string{"migrate", "up"}, "schema version " + latest + of},
		{[]string{"migrate", "down", "2"}, "schema version " + prev + of},
		{[]string{"migrate", "to", "0"}, "schema version 0000" + of},
		{[]string{"migrate", "up"}, "schema version " + latest + of},
	}
	for _, s := range steps {
		out, code := runChelal(t, false, env, s.args...)
		if code != 0 || !strings.Contains(out, s.want) {
			t.Fatalf("%v: exit %d, want %q in:\n%s", s.args, code, s.want, out)
		}
	}
	out, code := runChelal(t, true, nil, "version")
	if code != 0 || !strings.Contains(out, "PostgreSQL 18.4.0") {
		t.Fatalf("version: exit %d:\n%s", code, out)
	}
	out, code = runChelal(t, true, nil, "help")
	if code != 0 || !strings.Contains(out, "DATABASE_URL") || !strings.Contains(out, "--addr") {
		t.Fatalf("help: exit %d:\n%s", code, out)
	}
}

// runChelal runs one chelal command to completion (60 s at most).
func runChelal(t *testing.T, asRoot bool, env []string, args ...string) (string, int) {
	t.Helper()
	return runChelalInput(t, asRoot, env, "", args...)
}

// runChelalInput is runChelal with stdin.
func runChelalInput(t *testing.T, asRoot bool, env []string, stdin string, args ...string) (string, int) {
	t.Helper()
	cmd := command(asRoot, env, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out syncBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return out.String(), exit.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return out.String(), 0
	case <-time.After(60 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		t.Fatalf("chelal %v did not finish within 60 s:\n%s", args, out.String())
		return "", -1
	}
}

func mustKill(t *testing.T, pid int) {
	t.Helper()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %d: %v", pid, err)
	}
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat"); err != nil || strings.Contains(string(b), ") Z ") {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("process %d still alive 10 s after SIGKILL", pid)
}

func mustWrite(t *testing.T, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func chownR(t *testing.T, dir string) {
	t.Helper()
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, nobody, nobody)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// latestMigrations returns the newest migration version of the embedded files and the one two
// steps before it, as `migrate status` prints them (0009).
func latestMigrations(t *testing.T) (latest, twoBefore string) {
	t.Helper()
	entries, err := fs.Glob(migrations.FS, "*.up.sql")
	if err != nil || len(entries) < 3 {
		t.Fatalf("embedded migrations: %v (%d files)", err, len(entries))
	}
	sort.Strings(entries)
	v := func(name string) string { return strings.SplitN(name, "_", 2)[0] }
	return v(entries[len(entries)-1]), v(entries[len(entries)-3])
}
