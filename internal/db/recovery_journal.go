package db

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"

	"chelal/internal/durable"
)

// A point-in-time recovery (RecoverTo) replaces the data dir in steps, and a recovery killed
// between two of them (a power cut, Ctrl-C twice, the OOM killer) must not leave a data dir
// that does not start, nor one that starts trusting every local connection (the replay's
// pg_hba.conf) or recovering again (recovery.signal, restore_command). Before each step the
// recovery writes where it is into a journal beside the data dir; the next start of the server,
// or the next RecoverTo, reads it and either undoes the recovery (the previous cluster back in
// place) or, when the recovered cluster was already complete, keeps it.

// RecoveryJournalFile is the journal of a recovery under way, in EmbeddedOptions.Dir.
const RecoveryJournalFile = "recovery-journal.json"

// Recovery steps, in order; the journal names the one under way.
const (
	stepUnpack  = "unpack" // the base backup is unpacked into Staging; the data dir is untouched
	stepSwap    = "swap"   // the data dir is renamed to Previous, then Staging to the data dir
	stepReplay  = "replay" // the data dir is the recovering cluster (replay server, trust pg_hba)
	stepDone    = "done"   // the recovered cluster is complete (settings reset, pg_hba back)
	journalPerm = fs.FileMode(0o600)
)

// recoveryJournal is what a recovery under way writes before each step.
type recoveryJournal struct {
	Step       string `json:"step"`
	Staging    string `json:"staging"`
	Previous   string `json:"previous"` // "" : there was no cluster (a new computer)
	HadCluster bool   `json:"had_cluster"`
}

func writeJournal(l layout, j recoveryJournal) error {
	b, _ := json.MarshalIndent(j, "", "  ")
	if err := durable.WriteFile(filepath.Join(l.root, RecoveryJournalFile), b, journalPerm); err != nil {
		return fmt.Errorf("write the recovery journal: %w", err)
	}
	return durable.SyncDir(l.root)
}

// ResolvedRecovery says what became of a recovery that was interrupted.
type ResolvedRecovery struct {
	// Completed: the recovered cluster was complete and is in place; else the recovery was
	// undone and the cluster from before it (if there was one) is back.
	Completed bool
	Previous  string // Completed: where the cluster before the recovery is kept
	Message   string // for the administrator
}

// resolveInterruptedRecovery finishes or undoes a recovery whose journal is in l.root (nil: no
// recovery was interrupted). bin is the binaries' folder (to stop a replay server left running).
// Each action is safe to repeat: a start killed while resolving resolves again.
func resolveInterruptedRecovery(ctx context.Context, l layout, bin string, log *slog.Logger) (*ResolvedRecovery, error) {
	raw, err := os.ReadFile(filepath.Join(l.root, RecoveryJournalFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the recovery journal: %w", err)
	}
	var j recoveryJournal
	if err := json.Unmarshal(raw, &j); err != nil {
		return nil, fmt.Errorf("the recovery journal %s is damaged (%v); the cluster before the recovery is in a data-before-recovery-* folder beside it", filepath.Join(l.root, RecoveryJournalFile), err)
	}
	// Paths come from our own journal, but are kept under l.root all the same.
	for _, p := range []string{j.Staging, j.Previous} {
		if p != "" && filepath.Dir(p) != filepath.Clean(l.root) {
			return nil, fmt.Errorf("the recovery journal names %s, outside %s", p, l.root)
		}
	}
	out := &ResolvedRecovery{}
	switch j.Step {
	case stepDone:
		if err := stopCluster(ctx, bin, l.data, "fast"); err != nil {
			return nil, err
		}
		out.Completed, out.Previous = true, j.Previous
		out.Message = "an interrupted point-in-time recovery had finished: the recovered database is in place"
		if j.Previous != "" {
			out.Message += "; the database as it was before is kept in " + j.Previous
		}
	case stepUnpack, stepSwap, stepReplay:
		// The data dir is the recovering cluster once the old one was set aside (or when there
		// was none); before that, it is the old one and stays.
		recovering := j.Step != stepUnpack && (!j.HadCluster || fileExists(j.Previous))
		if recovering && fileExists(l.data) {
			if err := stopCluster(ctx, bin, l.data, "immediate"); err != nil {
				return nil, err
			}
			// A copy of a base backup with a trusting pg_hba.conf: nothing in it is lost.
			if err := os.RemoveAll(l.data); err != nil {
				return nil, fmt.Errorf("remove the half-recovered cluster: %w", err)
			}
		}
		if j.HadCluster && fileExists(j.Previous) {
			if err := os.Rename(j.Previous, l.data); err != nil {
				return nil, fmt.Errorf("put the cluster from before the recovery back from %s: %w", j.Previous, err)
			}
		}
		out.Message = "an interrupted point-in-time recovery was undone: the database as it was before is back in place; run the recovery again to recover"
		if !j.HadCluster {
			out.Message = "an interrupted point-in-time recovery was undone (there was no database before it); run the recovery again to recover"
		}
	default:
		return nil, fmt.Errorf("the recovery journal %s names an unknown step %q", filepath.Join(l.root, RecoveryJournalFile), j.Step)
	}
	if j.Staging != "" {
		if err := os.RemoveAll(j.Staging); err != nil {
			return nil, fmt.Errorf("remove %s: %w", j.Staging, err)
		}
	}
	if err := os.Remove(filepath.Join(l.root, RecoveryJournalFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("remove the recovery journal: %w", err)
	}
	log.Warn(out.Message)
	return out, nil
}

// stopCluster stops a postgres running on data (a replay server orphaned by a killed
// recovery); nothing running is fine.
func stopCluster(ctx context.Context, bin, data, mode string) error {
	if !fileExists(filepath.Join(data, "postmaster.pid")) {
		return nil
	}
	ctl := filepath.Join(bin, "bin", "pg_ctl")
	if exec.CommandContext(ctx, ctl, "status", "-D", data).Run() != nil {
		return nil
	}
	if out, err := exec.CommandContext(ctx, ctl, "stop", "-w", "-D", data, "-m", mode, "-t", "60").CombinedOutput(); err != nil {
		return fmt.Errorf("stop the postgres left running on %s: %w: %s", data, err, out)
	}
	return nil
}
