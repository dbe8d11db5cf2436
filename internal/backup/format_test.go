package backup_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// profileImage is the name of the profile image the tests' data dirs hold.
const profileImage = "0f8fad5b-d9cb-469f-a165-70867728950e.png"

// newDataDir makes a data dir with a secret.key and a profile image, as Chelal keeps them.
func newDataDir(t *testing.T) (dir string, box *auth.SecretBox) {
	t.Helper()
	dir = t.TempDir()
	box, err := auth.LoadOrCreateKey(filepath.Join(dir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	img := filepath.Join(dir, "media", "profile", profileImage)
	if err := os.MkdirAll(filepath.Dir(img), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(img, []byte("\x89PNG\r\n\x1a\n not really a picture, but bytes to keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir, box
}

// makeBackup writes a backup of d (with the files of dataDir) and returns its path and bytes.
func makeBackup(t *testing.T, d *db.DB, o backup.Options) (string, []byte) {
	t.Helper()
	path, _, err := backup.Create(context.Background(), d, t.TempDir(), o)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, raw
}

// firstMember returns the length of the first gzip member of raw and its content.
func firstMember(t *testing.T, raw []byte) (int, []byte) {
	t.Helper()
	br := bytes.NewReader(raw)
	gz, err := gzip.NewReader(br)
	if err != nil {
		t.Fatal(err)
	}
	gz.Multistream(false)
	inner, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return len(raw) - br.Len(), inner
}

// frame is where one frame lies in the decompressed first member.
type frame struct {
	kind       byte
	name       string
	start, end int      // the whole frame, checksum included
	data       [][2]int // the ranges of its data bytes
}

// frames parses the first member's frames (format 2) the way docs/BACKUP-FORMAT.md says.
func frames(t *testing.T, inner []byte) []frame {
	t.Helper()
	var out []frame
	off := 12
	for off < len(inner) {
		f := frame{kind: inner[off], start: off}
		n := int(binary.BigEndian.Uint16(inner[off+1:]))
		f.name = string(inner[off+3 : off+3+n])
		off += 3 + n
		for {
			size := int(binary.BigEndian.Uint32(inner[off:]))
			off += 4
			if size == 0 {
				break
			}
			f.data = append(f.data, [2]int{off, off + size})
			off += size
		}
		off += 32
		f.end = off
		out = append(out, f)
	}
	return out
}

// rebuild compresses inner again and seals it: a file damaged before it was compressed, which
// the gzip CRC and the seal cannot see; only the frame checksums can.
func rebuild(t *testing.T, inner []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if _, err := gz.Write(inner); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	sum := sha256sum(b.Bytes())
	return append(b.Bytes(), backup.SealMember(sum)...)
}

func check(raw []byte, pass string) error {
	_, err := backup.Check(bytes.NewReader(raw), pass)
	return err
}

// smallBackup backs up (with passphrase, if any) a populated database without the bundled
// ICD-10 list (14,000 reference rows, which every start loads again from the executable):
// flipping every byte of a backup checks the whole backup once per byte, a cost that grows with
// the square of its size, and the list would make it minutes instead of seconds without adding
// a kind of byte to flip.
func smallBackup(t *testing.T, passphrase string) (src *db.DB, dataDir, path string, raw []byte) {
	t.Helper()
	src = populated(t)
	if _, err := src.Pool.Exec(context.Background(), `TRUNCATE core_icd10code, core_icd10source CASCADE`); err != nil {
		t.Fatal(err)
	}
	dataDir, _ = newDataDir(t)
	path, raw = makeBackup(t, src, backup.Options{ChelalVersion: "test", DataDir: dataDir, Passphrase: passphrase})
	return src, dataDir, path, raw
}

// TestEveryByteOfABackupIsChecked flips a bit of every byte of a small backup, in turn (every
// bit of the gzip header, the end of the deflate data, the trailer and the seal), and requires
// the check a restore makes to refuse every one: no byte of the format is insignificant (the
// gzip header's time and OS bytes, the padding bits of deflate's stored blocks and the gzip
// trailer are covered by the seal; the seal is compared byte for byte).
func TestEveryByteOfABackupIsChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, path, raw := smallBackup(t, "")
	res, err := backup.Check(bytes.NewReader(raw), "")
	if err != nil {
		t.Fatalf("intact backup: %v", err)
	}
	if res.Header.Format != 2 || len(res.Manifest.Files) != 2 || len(res.Header.Sequences) == 0 {
		t.Fatalf("format %d, files %v, sequences %v", res.Header.Format, res.Manifest.Files, res.Header.Sequences)
	}
	end, _ := firstMember(t, raw)
	class := func(i int) string {
		switch {
		case i < 10:
			return "gzip header"
		case i < end-8:
			return "compressed frames"
		case i < end:
			return "gzip trailer"
		}
		return "seal"
	}
	refused := map[string]int{}
	for i := range raw {
		// Every bit where the format has fixed or checksum bytes, and near the end of the deflate
		// data (the padding of its closing stored block); one bit, a different one each byte,
		// elsewhere (compressed data, whose every bit the seal covers alike).
		bits := []int{i % 8}
		if i < 10 || i >= end-24 {
			bits = []int{0, 1, 2, 3, 4, 5, 6, 7}
		}
		for _, bit := range bits {
			raw[i] ^= 1 << bit
			err := check(raw, "")
			raw[i] ^= 1 << bit
			if err == nil {
				t.Fatalf("byte %d (%s) of %d, bit %d flipped: the backup passes its check", i, class(i), len(raw), bit)
			}
			refused[class(i)]++
		}
	}
	t.Logf("%d bytes, refused flips: %v", len(raw), refused)
	if len(refused) != 4 {
		t.Fatalf("not every part was flipped: %v", refused)
	}

	// verify-backup (a restore into a scratch database) refuses each part's damage and says
	// "damaged backup" and where.
	for _, c := range []struct {
		at   int
		part string
	}{{4, "the seal"}, {end - 6, "the gzip trailer"}, {len(raw) - 1, "the seal"}} {
		p := filepath.Join(t.TempDir(), "damaged"+backup.Extension)
		b := bytes.Clone(raw)
		b[c.at] ^= 0x10
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := backup.Verify(ctx, src, p, "", 0, nil)
		if !errors.Is(err, backup.ErrDamaged) || !strings.Contains(err.Error(), "damaged backup: "+c.part) {
			t.Errorf("byte %d flipped: verify says %v, want damaged backup: %s", c.at, err, c.part)
		}
	}
	if res, err := backup.Verify(ctx, src, path, "", 0, nil); err != nil || len(res.Header.Sequences) == 0 {
		t.Fatalf("the intact backup: %v", err)
	}
}

// TestDamageInsideIsFoundAndNamed damages the frames before compression (the gzip CRC and the
// seal then match): each frame's checksum refuses it, and the error names the part.
func TestDamageInsideIsFoundAndNamed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src, _, _, raw := smallBackup(t, "")
	_, inner := firstMember(t, raw)
	if err := check(rebuild(t, inner), ""); err != nil {
		t.Fatalf("rebuilt intact: %v", err)
	}
	if err := check(rebuild(t, append(bytes.Clone(inner), "more"...)), ""); err == nil || !strings.Contains(err.Error(), "after the end frame") {
		t.Fatalf("data after the end frame: %v", err)
	}
	if err := check(append(bytes.Clone(raw), 0), ""); !errors.Is(err, backup.ErrDamaged) {
		t.Fatalf("a byte after the seal: %v", err)
	}
	parts := map[byte]string{'H': "the header", 'S': "the sequences", 'M': "the manifest", 'E': "the end frame"}
	seen := map[byte]int{}
	for _, f := range frames(t, inner) {
		seen[f.kind]++
		part := parts[f.kind]
		switch f.kind {
		case 'T':
			part = "table " + f.name
		case 'F':
			part = "file " + f.name
		}
		isData := func(i int) bool {
			for _, r := range f.data {
				if i >= r[0] && i < r[1] {
					return true
				}
			}
			return false
		}
		// Every byte of the small frames and of one table; every 61st of the others.
		step := 1
		if (f.kind == 'T' && f.name != "core_patient") || f.end-f.start > 4096 {
			step = 61
		}
		for i := f.start; i < f.end; i += step {
			inner[i] ^= 1 << (i % 8)
			err := check(rebuild(t, inner), "")
			inner[i] ^= 1 << (i % 8)
			if err == nil {
				t.Fatalf("%s: byte %d flipped: the backup passes its check", part, i-f.start)
			}
			if isData(i) && (!errors.Is(err, backup.ErrDamaged) || !strings.Contains(err.Error(), "damaged backup: "+part)) {
				t.Fatalf("%s: data byte %d flipped: %v, want damaged backup: %s", part, i-f.start, err, part)
			}
		}
	}
	if seen['H'] != 1 || seen['S'] != 1 || seen['T'] < 10 || seen['F'] != 2 || seen['M'] != 1 || seen['E'] != 1 {
		t.Fatalf("frames: %v", seen)
	}

	// verify-backup says the same: the sequences (which today would restore a clinic whose every
	// new row collides), the header, a table, the manifest.
	for _, kind := range []byte{'S', 'H', 'T', 'M'} {
		for _, f := range frames(t, inner) {
			if f.kind != kind || (kind == 'T' && f.name != "core_patient") {
				continue
			}
			b := bytes.Clone(inner)
			b[f.data[0][0]+5] ^= 0x01
			p := filepath.Join(t.TempDir(), "damaged"+backup.Extension)
			if err := os.WriteFile(p, rebuild(t, b), 0o600); err != nil {
				t.Fatal(err)
			}
			want := map[byte]string{'S': "the sequences", 'H': "the header", 'T': "table core_patient", 'M': "the manifest"}[kind]
			if _, err := backup.Verify(ctx, src, p, "", 0, nil); err == nil || !strings.Contains(err.Error(), "damaged backup: "+want) {
				t.Errorf("%c damaged: verify says %v", kind, err)
			}
		}
	}
}

// TestEveryByteOfAnEncryptedBackupIsChecked: age authenticates the encrypted file (its header
// by a MAC, each 64 KiB by AEAD); under it the same checks hold. Every byte is flipped.
func TestEveryByteOfAnEncryptedBackupIsChecked(t *testing.T) {
	t.Parallel()
	const pass = "correct horse battery staple"
	_, dataDir, _, raw := smallBackup(t, pass)
	key, err := os.ReadFile(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, bytes.TrimSpace(key)) || bytes.Contains(raw, []byte("not really a picture")) {
		t.Fatal("the encrypted backup shows the key or the image")
	}
	res, err := backup.Check(bytes.NewReader(raw), pass)
	if err != nil || len(res.Manifest.Files) != 2 {
		t.Fatalf("intact: %v (files %v)", err, res.Manifest.Files)
	}
	if err := check(raw, "wrong"); !errors.Is(err, backup.ErrPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	for i := range raw {
		raw[i] ^= 1 << (i % 8)
		err := check(raw, pass)
		raw[i] ^= 1 << (i % 8)
		if err == nil {
			t.Fatalf("byte %d of %d flipped: the encrypted backup passes its check", i, len(raw))
		}
	}
}

// TestFormat1BackupsStillRestore: a backup written by Chelal before format 2 (testdata, made
// by the landed code) is still checked, verified and restored; and a damaged sequence in it,
// which it has no checksum for, is caught by comparing the sequences with their columns.
func TestFormat1BackupsStillRestore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fixture := filepath.Join("testdata", "format1.chelal-backup")
	raw, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	res, err := backup.Check(bytes.NewReader(raw), "")
	if err != nil || res.Header.Format != 1 || res.Header.Sequences["core_patient_id_seq"] != 2 {
		t.Fatalf("format 1 check: %v (header %+v)", err, res.Header)
	}
	live := dbtest.New(t)
	if _, err := backup.Verify(ctx, live, fixture, "", 0, nil); err != nil {
		t.Fatalf("verify format 1: %v", err)
	}
	dst := dbtest.NewEmpty(t)
	if _, _, err := backup.Restore(ctx, fixture, dst.DSN(), backup.RestoreOptions{MigrateUp: true}); err != nil {
		t.Fatalf("restore format 1: %v", err)
	}
	var id int64
	if err := dst.Pool.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('CHL-000003-1', 'New', 'Patient', '2000-01-01', 'other') RETURNING id`).Scan(&id); err != nil || id != 3 {
		t.Fatalf("new patient after restoring format 1: id %d (%v)", id, err)
	}

	// A sequence damaged in the header (2 -> 1): the landed code verifies it.
	_, inner := firstMember(t, raw)
	at := bytes.Index(inner, []byte(`"core_patient_id_seq":2`))
	if at < 0 {
		t.Fatal("no core_patient_id_seq in the fixture's header")
	}
	inner[at+len(`"core_patient_id_seq":`)] = '1' // 2 -> 1: the next patient collides with patient 2
	var b bytes.Buffer
	gz := gzip.NewWriter(&b)
	_, _ = gz.Write(inner)
	_ = gz.Close()
	p := filepath.Join(t.TempDir(), "damaged"+backup.Extension)
	if err := os.WriteFile(p, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := backup.Verify(ctx, live, p, "", 0, nil); err == nil || !strings.Contains(err.Error(), "damaged backup: the sequences") {
		t.Fatalf("format 1 with a damaged sequence: %v", err)
	}
}

// TestRestoreBringsBackTheKeyAndTheImages restores onto a computer whose secret.key differs:
// afterwards the backup's key is in use (the 2FA secrets open), the computer's own is kept
// aside, and the profile images are back.
func TestRestoreBringsBackTheKeyAndTheImages(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	src := populated(t)
	oldComputer, box := newDataDir(t)
	sealed, err := box.Seal([]byte("a 2FA secret"))
	if err != nil {
		t.Fatal(err)
	}
	path, _ := makeBackup(t, src, backup.Options{ChelalVersion: "test", DataDir: oldComputer})

	newComputer := t.TempDir()
	if _, err := auth.LoadOrCreateKey(filepath.Join(newComputer, "secret.key")); err != nil {
		t.Fatal(err)
	}
	ownKey, _ := os.ReadFile(filepath.Join(newComputer, "secret.key"))
	dst := dbtest.NewEmpty(t)
	if _, _, err := backup.Restore(ctx, path, dst.DSN(), backup.RestoreOptions{MigrateUp: true, DataDir: newComputer}); err != nil {
		t.Fatal(err)
	}
	restoredBox, err := auth.LoadOrCreateKey(filepath.Join(newComputer, "secret.key"))
	if err != nil {
		t.Fatal(err)
	}
	if plain, err := restoredBox.Open(sealed); err != nil || string(plain) != "a 2FA secret" {
		t.Fatalf("a 2FA secret after the restore: %q, %v", plain, err)
	}
	kept, _ := filepath.Glob(filepath.Join(newComputer, "secret.key.before-restore-*"))
	if len(kept) != 1 {
		t.Fatalf("the computer's own key was not kept aside: %v", kept)
	}
	if b, _ := os.ReadFile(kept[0]); !bytes.Equal(b, ownKey) {
		t.Fatalf("kept key %q, want %q", b, ownKey)
	}
	img, err := os.ReadFile(filepath.Join(newComputer, "media", "profile", profileImage))
	if err != nil || !bytes.HasPrefix(img, []byte("\x89PNG")) {
		t.Fatalf("profile image after the restore: %v", err)
	}
	// The same key again: nothing to keep aside.
	keyNow, _ := os.ReadFile(filepath.Join(newComputer, "secret.key"))
	if k, _, err := backup.InstallFiles(newComputer, map[string][]byte{"secret.key": keyNow}); err != nil || k != "" {
		t.Fatalf("installing the key in use: kept %q, %v", k, err)
	}
}

func TestFolderFailures(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		err  error
		want error
	}{
		{&os.PathError{Op: "write", Path: "/media/usb/x", Err: syscall.ENOSPC}, backup.ErrFolderFull},
		{fmt.Errorf("write backup: %w", &os.PathError{Op: "write", Path: "/x", Err: syscall.EDQUOT}), backup.ErrFolderFull},
		{fmt.Errorf("backup folder: %w", &os.PathError{Op: "mkdir", Path: "/media/usb/x", Err: syscall.ENOENT}), backup.ErrFolderUnavailable},
		{&os.PathError{Op: "open", Path: "/x", Err: syscall.EROFS}, backup.ErrFolderUnavailable},
		{&os.PathError{Op: "mkdir", Path: "/media/usb/x", Err: syscall.EACCES}, backup.ErrFolderUnavailable},
		{&os.PathError{Op: "write", Path: "/x", Err: syscall.EIO}, backup.ErrFolderUnavailable},
		{errors.New("database is down"), nil},
	} {
		if got := backup.FolderFailure(c.err); got != c.want {
			t.Errorf("%v: %v, want %v", c.err, got, c.want)
		}
	}
}

func sha256sum(b []byte) []byte {
	sum := sha256.Sum256(b)
	return sum[:]
}
