package app

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
)

// openFolder shows dir in the system's file manager.
func openFolder(dir string) error {
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("the data folder %s does not exist", dir)
	}
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "windows":
		cmd = exec.Command("explorer", dir)
	case "darwin":
		cmd = exec.Command("open", dir)
	default:
		cmd = exec.Command("xdg-open", dir)
	}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("open %s: %w", dir, err)
	}
	// explorer.exe exits with 1 even when it worked: only a failure to start counts.
	go func() { _ = cmd.Wait() }()
	return nil
}
