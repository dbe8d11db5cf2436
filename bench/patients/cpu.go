package main

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
)

// pgPID is the embedded postmaster's process id (0: unknown); its children are the backends.
var pgPID int

func postmasterPID(dir string) int {
	f, err := os.Open(filepath.Join(dir, "pg", "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Scan()
	pid, _ := strconv.Atoi(strings.TrimSpace(sc.Text()))
	return pid
}

// procStat returns a process's parent and the CPU seconds it used (user + system).
func procStat(pid int) (ppid int, cpu float64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(s[i+1:]) // f[0] state, f[1] ppid, f[11] utime, f[12] stime
	if len(f) < 13 {
		return 0, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return ppid, (u + st) / 100, true // USER_HZ is 100 on Linux
}

func cpuSeconds(pid int) float64 {
	_, c, _ := procStat(pid)
	return c
}

// pgCPUSeconds is the CPU used so far by the postmaster and its live children (backends that
// exited meanwhile are not counted; the bench's pool keeps its connections).
func pgCPUSeconds() float64 {
	if pgPID == 0 {
		return 0
	}
	total := cpuSeconds(pgPID)
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if ppid, c, ok := procStat(pid); ok && ppid == pgPID {
			total += c
		}
	}
	return total
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
