package cli

import (
	"fmt"
	"log/slog"
	"os"
	"runtime/pprof"
)

// startCPUProfile profiles the CPU into path (CHELAL_CPUPROFILE) until the function returned
// is called, which writes the profile: serve calls it when it stops (SIGTERM, Ctrl-C). ""
// profiles nothing. It is for measuring (bench/events), never on in a clinic: an environment
// variable of the process, not a route, so nothing on the network can turn it on or read it.
func startCPUProfile(path string, log *slog.Logger) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("CHELAL_CPUPROFILE: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("CHELAL_CPUPROFILE: %w", err)
	}
	log.Warn("profiling the CPU until Chelal stops", "file", path)
	return func() {
		pprof.StopCPUProfile()
		if err := f.Close(); err != nil {
			log.Error("CHELAL_CPUPROFILE: write the profile", "err", err)
		}
	}, nil
}
