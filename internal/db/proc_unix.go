//go:build unix

package db

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// postgresAlive tells whether pid is a live (not zombie) postgres process. A PID that was
// reused by another program, or a zombie, is not ours: its postmaster.pid is stale.
func postgresAlive(pid int, _ string) bool {
	if err := syscall.Kill(pid, 0); err != nil && !errors.Is(err, syscall.EPERM) {
		return false
	}
	if stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)); err == nil {
		// Format: pid (comm) state ...; comm may contain spaces, so split after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 || i+2 >= len(stat) {
			return false
		}
		state := stat[i+2]
		if state == 'Z' || state == 'X' {
			return false
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		return err == nil && bytes.Contains(cmdline, []byte("postgres"))
	}
	out, err := exec.Command("ps", "-p", fmt.Sprint(pid), "-o", "stat=,comm=").Output()
	if err != nil {
		return false
	}
	s := strings.TrimSpace(string(out))
	return !strings.HasPrefix(s, "Z") && strings.Contains(s, "postgres")
}

// stopOrphans kills what is left of a dead postmaster: its backends and workers, which stay in
// the process group it led (pg_ctl starts it in a session of its own) until they notice its
// death, and which keep a new postmaster from starting ("shared memory block is still in use").
// Only postgres processes of that group are signalled (read from /proc; elsewhere nothing is
// done and the restart's back-off waits for them to exit).
func stopOrphans(postmasterPID int) {
	if postmasterPID <= 1 {
		return
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/stat")
	for _, f := range procs {
		stat, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp ...; comm may hold spaces, so split after the last ')'.
		open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
		if open < 0 || end < open {
			continue
		}
		fields := strings.Fields(string(stat[end+1:]))
		if len(fields) < 3 || fields[2] != strconv.Itoa(postmasterPID) || !strings.Contains(string(stat[open+1:end]), "postgres") {
			continue
		}
		if pid, err := strconv.Atoi(strings.TrimSpace(string(stat[:open]))); err == nil && pid > 1 {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}
