//go:build windows

package db

// freeBytes is not measured on Windows (it would need the Win32 API); a full disk is then
// reported from the failed write itself (diskFull).
func freeBytes(string) (uint64, bool) { return 0, false }
