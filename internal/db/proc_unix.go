//go:build unix

package db

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
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
