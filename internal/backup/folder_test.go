package backup

import (
	"os"
	"path/filepath"
	"testing"
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
