// Command serve measures a real `chelal serve` as a clinic feels it: first start on an empty
// data dir (unpack + initdb + migrate) to a healthy /api/v1/health, warm start to healthy, stop
// time after SIGTERM, the binary's size, the idle memory (PSS) of Chelal and its PostgreSQL, and
// logins (argon2id-bound): latency one at a time and under concurrency, and memory meanwhile.
//
//	go run ./bench/serve -bin bin/chelal -runs 5
//
// As root, Chelal is run as nobody (PostgreSQL refuses root).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

func main() {
	bin := flag.String("bin", "bin/chelal", "chelal executable")
	runs := flag.Int("runs", 5, "warm starts to measure")
	flag.Parse()
	if err := run(*bin, *runs); err != nil {
		fmt.Fprintln(os.Stderr, "bench/serve:", err)
		os.Exit(1)
	}
}

func run(bin string, runs int) error {
	abs, err := filepath.Abs(bin)
	if err != nil {
		return err
	}
	st, err := os.Stat(abs)
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("/var/tmp", "chelal-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if os.Geteuid() == 0 {
		_ = os.Chmod(dir, 0o755)
		_ = os.Chown(dir, 65534, 65534)
	}

	fmt.Printf("binary size: %.1f MB (%s)\n", float64(st.Size())/1e6, bin)
	first, p, err := start(abs, dir)
	if err != nil {
		return err
	}
	time.Sleep(3 * time.Second) // let it settle to idle
	pss, goPss, procs := memory(p.Process.Pid, dir)
	fmt.Printf("idle PSS, Chelal + PostgreSQL: %.1f MB over %d processes (Chelal itself %.1f MB)\n", float64(pss)/1024, procs, float64(goPss)/1024)
	stop1, err := stop(p)
	if err != nil {
		return err
	}
	fmt.Printf("first start (empty data dir) to healthy: %s\n", first.Round(time.Millisecond))

	var warm, stops []time.Duration
	for i := 0; i < runs; i++ {
		d, p, err := start(abs, dir)
		if err != nil {
			return err
		}
		s, err := stop(p)
		if err != nil {
			return err
		}
		warm, stops = append(warm, d), append(stops, s)
	}
	stops = append(stops, stop1)
	fmt.Printf("warm start to healthy over %d runs: %s\n", runs, summary(warm))
	fmt.Printf("stop (SIGTERM to exit) over %d runs: %s\n", len(stops), summary(stops))
	return benchLogin(abs, dir)
}

// benchLogin creates an administrator and measures POST /api/v1/auth/login.
func benchLogin(bin, dir string) error {
	const user, password = "benchadmin", "bench password 1234"
	args := []string{bin, "admin", "create", "--username", user, "--email", "bench@clinic.test"}
	if os.Geteuid() == 0 {
		args = append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
	}
	create := exec.Command(args[0], args[1:]...)
	create.Env = []string{"PATH=/usr/bin:/bin", "CHELAL_DATA_DIR=" + dir, "CHELAL_LOG_LEVEL=warn"}
	create.Stdin = strings.NewReader(password + "\n")
	if out, err := create.CombinedOutput(); err != nil {
		return fmt.Errorf("admin create: %v: %s", err, out)
	}
	_, p, err := start(bin, dir)
	if err != nil {
		return err
	}
	defer stop(p)
	addr := p.Args[len(p.Args)-1]
	body := fmt.Sprintf(`{"username":%q,"password":%q}`, user, password)
	loginOnce := func() (time.Duration, error) {
		began := time.Now()
		resp, err := http.Post("http://"+addr+"/api/v1/auth/login", "application/json", strings.NewReader(body))
		if err != nil {
			return 0, err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return 0, fmt.Errorf("login answered %d", resp.StatusCode)
		}
		return time.Since(began), nil
	}
	_, idleGo, _ := memory(p.Process.Pid, dir)
	var seq []time.Duration
	for i := 0; i < 30; i++ {
		d, err := loginOnce()
		if err != nil {
			return err
		}
		seq = append(seq, d)
	}
	fmt.Printf("login, one at a time, 30 logins: %s\n", summary(seq))

	const clients, each = 16, 5
	var mu sync.Mutex
	var par []time.Duration
	var firstErr error
	peak := 0
	done := make(chan struct{})
	go func() { // sample Chelal's PSS while the logins run
		for {
			select {
			case <-done:
				return
			case <-time.After(20 * time.Millisecond):
				if _, g, _ := memory(p.Process.Pid, dir); g > peak {
					peak = g
				}
			}
		}
	}()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				d, err := loginOnce()
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				par = append(par, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(done)
	if firstErr != nil {
		return firstErr
	}
	fmt.Printf("login, %d clients at once, %d logins: %s\n", clients, len(par), summary(par))
	fmt.Printf("Chelal PSS during concurrent logins: peak %.1f MB (idle %.1f MB); argon2id holds 19 MiB per login in flight, at most one per core\n",
		float64(peak)/1024, float64(idleGo)/1024)
	return nil
}

func start(bin, dir string) (time.Duration, *exec.Cmd, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	args := []string{bin, "serve", "--addr", addr}
	if os.Geteuid() == 0 {
		args = append([]string{"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"}, args...)
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "CHELAL_DATA_DIR=" + dir, "CHELAL_LOG_LEVEL=warn"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	began := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, nil, err
	}
	client := &http.Client{Timeout: time.Second}
	for time.Since(began) < 90*time.Second {
		resp, err := client.Get("http://" + addr + "/api/v1/health")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return time.Since(began), cmd, nil
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	_ = cmd.Process.Kill()
	return 0, nil, fmt.Errorf("not healthy within 90 s:\n%s", out.String())
}

func stop(cmd *exec.Cmd) (time.Duration, error) {
	began := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		return 0, err
	}
	if err := cmd.Wait(); err != nil {
		return 0, fmt.Errorf("exit after SIGTERM: %w", err)
	}
	return time.Since(began), nil
}

// memory sums the PSS (KiB) of the Chelal process and every postgres process of its data dir;
// it also returns Chelal's own share and the number of processes.
func memory(chelalPid int, dir string) (int, int, int) {
	pids := []int{}
	entries, _ := os.ReadDir("/proc")
	postmaster := 0
	if b, err := os.ReadFile(filepath.Join(dir, "pg", "data", "postmaster.pid")); err == nil {
		postmaster, _ = strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pid == chelalPid || pid == postmaster || parent(pid) == postmaster || parent(pid) == chelalPid {
			pids = append(pids, pid)
		}
	}
	total, own := 0, 0
	for _, pid := range pids {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "Pss:" {
				kb, _ := strconv.Atoi(f[1])
				total += kb
				if pid == chelalPid {
					own += kb
				}
			}
		}
	}
	return total, own, len(pids)
}

func parent(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return -1
	}
	p, _ := strconv.Atoi(f[1])
	return p
}

func summary(ds []time.Duration) string {
	s := slices.Clone(ds)
	slices.Sort(s)
	return fmt.Sprintf("min %s, median %s, max %s", s[0].Round(time.Millisecond), s[len(s)/2].Round(time.Millisecond), s[len(s)-1].Round(time.Millisecond))
}
