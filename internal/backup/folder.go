package backup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"

	"chelal/internal/apperr"
	"chelal/internal/durable"
)

// Folder is where backups, base backups and the WAL archive go. An administrator may move it
// while Chelal runs (to a second disk, a USB drive); the choice is kept in a file of the data
// dir, so every command finds it. CHELAL_BACKUP_DIR, when set, fixes it.
type Folder struct {
	mu    sync.RWMutex
	dir   string
	file  string // where the choice is kept; "" : nowhere (tests)
	data  string // the data dir, which the folder may not be inside (but for the default); "" : unchecked
	fixed string // the environment variable that fixes it; "" : it may move
}

// FolderChoiceFile is the file of the data dir that keeps the chosen backup folder.
const FolderChoiceFile = "backup-folder"

// LoadFolder returns the backup folder of a data dir: envDir (CHELAL_BACKUP_DIR) when set, else
// the folder an administrator chose, else <data dir>/backups.
func LoadFolder(dataDir, envDir string) *Folder {
	f := &Folder{dir: filepath.Join(dataDir, "backups"), file: filepath.Join(dataDir, FolderChoiceFile), data: dataDir}
	if envDir != "" {
		f.dir, f.fixed = envDir, "CHELAL_BACKUP_DIR"
		return f
	}
	if b, err := os.ReadFile(f.file); err == nil {
		if d := strings.TrimSpace(string(b)); filepath.IsAbs(d) {
			f.dir = d
		}
	}
	return f
}

// NewFolder returns a folder that is not kept anywhere (tests, a one-off command).
func NewFolder(dir string) *Folder { return &Folder{dir: dir} }

// Dir is the folder now.
func (f *Folder) Dir() string {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.dir
}

// FixedBy names the environment variable that fixes the folder, or "".
func (f *Folder) FixedBy() string { return f.fixed }

// Set moves backups to dir from now on: an absolute path, created if needed, where a file can
// be written and synced. Existing backups stay where they are.
func (f *Folder) Set(dir string) error {
	if f.fixed != "" {
		return apperr.Errorf(apperr.ErrConflict, "The backup folder is set by %s on this server; change it there.", f.fixed).WithCode("backup-folder-fixed")
	}
	dir = strings.TrimSpace(dir)
	var fe apperr.Fields
	switch {
	case dir == "":
		fe.Add("dir", apperr.CodeRequired, "Choose a folder.")
	case len(dir) > 1000:
		fe.Add("dir", apperr.CodeTooLong, "The path is too long.")
	case !filepath.IsAbs(dir):
		fe.Add("dir", apperr.CodeInvalid, "Give the folder's full path (e.g. /media/usb/chelal-backups or D:\\Backups).")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	if f.data != "" {
		if err := CheckOutsideData(f.data, dir); err != nil {
			return apperr.Invalid(apperr.FieldError{Field: "dir", Code: apperr.CodeInvalid, Message: err.Error()})
		}
	}
	if err := probeFolder(dir); err != nil {
		return apperr.Invalid(apperr.FieldError{Field: "dir", Code: apperr.CodeInvalid,
			Message: fmt.Sprintf("Chelal cannot write into this folder: %v. Is the drive plugged in and writable?", err)})
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.file != "" {
		if err := durable.WriteFile(f.file, []byte(dir+"\n"), 0o600); err != nil {
			return fmt.Errorf("keep the backup folder choice: %w", err)
		}
	}
	f.dir = dir
	return nil
}

// CheckOutsideData refuses a backup folder that is the data dir or inside it: the database
// files live there (<data dir>/pg), a restore swaps them and a reinstall or a failed disk takes
// the whole folder, so backups there would go with the data they are meant to save. The
// default folder, <data dir>/backups, and folders inside it stay allowed: a fresh install
// backs up there until an administrator chooses a second disk. Symbolic links are followed as
// far as the paths exist.
func CheckOutsideData(dataDir, dir string) error {
	if dataDir == "" || dir == "" {
		return nil
	}
	data, d := resolvePath(dataDir), resolvePath(dir)
	if !within(d, data) || within(d, resolvePath(filepath.Join(dataDir, "backups"))) {
		return nil
	}
	return fmt.Errorf("the backup folder %s is inside Chelal's data folder %s, which holds the database itself; choose a folder elsewhere (a second disk or a USB drive)", dir, dataDir)
}

// within says whether path is dir or inside it (both clean and absolute).
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel)
}

// resolvePath makes p absolute and clean and follows symbolic links in the part of it that
// exists (the rest, not created yet, is appended as is).
func resolvePath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		p = abs
	}
	p = filepath.Clean(p)
	rest := ""
	for cur := p; ; {
		if real, err := filepath.EvalSymlinks(cur); err == nil {
			return filepath.Join(real, rest)
		}
		parent := filepath.Dir(cur)
		if parent == cur {
			return p
		}
		rest = filepath.Join(filepath.Base(cur), rest)
		cur = parent
	}
}

// probeFolder creates dir if needed and proves a file can be written, synced and removed there.
func probeFolder(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	p, err := os.CreateTemp(dir, ".chelal-probe-*")
	if err != nil {
		return err
	}
	_, werr := p.Write([]byte("chelal"))
	serr := p.Sync()
	cerr := p.Close()
	rerr := os.Remove(p.Name())
	if errors.Is(rerr, fs.ErrNotExist) {
		rerr = nil
	}
	return errors.Join(werr, serr, cerr, rerr)
}

// Why a backup could not be written into its folder (FolderFailure).
var (
	// ErrFolderFull: the disk of the backup folder has no room left.
	ErrFolderFull = errors.New("the backup folder is full")
	// ErrFolderUnavailable: the folder is gone or cannot be written (a USB drive unplugged,
	// a network share away, a read-only or failing disk).
	ErrFolderUnavailable = errors.New("the backup folder cannot be written")
)

// FolderFailure says whether err, from writing a backup, is the folder's fault: ErrFolderFull,
// ErrFolderUnavailable, or nil for any other failure (the database, a bug).
func FolderFailure(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, syscall.ENOSPC), errors.Is(err, syscall.EDQUOT), isWindowsDiskFull(err):
		return ErrFolderFull
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission), errors.Is(err, syscall.ENOTDIR),
		errors.Is(err, syscall.EROFS), errors.Is(err, syscall.EIO),
		errors.Is(err, syscall.ENODEV), errors.Is(err, syscall.ENXIO), errors.Is(err, syscall.ESTALE):
		var pe *fs.PathError
		if errors.As(err, &pe) { // a file's error, not the database's
			return ErrFolderUnavailable
		}
	}
	return nil
}

// isWindowsDiskFull: Windows says ERROR_DISK_FULL or ERROR_HANDLE_DISK_FULL, not ENOSPC.
func isWindowsDiskFull(err error) bool {
	var errno syscall.Errno
	return runtime.GOOS == "windows" && errors.As(err, &errno) && (errno == 112 || errno == 39)
}
