package update

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"chelal/internal/apperr"
	"chelal/internal/update/updatetest"
)

// TestMain lets the test binary stand for a candidate Chelal (updatetest.StandIn).
func TestMain(m *testing.M) {
	updatetest.StandIn()
	os.Exit(m.Run())
}

// testKey is a fixed release key; otherKey is someone else's.
var (
	testKey  = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, 32))
	otherKey = ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, 32))
)

func pub(k ed25519.PrivateKey) ed25519.PublicKey { return k.Public().(ed25519.PublicKey) }

func codeOf(err error) string { return apperr.CodeOf(err) }

func TestSignature(t *testing.T) {
	t.Parallel()
	file := []byte("the new chelal executable")
	sum := sha256.Sum256(file)
	tampered := bytes.Clone(file)
	tampered[3] ^= 1
	good := Sign(testKey, "linux/amd64", sum)
	// the right key's id on a signature of other bytes: the .sig itself was edited
	forged, _ := ParseSignature(good)
	forged.Sig[0] ^= 1

	tests := []struct {
		name     string
		key      ed25519.PublicKey
		sig      []byte
		file     []byte
		platform string
		parsed   *Signature
		want     error
		code     string
	}{
		{name: "good", key: pub(testKey), sig: good, file: file, platform: "linux/amd64"},
		{name: "a byte changed", key: pub(testKey), sig: good, file: tampered, platform: "linux/amd64", want: ErrTampered},
		{name: "another key", key: pub(otherKey), sig: good, file: file, platform: "linux/amd64", want: ErrWrongKey},
		{name: "signed by another key", key: pub(testKey), sig: Sign(otherKey, "linux/amd64", sum), file: file, platform: "linux/amd64", want: ErrWrongKey},
		{name: "other platform", key: pub(testKey), sig: Sign(testKey, "windows/amd64", sum), file: file, platform: "linux/amd64", code: "update-platform"},
		{name: "not a program", key: pub(testKey), sig: Sign(testKey, PlatformAny, sum), file: file, platform: "linux/amd64", code: "update-platform"},
		{name: "no key", key: nil, sig: good, file: file, platform: "linux/amd64", want: ErrNoKey},
		{name: "signature edited", key: pub(testKey), parsed: &forged, file: file, platform: "linux/amd64", want: ErrTampered},
		{name: "not a signature", key: pub(testKey), sig: []byte("hello\n"), file: file, platform: "linux/amd64", code: "update-signature-format"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var s Signature
			var err error
			if tc.parsed != nil {
				s = *tc.parsed
			} else {
				s, err = ParseSignature(tc.sig)
			}
			if err == nil {
				err = Verify(tc.key, s, sha256.Sum256(tc.file), tc.platform)
			}
			switch {
			case tc.want == nil && tc.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			case tc.code != "" && codeOf(err) != tc.code:
				t.Fatalf("got %v (code %q), want code %q", err, codeOf(err), tc.code)
			case err != nil && apperr.KindOf(err) == apperr.ErrInternal:
				t.Fatalf("a refusal must say why: %v", err)
			}
		})
	}
}

func TestKeyFiles(t *testing.T) {
	t.Parallel()
	priv, err := ParsePrivateKey(EncodePrivateKey(testKey))
	if err != nil || !priv.Equal(testKey) {
		t.Fatalf("private key round trip: %v", err)
	}
	p, err := ParsePublicKey(EncodePublicKey(pub(testKey)))
	if err != nil || !p.Equal(pub(testKey)) {
		t.Fatalf("public key round trip: %v", err)
	}
	if _, err := ParsePrivateKey([]byte(EncodePublicKey(pub(testKey)))); err == nil {
		t.Fatal("a public key was read as a private key")
	}
	if ReleaseKey() != nil {
		t.Fatal("a test build has no release key built in")
	}
}

// selfExe is the test binary: a real executable of this platform.
func selfExe(t *testing.T) []byte {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS == "linux" {
		exe = "/proc/self/exe" // the build folder may not be searchable by the user tests run as
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDetectPlatform(t *testing.T) {
	t.Parallel()
	self := selfExe(t)
	arm := bytes.Clone(self)
	if runtime.GOOS == "linux" {
		binary.LittleEndian.PutUint16(arm[18:], 183) // e_machine: EM_AARCH64
	}
	// The smallest PE: an MZ stub pointing at a COFF header with no sections.
	pe := make([]byte, 0x200)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x40)
	copy(pe[0x40:], "PE\x00\x00")
	binary.LittleEndian.PutUint16(pe[0x44:], 0x8664)  // AMD64
	binary.LittleEndian.PutUint16(pe[0x44+18:], 0x22) // executable, large address aware
	peARM := bytes.Clone(pe)
	binary.LittleEndian.PutUint16(peARM[0x44:], 0xaa64)
	dll := bytes.Clone(pe)
	binary.LittleEndian.PutUint16(dll[0x44+18:], 0x2022)
	// The smallest Mach-O: a 64-bit header without load commands.
	macho := func(cpu uint32, typ uint32) []byte {
		b := make([]byte, 32)
		binary.LittleEndian.PutUint32(b[0:], 0xfeedfacf)
		binary.LittleEndian.PutUint32(b[4:], cpu)
		binary.LittleEndian.PutUint32(b[12:], typ)
		return b
	}
	tests := []struct {
		name string
		file []byte
		want string // "" : refused
	}{
		{"this build", self, Platform()},
		{"elf arm64", arm, "linux/arm64"},
		{"pe amd64", pe, "windows/amd64"},
		{"pe arm64", peARM, "windows/arm64"},
		{"pe dll", dll, ""},
		{"mach-o arm64", macho(0x0100000c, 2), "darwin/arm64"},
		{"mach-o x64", macho(0x01000007, 2), "darwin/amd64"},
		{"mach-o library", macho(0x0100000c, 6), ""},
		{"text", []byte("#!/bin/sh\necho chelal\n"), ""},
		{"empty", nil, ""},
		{"truncated elf", self[:20], ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := DetectPlatform(bytes.NewReader(tc.file))
			if tc.want == "" {
				if err == nil {
					t.Fatalf("accepted as %s", got)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

func TestParseVersionOutput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		out  string
		want VersionInfo
		ok   bool
	}{
		{"chelal v1.2.0 (PostgreSQL 18.4.0 bundled)\nschema 0023\nbuild server\n", VersionInfo{"v1.2.0", 23, "server"}, true},
		{"chelal dev-abc (PostgreSQL 18.4.0 bundled)\r\nschema 0102\r\nbuild desktop\r\n", VersionInfo{"dev-abc", 102, "desktop"}, true},
		{"chelal v1.1.0 (PostgreSQL 18.4.0 bundled)\nschema 0023\n", VersionInfo{"v1.1.0", 23, ""}, true},
		{"chelal v1.0.0 (PostgreSQL 18.4.0 bundled)\n", VersionInfo{}, false}, // before offline updates
		{"chelal v1.0.0\nschema x\n", VersionInfo{}, false},
		{"something else\nschema 0023\n", VersionInfo{}, false},
		{"", VersionInfo{}, false},
	}
	for _, tc := range tests {
		got, ok := ParseVersionOutput([]byte(tc.out))
		if ok != tc.ok || (ok && got != tc.want) {
			t.Errorf("%q: got %+v %v", tc.out, got, ok)
		}
	}
}

// install is a Chelal folder with a running executable, and a candidate (the test binary,
// signed for this platform) that says it is v9.9.9 at schema, unless sig is given.
type fixture struct {
	dir, exe  string
	candidate []byte
	sig       []byte
	u         *Updater
}

func newFixture(t *testing.T, fakeVersion string) *fixture {
	t.Helper()
	f := &fixture{dir: t.TempDir()}
	f.exe = filepath.Join(f.dir, "chelal")
	if err := os.WriteFile(f.exe, []byte("the old executable"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, updatetest.VersionFile), []byte(fakeVersion), 0o644); err != nil {
		t.Fatal(err)
	}
	f.candidate = selfExe(t)
	f.sig = Sign(testKey, Platform(), sha256.Sum256(f.candidate))
	f.u = New(Config{Executable: f.exe, ReleaseKey: pub(testKey)})
	return f
}

func (f *fixture) update(dbSchema uint) (Result, error) {
	s, err := f.u.Begin()
	if err != nil {
		return Result{}, err
	}
	defer s.Close()
	if err := s.Write(bytes.NewReader(f.candidate)); err != nil {
		return Result{}, err
	}
	return s.Finish(context.Background(), f.sig, dbSchema)
}

// assertUnchanged checks that a refused update left the folder as it was.
func (f *fixture) assertUnchanged(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(f.exe)
	if err != nil || string(b) != "the old executable" {
		t.Fatalf("the executable was replaced (%v)", err)
	}
	for _, p := range []string{f.exe + ".new", f.exe + ".old"} {
		if _, err := os.Stat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s is left: %v", p, err)
		}
	}
}

func TestInstall(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "chelal v9.9.9 (PostgreSQL 18.4.0 bundled)\nschema 0030\nbuild server\n")
	f.u = New(Config{Executable: f.exe, ReleaseKey: pub(testKey), Kind: "server"})
	res, err := f.update(23)
	if err != nil {
		t.Fatal(err)
	}
	if res.Version != "v9.9.9" || res.Schema != 30 || !res.RestartRequired || res.Previous != f.exe+".old" {
		t.Fatalf("result %+v", res)
	}
	got, err := os.ReadFile(f.exe)
	if err != nil || !bytes.Equal(got, f.candidate) {
		t.Fatalf("the new executable is not in place (%v)", err)
	}
	old, err := os.ReadFile(f.exe + ".old")
	if err != nil || string(old) != "the old executable" {
		t.Fatalf("the old executable is not kept as .old: %q %v", old, err)
	}
	st, err := os.Stat(f.exe)
	if err != nil || st.Mode().Perm() != 0o755 {
		t.Fatalf("mode %v %v, want 0755", st.Mode(), err)
	}
	if _, err := os.Stat(f.exe + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf(".new is left: %v", err)
	}

	// A second update (no restart between): the .old of the first goes, the first becomes .old.
	first := f.candidate
	f.candidate = append(bytes.Clone(f.candidate), "second"...)
	f.sig = Sign(testKey, Platform(), sha256.Sum256(f.candidate))
	if _, err := f.update(30); err != nil {
		t.Fatal(err)
	}
	got, _ = os.ReadFile(f.exe)
	old, _ = os.ReadFile(f.exe + ".old")
	if !bytes.Equal(got, f.candidate) || !bytes.Equal(old, first) {
		t.Fatal("the second update did not keep the first as .old")
	}
}

func TestInstallRefusals(t *testing.T) {
	t.Parallel()
	const current = "chelal v9.9.9 (PostgreSQL 18.4.0 bundled)\nschema 0023\n"
	tests := []struct {
		name    string
		version string
		prepare func(f *fixture)
		schema  uint
		want    error
		code    string
	}{
		{name: "older schema than the records", version: "chelal v1.0.0 (PostgreSQL 18.4.0 bundled)\nschema 0012\n", schema: 23, code: "update-downgrade"},
		{name: "says no schema", version: "chelal v1.0.0 (PostgreSQL 18.4.0 bundled)\n", schema: 23, code: "update-downgrade"},
		{name: "a byte changed", version: current, schema: 23, want: ErrTampered,
			prepare: func(f *fixture) { f.candidate = append(bytes.Clone(f.candidate), 0) }},
		{name: "another key", version: current, schema: 23, want: ErrWrongKey,
			prepare: func(f *fixture) { f.sig = Sign(otherKey, Platform(), sha256.Sum256(f.candidate)) }},
		{name: "signed for another platform", version: current, schema: 23, code: "update-platform",
			prepare: func(f *fixture) { f.sig = Sign(testKey, "windows/arm64", sha256.Sum256(f.candidate)) }},
		{name: "signed for this platform, built for another", version: current, schema: 23, code: "update-platform",
			prepare: func(f *fixture) {
				f.candidate = bytes.Clone(f.candidate)
				binary.LittleEndian.PutUint16(f.candidate[18:], 40) // EM_ARM
				f.sig = Sign(testKey, Platform(), sha256.Sum256(f.candidate))
			}},
		{name: "not a program", version: current, schema: 23, code: "update-not-program",
			prepare: func(f *fixture) {
				f.candidate = []byte("#!/bin/sh\necho chelal v9 && echo schema 0099\n")
				f.sig = Sign(testKey, Platform(), sha256.Sum256(f.candidate))
			}},
		{name: "the server build for a desktop", version: current + "build server\n", schema: 23, code: "update-kind",
			prepare: func(f *fixture) { f.u = New(Config{Executable: f.exe, ReleaseKey: pub(testKey), Kind: "desktop"}) }},
		{name: "no build kind said, one expected", version: current, schema: 23, code: "update-kind",
			prepare: func(f *fixture) { f.u = New(Config{Executable: f.exe, ReleaseKey: pub(testKey), Kind: "server"}) }},
		{name: "no release key", version: current, schema: 23, want: ErrNoKey,
			prepare: func(f *fixture) { f.u = New(Config{Executable: f.exe}) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, tc.version)
			if tc.prepare != nil {
				tc.prepare(f)
			}
			_, err := f.update(tc.schema)
			switch {
			case err == nil:
				t.Fatal("installed")
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Fatalf("got %v, want %v", err, tc.want)
			case tc.code != "" && codeOf(err) != tc.code:
				t.Fatalf("got %v (code %q), want %q", err, codeOf(err), tc.code)
			}
			f.assertUnchanged(t)
			// and the updater is free for the next attempt
			if s, err := f.u.Begin(); err == nil {
				s.Close()
			} else if !errors.Is(err, ErrNoKey) {
				t.Fatalf("the next update is refused: %v", err)
			}
		})
	}
}

func TestFolderNotWritable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ro := filepath.Join(dir, "usr-bin")
	if err := os.Mkdir(ro, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(ro, "chelal")
	if err := os.WriteFile(exe, []byte("the old executable"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ro, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(ro, 0o755) })
	if os.Geteuid() == 0 {
		// root writes anywhere it has a mode for; /proc refuses even root new files
		exe = "/proc/chelal"
	}
	u := New(Config{Executable: exe, ReleaseKey: pub(testKey)})
	err := u.Check()
	if codeOf(err) != "update-not-writable" || apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("got %v", err)
	}
	if msg := apperr.MessageOf(err); !strings.Contains(msg, "apt install") || !strings.Contains(msg, filepath.Dir(exe)) {
		t.Fatalf("the message does not tell the administrator what to do: %s", msg)
	}
	if _, err := u.Begin(); codeOf(err) != "update-not-writable" {
		t.Fatalf("Begin: %v", err)
	}
}

func TestOneAtATime(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "chelal v9.9.9 (PostgreSQL 18.4.0 bundled)\nschema 0030\n")
	s, err := f.u.Begin()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.u.Begin(); !errors.Is(err, ErrBusy) {
		t.Fatalf("a second update at once: %v", err)
	}
	s.Close()
	s.Close() // twice is harmless
	if _, err := os.Stat(s.NewPath); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("an abandoned upload is left: %v", err)
	}
}

func TestWindowsSidePaths(t *testing.T) {
	t.Parallel()
	n, o := sidePaths(`C:\Users\clinic\AppData\Local\Chelal\chelal.exe`)
	if n != `C:\Users\clinic\AppData\Local\Chelal\chelal.new.exe` || o != `C:\Users\clinic\AppData\Local\Chelal\chelal.old.exe` {
		t.Fatal(n, o)
	}
	n, o = sidePaths("/opt/chelal/chelal")
	if n != "/opt/chelal/chelal.new" || o != "/opt/chelal/chelal.old" {
		t.Fatal(n, o)
	}
}
