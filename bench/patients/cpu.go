package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"runtime/pprof"
	"time"

	"chelal/bench/internal/apiclient"
	"chelal/bench/internal/proc"
)

// pgDir is the data folder of the embedded PostgreSQL whose CPU the phases count.
var pgDir string

func cpuSeconds(pid int) float64 { return proc.CPU(pid).Seconds() }

// pgCPUSeconds is the CPU used so far by the postmaster and its live children (backends that
// exited meanwhile are not counted; the bench's pool keeps its connections).
func pgCPUSeconds() float64 {
	pids, _ := proc.Postgres(pgDir)
	var total time.Duration
	for _, pid := range pids {
		total += proc.CPU(pid)
	}
	return total.Seconds()
}

// startProfile starts a CPU profile of this process for one phase; the returned func stops it.
func startProfile(kind string) func() {
	if cpuProfile == "" {
		return func() {}
	}
	f, err := os.Create(cpuProfile + "-" + kind + ".pprof")
	if err != nil {
		fmt.Fprintln(os.Stderr, "cpuprofile:", err)
		return func() {}
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return func() {}
	}
	return func() { pprof.StopCPUProfile(); f.Close() }
}

// With -pin, the HTTP clients run in a child process (this program again, with clientEnv set)
// on CPU 0, while this process (the API server and the direct searches) and its PostgreSQL run
// on CPU 1: the clients' own work (building requests, reading answers) is then not charged to
// the server's CPU, as when they are the clinic's other computers, and the API/direct ratio
// compares the server's work per request with the direct path's on the same single CPU.
const clientEnv = "CHELAL_BENCH_PATIENTS_CLIENTS"

// clientSpec is what the child is asked to do: clients sessions (their cookies) searching the
// queries for dur.
type clientSpec struct {
	URL     string // the search URL, without the query
	Cookies []http.Cookie
	Queries []string
	Clients int
	Dur     time.Duration
	Think   time.Duration
}

// clientResult is the child's answer.
type clientResult struct {
	N, Errs       int
	P50, P95, P99 time.Duration
	RPS           float64
}

// pinServer puts this process and its PostgreSQL on CPU 1.
func pinServer() error {
	pg, err := proc.Postgres(pgDir)
	if err != nil {
		return fmt.Errorf("pin: %w", err)
	}
	return proc.Pin("1", append(pg, os.Getpid())...)
}

// childClients runs spec's load in a child process on CPU 0 and returns its result.
func childClients(spec clientSpec) (result, error) {
	self, err := os.Executable()
	if err != nil {
		return result{}, err
	}
	in, err := json.Marshal(spec)
	if err != nil {
		return result{}, err
	}
	cmd := exec.Command("taskset", "-c", "0", self)
	cmd.Env = append(os.Environ(), clientEnv+"=1")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return result{}, fmt.Errorf("clients' process: %w", err)
	}
	var r clientResult
	if err := json.Unmarshal(out, &r); err != nil {
		return result{}, fmt.Errorf("clients' process: %w: %q", err, out)
	}
	return result{n: r.N, errs: r.Errs, p50: r.P50, p95: r.P95, p99: r.P99, rps: r.RPS}, nil
}

// clientMain is the child's whole run: read the spec, search, print the result.
func clientMain() error {
	var spec clientSpec
	if err := json.NewDecoder(os.Stdin).Decode(&spec); err != nil {
		return err
	}
	think = spec.Think
	var sessions []*session
	for i := range spec.Cookies {
		sessions = append(sessions, &session{apiclient.WithCookie(&spec.Cookies[i])})
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: spec.Clients}}
	r := measure(spec.Clients, spec.Dur, func(r *rand.Rand) error {
		return sessions[r.IntN(len(sessions))].get(client, spec.URL+searchQuery(spec.Queries[r.IntN(len(spec.Queries))]))
	})
	return json.NewEncoder(os.Stdout).Encode(clientResult{N: r.n, Errs: r.errs, P50: r.p50, P95: r.p95, P99: r.p99, RPS: r.rps})
}
