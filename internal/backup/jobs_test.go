package backup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

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
