package backup

import (
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"time"

	"chelal/internal/db"
)

// Verification is written beside a backup (FILE.verified.json) once it has been restored into a
// scratch database and compared with its manifest. A backup is good only with OK true.
type Verification struct {
	OK         bool      `json:"ok"`
	VerifiedAt time.Time `json:"verified_at"`
	Error      string    `json:"error,omitempty"`
	Tables     int       `json:"tables"`
	Rows       int64     `json:"rows"`
}

// Record writes the verification of the backup at path.
func Record(path string, res Result, verr error) (Verification, error) {
	v := Verification{OK: verr == nil, VerifiedAt: time.Now().UTC(), Tables: len(res.Manifest.Tables)}
	for _, t := range res.Manifest.Tables {
		v.Rows += t.Rows
	}
	if verr != nil {
		v.Error = verr.Error()
	}
	b, _ := json.MarshalIndent(v, "", "  ")
	return v, os.WriteFile(path+".verified.json", append(b, '\n'), 0o600)
}

// CreateVerified writes a backup into dir and verifies it at once, recording the result
// beside it. An unverifiable backup is an error: it must not be relied on.
func CreateVerified(ctx context.Context, d *db.DB, dir string, o Options, latest uint, log *slog.Logger) (Info, error) {
	path, _, err := Create(ctx, d, dir, o)
	if err != nil {
		return Info{}, err
	}
	res, verr := Verify(ctx, d, path, o.Passphrase, latest, log)
	v, err := Record(path, res, verr)
	if err != nil {
		return Info{}, err
	}
	info, err := stat(path)
	if err != nil {
		return info, err
	}
	info.Verification = &v
	if verr != nil {
		return info, errors.Join(errors.New("the backup was written but FAILED its verification; do not rely on it"), verr)
	}
	return info, nil
}

// Info describes a backup file in a folder.
type Info struct {
	File         string        `json:"file"`
	Size         int64         `json:"size"`
	CreatedAt    time.Time     `json:"created_at"`
	Verification *Verification `json:"verification"` // nil: never verified
}

// stat describes a backup file; its time is the one in its name (copies keep it), or the
// file's modification time for a file renamed by hand.
func stat(path string) (Info, error) {
	st, err := os.Stat(path)
	if err != nil {
		return Info{}, err
	}
	info := Info{File: filepath.Base(path), Size: st.Size(), CreatedAt: st.ModTime().UTC()}
	if m := nameTime.FindStringSubmatch(info.File); m != nil {
		if t, err := time.Parse("20060102-150405", m[1]); err == nil {
			info.CreatedAt = t
		}
	}
	return info, nil
}

var nameTime = regexp.MustCompile(`^chelal-(\d{8}-\d{6})-`)

// List returns the backups of dir, newest first, with their verifications.
func List(dir string) ([]Info, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*"+Extension))
	if err != nil {
		return nil, err
	}
	out := []Info{}
	for _, p := range paths {
		info, err := stat(p)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if raw, err := os.ReadFile(p + ".verified.json"); err == nil {
			var v Verification
			if json.Unmarshal(raw, &v) == nil {
				info.Verification = &v
			}
		}
		out = append(out, info)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CreatedAt.After(out[j].CreatedAt) })
	return out, nil
}
