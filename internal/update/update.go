package update

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/durable"
)

// Config is what an Updater needs to know of the running Chelal.
type Config struct {
	// Executable is the running executable's path (os.Executable, symlinks resolved), which an
	// update replaces. Empty: this server does not update itself (tests, a build run with go run).
	Executable string
	// ReleaseKey is the public key updates must be signed with (ReleaseKey()); nil refuses them.
	ReleaseKey ed25519.PublicKey
	// Platform is the platform candidates must be built for; empty: this build's (Platform()).
	Platform string
	// Kind is this executable's kind ("server", "desktop"), which a candidate's `version` must
	// print too (build KIND); empty: not checked.
	Kind string
	// VersionTimeout bounds the candidate's `version` run; 0: 30 seconds.
	VersionTimeout time.Duration
}

// Result is an installed update.
type Result struct {
	// Version is the new executable's version, as its `version` command prints it.
	Version string `json:"version" doc:"the new executable's version"`
	// Schema is the newest migration the new executable knows.
	Schema uint `json:"schema" doc:"the newest schema migration the new executable knows"`
	// Previous is where the executable that was running is kept (to go back by hand).
	Previous string `json:"previous" doc:"where the previous executable is kept"`
	// RestartRequired is always true: the running process goes on with the old code until
	// Chelal is restarted; the new one then backs up and migrates the records.
	RestartRequired bool `json:"restart_required" doc:"always true: restart Chelal to finish"`
}

// Updater installs updates of one executable, one at a time.
type Updater struct {
	cfg  Config
	busy sync.Mutex
}

// New returns the Updater of cfg.
func New(cfg Config) *Updater {
	if cfg.Platform == "" {
		cfg.Platform = Platform()
	}
	if cfg.VersionTimeout == 0 {
		cfg.VersionTimeout = 30 * time.Second
	}
	return &Updater{cfg: cfg}
}

// ErrNoExecutable: the server was not told which executable it runs from.
var ErrNoExecutable = apperr.New(apperr.ErrConflict,
	"This Chelal server cannot replace its own executable (it was started without one it may update): install the new version with its installer or package instead.").WithCode("update-unavailable")

// ErrBusy: another update is being installed.
var ErrBusy = apperr.New(apperr.ErrConflict, "An update is already being installed: wait for it to finish.").WithCode("update-busy")

// Check says whether an update can be installed now: a release key, an executable, and a
// folder the server may write (a .deb install in /usr/bin, owned by root and read-only under
// systemd's ProtectSystem=strict, is updated with its package instead). Nil: it can.
func (u *Updater) Check() error {
	if len(u.cfg.ReleaseKey) != ed25519.PublicKeySize {
		return ErrNoKey
	}
	if u.cfg.Executable == "" {
		return ErrNoExecutable
	}
	dir := filepath.Dir(u.cfg.Executable)
	f, err := os.CreateTemp(dir, ".chelal-write-check-*")
	if err != nil {
		return apperr.Wrap(apperr.ErrConflict, err, fmt.Sprintf(
			"Chelal's folder %s cannot be written by the Chelal server, so it cannot replace its executable "+
				"(Chelal was installed by a package, as the .deb installs it in /usr/bin): the administrator installs the new "+
				"package instead (sudo apt install ./chelal_<version>_<arch>.deb on Debian or Ubuntu; the installer on Windows); "+
				"the records are kept.", dir)).WithCode("update-not-writable")
	}
	name := f.Name()
	_ = f.Close()
	_ = os.Remove(name)
	return nil
}

// Staging is one update being received: the candidate is written beside the executable
// (NewPath), checked, then put in place. Close it in every case.
type Staging struct {
	u        *Updater
	file     *os.File
	sum      hash.Hash
	written  bool
	done     bool
	NewPath  string // the candidate beside the executable: chelal.new (chelal.new.exe)
	OldPath  string // where the running executable goes: chelal.old (chelal.old.exe)
	released bool
}

// Begin starts an update: it refuses when one is running or when Check does.
func (u *Updater) Begin() (*Staging, error) {
	if !u.busy.TryLock() {
		return nil, ErrBusy
	}
	if err := u.Check(); err != nil {
		u.busy.Unlock()
		return nil, err
	}
	newPath, oldPath := sidePaths(u.cfg.Executable)
	// A .new left by an update interrupted (power cut) is replaced.
	if err := os.Remove(newPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		u.busy.Unlock()
		return nil, err
	}
	f, err := os.OpenFile(newPath, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o755)
	if err != nil {
		u.busy.Unlock()
		return nil, err
	}
	return &Staging{u: u, file: f, sum: sha256.New(), NewPath: newPath, OldPath: oldPath}, nil
}

// sidePaths are the names beside exe of the candidate and of the previous executable. On
// Windows they keep the .exe extension, so that the candidate can be run.
func sidePaths(exe string) (newPath, oldPath string) {
	if base, ok := strings.CutSuffix(exe, ".exe"); ok {
		return base + ".new.exe", base + ".old.exe"
	}
	return exe + ".new", exe + ".old"
}

// Write receives the candidate executable (once), and syncs it to disk.
func (s *Staging) Write(r io.Reader) error {
	if s.written {
		return apperr.New(apperr.ErrInvalid, "Send one executable.").WithCode("update-form")
	}
	s.written = true
	if _, err := io.Copy(io.MultiWriter(s.file, s.sum), r); err != nil {
		return err
	}
	if err := s.file.Chmod(0o755); err != nil && runtime.GOOS != "windows" {
		return err
	}
	if err := s.file.Sync(); err != nil {
		return err
	}
	return s.file.Close()
}

// Finish checks the candidate received by Write against sig (the signature file's contents),
// its platform, and that it knows the database's schema (dbSchema: the migration the clinic's
// records are at); then it installs it: the running executable is renamed to OldPath and the
// candidate takes its name (a running executable can be renamed, also on Windows, but not
// overwritten). The running process goes on; the new executable runs from the next start.
func (s *Staging) Finish(ctx context.Context, sig []byte, dbSchema uint) (Result, error) {
	if !s.written {
		return Result{}, apperr.New(apperr.ErrInvalid, "Choose the new executable.").WithCode("update-form")
	}
	parsed, err := ParseSignature(sig)
	if err != nil {
		return Result{}, err
	}
	var sum [32]byte
	copy(sum[:], s.sum.Sum(nil))
	if err := Verify(s.u.cfg.ReleaseKey, parsed, sum, s.u.cfg.Platform); err != nil {
		return Result{}, err
	}
	f, err := os.Open(s.NewPath)
	if err != nil {
		return Result{}, err
	}
	err = checkPlatform(f, s.u.cfg.Platform)
	_ = f.Close()
	if err != nil {
		return Result{}, err
	}
	info, err := s.u.runVersion(ctx, s.NewPath)
	if err != nil {
		return Result{}, err
	}
	version, schema := info.Version, info.Schema
	if s.u.cfg.Kind != "" && info.Kind != s.u.cfg.Kind {
		return Result{}, apperr.Errorf(apperr.ErrInvalid,
			"This executable is Chelal's %s build; this Chelal is the %s build: choose the %s file of the release. Nothing was replaced.",
			kindName(info.Kind), s.u.cfg.Kind, s.u.cfg.Kind).WithCode("update-kind")
	}
	if schema < dbSchema {
		return Result{}, apperr.Errorf(apperr.ErrInvalid,
			"This executable is an older Chelal (%s, schema %04d) than the clinic's records (schema %04d): it could not open them. Nothing was replaced.",
			version, schema, dbSchema).WithCode("update-downgrade")
	}
	if err := install(s.u.cfg.Executable, s.NewPath, s.OldPath); err != nil {
		return Result{}, err
	}
	s.done = true
	return Result{Version: version, Schema: schema, Previous: s.OldPath, RestartRequired: true}, nil
}

// Close ends the update: the candidate is removed unless it was installed.
func (s *Staging) Close() {
	if s.released {
		return
	}
	s.released = true
	_ = s.file.Close()
	if !s.done {
		_ = os.Remove(s.NewPath)
	}
	s.u.busy.Unlock()
}

// VersionInfo is what `chelal version` prints:
//
//	chelal v1.4.0 (PostgreSQL 18.4.0 bundled)
//	schema 0023
//	build server
type VersionInfo struct {
	Version string // from the first line
	Schema  uint   // the newest schema migration it knows
	Kind    string // "server" or "desktop"; "" when not printed
}

// runVersion runs the (verified) candidate's `version` command and reads what it prints.
func (u *Updater) runVersion(ctx context.Context, path string) (VersionInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, u.cfg.VersionTimeout)
	defer cancel()
	var out bytes.Buffer
	run := func() error {
		out.Reset()
		cmd := exec.CommandContext(ctx, path, "version")
		cmd.Stdout = &limitedWriter{w: &out, n: 64 << 10}
		cmd.WaitDelay = 5 * time.Second
		return cmd.Run()
	}
	err := run()
	// "text file busy": the candidate was just written, and a process this one forked at that
	// moment (a backup's pg_dump, another update's check) still holds the written file open
	// until it execs (golang.org/issue/22315). It lets go within milliseconds: try again.
	for wait := 10 * time.Millisecond; errors.Is(err, syscall.ETXTBSY) && wait <= 640*time.Millisecond; wait *= 2 {
		time.Sleep(wait)
		err = run()
	}
	if err != nil {
		return VersionInfo{}, apperr.Wrap(apperr.ErrInvalid, err,
			"The new executable did not start on this computer (chelal version failed). Nothing was replaced.").WithCode("update-not-program")
	}
	info, ok := ParseVersionOutput(out.Bytes())
	if !ok {
		return VersionInfo{}, apperr.New(apperr.ErrInvalid,
			"The new executable does not say which version of the records it knows (a Chelal older than offline updates): install it with its installer or package instead. Nothing was replaced.").WithCode("update-downgrade")
	}
	return info, nil
}

// ParseVersionOutput reads what `chelal version` prints (VersionInfo); ok is false without a
// version or a schema line.
func ParseVersionOutput(out []byte) (info VersionInfo, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(out))
	first, found := true, false
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			first = false
			f := strings.Fields(line)
			if len(f) < 2 || f[0] != "chelal" {
				return VersionInfo{}, false
			}
			info.Version = f[1]
			continue
		}
		if rest, cut := strings.CutPrefix(line, "schema "); cut {
			n, err := strconv.ParseUint(strings.TrimSpace(rest), 10, 32)
			if err != nil {
				return VersionInfo{}, false
			}
			info.Schema, found = uint(n), true
		}
		if rest, cut := strings.CutPrefix(line, "build "); cut {
			info.Kind = strings.TrimSpace(rest)
		}
	}
	return info, found && info.Version != ""
}

// kindName is a build kind in a sentence.
func kindName(kind string) string {
	if kind == "" {
		return "older (unknown)"
	}
	return kind
}

// limitedWriter keeps the first n bytes and drops the rest (a candidate printing without end).
type limitedWriter struct {
	w io.Writer
	n int
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	k := min(len(p), l.n)
	if k > 0 {
		if _, err := l.w.Write(p[:k]); err != nil {
			return 0, err
		}
		l.n -= k
	}
	return len(p), nil
}

// install puts newPath in place of exe, keeping exe as oldPath, and syncs the folder so that
// a power cut after it leaves either executable under exe's name, never none.
func install(exe, newPath, oldPath string) error {
	// The .old of the update before is dropped. On Windows it cannot be while it runs (two
	// updates without a restart between them): then the first must be finished by a restart.
	if err := os.Remove(oldPath); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return apperr.Wrap(apperr.ErrConflict, err,
			"The previous update is not finished: restart Chelal, then install this one.").WithCode("update-restart-first")
	}
	if err := os.Rename(exe, oldPath); err != nil {
		return fmt.Errorf("update: keep the running executable as %s: %w", oldPath, err)
	}
	if err := os.Rename(newPath, exe); err != nil {
		if back := os.Rename(oldPath, exe); back != nil {
			return fmt.Errorf("update: put the new executable in place: %w; and putting the old one back: %v (it is %s)", err, back, oldPath)
		}
		return fmt.Errorf("update: put the new executable in place (the old one is back): %w", err)
	}
	if err := durable.SyncDir(filepath.Dir(exe)); err != nil {
		return fmt.Errorf("update: sync %s: %w", filepath.Dir(exe), err)
	}
	return nil
}
