package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

func TestCheckOutsideData(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data := filepath.Join(root, "chelal")
	if err := os.MkdirAll(filepath.Join(data, "pg", "data"), 0o700); err != nil {
		t.Fatal(err)
	}
	// A link elsewhere that leads into the data folder.
	link := filepath.Join(root, "innocent")
	if err := os.Symlink(filepath.Join(data, "pg"), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		dir string
		ok  bool
	}{
		{filepath.Join(root, "usb", "chelal-backups"), true},
		{filepath.Join(root, "chelal-backups"), true}, // a sibling whose name starts alike
		{filepath.Join(data, "backups"), true},        // the default
		{filepath.Join(data, "backups", "daily"), true},
		{root, true}, // the data folder inside the backup folder is odd, not dangerous
		{data, false},
		{data + string(filepath.Separator), false},
		{filepath.Join(data, "pg"), false},
		{filepath.Join(data, "pg", "data", "backups"), false},
		{filepath.Join(data, "backups", "..", "media"), false},
		{filepath.Join(link, "backups"), false},
		{"", true},
	}
	for _, tc := range tests {
		err := CheckOutsideData(data, tc.dir)
		if (err == nil) != tc.ok {
			t.Errorf("CheckOutsideData(%q) = %v, want ok=%v", tc.dir, err, tc.ok)
		}
	}
	// A folder chosen in the UI is refused the same way, and the choice is not kept.
	f := LoadFolder(data, "")
	if err := f.Set(filepath.Join(data, "pg", "keep")); err == nil {
		t.Error("Set accepted a folder inside the database files")
	}
	if f.Dir() != filepath.Join(data, "backups") {
		t.Errorf("the folder moved to %q", f.Dir())
	}
}

// TestRestoreFileOfARequest: the file a restore from the UI names is a backup of the folder
// (by name) or a full path to one; anything else is refused on the field "file".
func TestRestoreFileOfARequest(t *testing.T) {
	t.Parallel()
	folder := t.TempDir()
	inFolder := filepath.Join(folder, "a"+Extension)
	elsewhere := filepath.Join(t.TempDir(), "usb"+Extension)
	for _, f := range []string{inFolder, elsewhere} {
		if err := os.WriteFile(f, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name, file, folder string
		want               string // the path, or the field error's code
	}{
		{"a name in the folder", " a" + Extension + " ", folder, inFolder},
		{"a full path elsewhere", elsewhere, "", elsewhere},
		{"nothing", "  ", folder, apperr.CodeRequired},
		{"too long", strings.Repeat("a", 1001) + Extension, folder, apperr.CodeTooLong},
		{"not a backup", "notes.txt", folder, apperr.CodeInvalid},
		{"a name without a folder", "a" + Extension, "", apperr.CodeInvalid},
		{"a relative path", "sub/a" + Extension, folder, apperr.CodeInvalid},
		{"missing", "gone" + Extension, folder, apperr.CodeInvalid},
		{"a folder", folder + "/" + Extension, "", apperr.CodeInvalid},
	}
	for _, tc := range tests {
		got, err := restoreFile(tc.file, tc.folder)
		if err != nil {
			fields := apperr.FieldsOf(err)
			if len(fields) != 1 || fields[0].Field != "file" || fields[0].Code != tc.want {
				t.Errorf("%s: %v (%v), want %s", tc.name, err, fields, tc.want)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestJobsOneAtATime: a backup holds the one slot, so a restore is refused meanwhile; and an
// external server is restored from the command line, never from the UI.
func TestJobsOneAtATime(t *testing.T) {
	t.Parallel()
	var j Jobs
	if st := j.RestoreStatus(); st.State != "idle" {
		t.Fatalf("a new job's state: %q", st.State)
	}
	if !j.TryBegin() {
		t.Fatal("the free slot was refused")
	}
	if j.TryBegin() {
		t.Fatal("two jobs at once")
	}
	j.Done()
	if !j.TryBegin() {
		t.Fatal("the slot was not freed")
	}
	j.Done()
	if _, err := j.StartRestore(&db.DB{}, RestoreRequest{File: "a" + Extension}); apperr.KindOf(err) != apperr.ErrConflict || apperr.CodeOf(err) != "restore-unavailable" {
		t.Fatalf("restore on an external server: %v", err)
	}
}
