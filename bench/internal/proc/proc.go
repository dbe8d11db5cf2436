// Package proc is what the benches read and set of the processes they measure: their CPU time
// and parent (from /proc), the embedded PostgreSQL's processes, and the CPUs they run on (so
// that on a 2-core machine the server, Chelal and its PostgreSQL, has one CPU and the bench's
// clients the other, as when the clients are other computers).
package proc

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Pin puts every thread of each process on cpu (a taskset list, such as "1"; taskset is in
// util-linux).
func Pin(cpu string, pids ...int) error {
	for _, pid := range pids {
		if out, err := exec.Command("taskset", "-a", "-cp", cpu, strconv.Itoa(pid)).CombinedOutput(); err != nil {
			return fmt.Errorf("taskset %d: %v: %s", pid, err, out)
		}
	}
	return nil
}

// Postgres is the embedded PostgreSQL of the data folder dir (its postmaster.pid under
// pg/data): the postmaster and its live children. Backends it starts later inherit the
// postmaster's CPUs.
func Postgres(dir string) ([]int, error) {
	b, err := os.ReadFile(filepath.Join(dir, "pg", "data", "postmaster.pid"))
	if err != nil {
		return nil, err
	}
	postmaster, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0]))
	if postmaster == 0 {
		return nil, fmt.Errorf("no process id in %s/pg/data/postmaster.pid", dir)
	}
	pids := []int{postmaster}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && Parent(pid) == postmaster {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// Parent is pid's parent process (0: unknown).
func Parent(pid int) int {
	f := statFields(pid)
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// clockTick is the unit of /proc/PID/stat's times (USER_HZ, 100 on Linux).
const clockTick = 10 * time.Millisecond

// CPU is the CPU time pid has used so far (user + system; 0: no such process).
func CPU(pid int) time.Duration {
	f := statFields(pid)
	if len(f) < 13 {
		return 0
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(utime+stime) * clockTick
}

// statFields are the fields of /proc/PID/stat after the command's name (f[0] is the state,
// f[1] the parent, f[11] and f[12] the user and system time).
func statFields(pid int) []string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return nil
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(s[i+1:])
}
