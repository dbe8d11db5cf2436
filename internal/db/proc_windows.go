//go:build windows

package db

// postgresAlive cannot inspect processes portably on Windows; it reports the PID as alive so
// that pg_ctl (which checks the PID itself) decides.
func postgresAlive(pid int, _ string) bool { return pid > 0 }

// stopOrphans does nothing on Windows: the backends of a dead postmaster exit by themselves.
func stopOrphans(int) {}
