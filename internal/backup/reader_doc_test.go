package backup_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"chelal/internal/backup"
)

// docReader extracts the Python reader from docs/BACKUP-FORMAT.md: the code block after the
// marker comment, so that the documented reader is the one tested.
func docReader(t *testing.T) string {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "BACKUP-FORMAT.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(doc), "<!-- reader: chelal_backup_reader.py -->\n```python\n")
	if !ok {
		t.Fatal("docs/BACKUP-FORMAT.md has no reader block")
	}
	code, _, ok := strings.Cut(after, "\n```\n")
	if !ok {
		t.Fatal("the reader block of docs/BACKUP-FORMAT.md does not end")
	}
	p := filepath.Join(t.TempDir(), "chelal_backup_reader.py")
	if err := os.WriteFile(p, []byte(code+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func python(t *testing.T) string {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Fatalf("python3 is needed to test the backup reader of docs/BACKUP-FORMAT.md (build/deps.sh installs it): %v", err)
	}
	return py
}

// TestTheDocumentedReaderReadsBackups runs the Python reader of docs/BACKUP-FORMAT.md on a
// backup (format 2) and on the format 1 fixture: it finds what Chelal finds, writes the tables
// and files, and refuses a damaged backup.
func TestTheDocumentedReaderReadsBackups(t *testing.T) {
	t.Parallel()
	py, reader := python(t), docReader(t)
	src := populated(t)
	dataDir, _ := newDataDir(t)
	path, raw := makeBackup(t, src, backup.Options{ChelalVersion: "test", DataDir: dataDir})
	fixture := filepath.Join("testdata", "format1.chelal-backup")

	for _, file := range []string{path, fixture} {
		res, err := backup.CheckFile(file, "")
		if err != nil {
			t.Fatal(err)
		}
		out := t.TempDir()
		cmd := exec.Command(py, reader, file, out)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		stdout, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: the reader fails: %v\n%s", filepath.Base(file), err, stderr.String())
		}
		var got struct {
			Format    int              `json:"format"`
			Schema    uint             `json:"schema_version"`
			Tables    map[string]int64 `json:"tables"`
			Files     []string         `json:"files"`
			Sequences map[string]int64 `json:"sequences"`
		}
		if err := json.Unmarshal(stdout, &got); err != nil {
			t.Fatalf("reader output %q: %v", stdout, err)
		}
		if got.Format != res.Header.Format || got.Schema != res.Header.SchemaVersion || len(got.Tables) != len(res.Manifest.Tables) ||
			len(got.Files) != len(res.Manifest.Files) || len(got.Sequences) != len(res.Header.Sequences) {
			t.Fatalf("%s: the reader found %+v; Chelal: header %+v, manifest %+v", filepath.Base(file), got, res.Header, res.Manifest)
		}
		for _, ts := range res.Manifest.Tables {
			copyText, err := os.ReadFile(filepath.Join(out, "tables", ts.Name+".copy"))
			if err != nil || got.Tables[ts.Name] != ts.Rows || sha256hex(copyText) != ts.SHA256 {
				t.Fatalf("%s: table %s: rows %d, want %d (%v)", filepath.Base(file), ts.Name, got.Tables[ts.Name], ts.Rows, err)
			}
		}
		for seq, v := range res.Header.Sequences {
			if got.Sequences[seq] != v {
				t.Fatalf("sequence %s: %d, want %d", seq, got.Sequences[seq], v)
			}
		}
		for _, f := range res.Manifest.Files {
			b, err := os.ReadFile(filepath.Join(out, "files", filepath.FromSlash(f.Name)))
			if err != nil || sha256hex(b) != f.SHA256 {
				t.Fatalf("file %s: %v", f.Name, err)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(dataDir, "secret.key")); err != nil {
		t.Fatal(err)
	}

	// Damaged anywhere (gzip header time, deflate data, trailer, seal): refused.
	end, _ := firstMember(t, raw)
	for _, at := range []int{5, len(raw) / 3, end - 3, end + 30} {
		b := bytes.Clone(raw)
		b[at] ^= 0x04
		p := filepath.Join(t.TempDir(), "damaged"+backup.Extension)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(py, reader, p, t.TempDir()).CombinedOutput()
		if err == nil || !strings.Contains(string(out), "damaged backup") {
			t.Errorf("byte %d flipped: the reader says %v: %s", at, err, out)
		}
	}
}

func sha256hex(b []byte) string {
	return hex.EncodeToString(sha256sum(b))
}
