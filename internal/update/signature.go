// Package update checks and installs a new Chelal executable brought on a USB stick (the
// clinic has no internet): its signature against the release key built into this Chelal, its
// platform, and that it knows every migration the clinic's database is at; then it puts it in
// place beside the running executable, which keeps running until Chelal is restarted (the new
// version then takes its verified backup and migrates, as any upgrade).
//
// # Signatures
//
// A release is signed with an ed25519 key (crypto/ed25519; build/releasekey makes the key pair
// and the signatures, build/dist.sh signs every artefact when CHELAL_RELEASE_KEY is set). The
// public key is built into each executable with
//
//	-ldflags "-X chelal/internal/update.releaseKey=<base64 of the 32-byte public key>"
//
// and a build without one refuses every update. What is signed is not the file but
//
//	"chelal release signature v1\x00" || platform || "\x00" || SHA-256(file)
//
// where platform is Go's GOOS/GOARCH of the program ("linux/amd64", "windows/amd64",
// "darwin/arm64"; "any" for what is not a program: the .deb, SHA256SUMS): the prefix keeps the
// key's signatures from meaning anything elsewhere, and the platform keeps a signed Windows
// executable from being offered to a Linux server. The signature file (FILE.sig) is text:
//
//	chelal-signature 1
//	platform linux/amd64
//	sha256 <64 hex digits: the file's SHA-256>
//	key <16 hex digits: the first 8 bytes of the SHA-256 of the public key>
//	signature <base64 (standard, padded) of the 64-byte ed25519 signature>
//
// sha256 and key are there for the reader and for precise refusals (a damaged file, another
// key); only the signature over the message above is trusted.
package update

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"chelal/internal/apperr"
)

// releaseKey is the release's public key, base64, set at build time (see the package doc).
// Empty: this build trusts no update.
var releaseKey string

// ReleaseKey is the public key this build trusts for updates; nil when it was built without
// one (a developer's build), and then updates are refused.
func ReleaseKey() ed25519.PublicKey {
	k, err := ParsePublicKey(releaseKey)
	if err != nil {
		return nil
	}
	return k
}

// sigMagic starts every signature file; sigPrefix starts every signed message.
const (
	sigMagic  = "chelal-signature 1"
	sigPrefix = "chelal release signature v1\x00"
	// PlatformAny is the platform of a signed file that is not a program.
	PlatformAny = "any"
	// MaxSignatureBytes bounds a signature file (it is about 250 bytes).
	MaxSignatureBytes = 4 << 10
)

// Signature is a parsed signature file.
type Signature struct {
	Platform string
	SHA256   [32]byte
	KeyID    string
	Sig      []byte
}

// message is what the release key signs for a file of this platform and digest.
func message(platform string, sum [32]byte) []byte {
	m := make([]byte, 0, len(sigPrefix)+len(platform)+1+len(sum))
	m = append(m, sigPrefix...)
	m = append(m, platform...)
	m = append(m, 0)
	return append(m, sum[:]...)
}

// KeyID names a public key in signature files: the first 8 bytes of its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// ParsePublicKey reads a public key in the form built into executables: base64 of 32 bytes.
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errors.New("a release public key is the base64 of 32 bytes")
	}
	return ed25519.PublicKey(b), nil
}

// EncodePublicKey is the inverse of ParsePublicKey.
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// privateKeyMagic is the first line of a private key file; the second is the base64 seed.
const privateKeyMagic = "chelal-release-private-key 1"

// EncodePrivateKey writes a private key file's contents.
func EncodePrivateKey(priv ed25519.PrivateKey) []byte {
	return []byte(privateKeyMagic + "\n" + base64.StdEncoding.EncodeToString(priv.Seed()) + "\n")
}

// ParsePrivateKey reads a private key file.
func ParsePrivateKey(b []byte) (ed25519.PrivateKey, error) {
	magic, rest, _ := strings.Cut(string(b), "\n")
	seed, err := base64.StdEncoding.DecodeString(strings.TrimSpace(rest))
	if strings.TrimSpace(magic) != privateKeyMagic || err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("not a Chelal release private key (made by: go run ./build/releasekey gen)")
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

// Sign returns the signature file of a file whose SHA-256 is sum, for platform.
func Sign(priv ed25519.PrivateKey, platform string, sum [32]byte) []byte {
	sig := ed25519.Sign(priv, message(platform, sum))
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s\nplatform %s\nsha256 %x\nkey %s\nsignature %s\n", sigMagic, platform, sum,
		KeyID(priv.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(sig))
	return b.Bytes()
}

// errNotSignature is the refusal of a file that is not a signature file.
var errNotSignature = apperr.New(apperr.ErrInvalid,
	"The signature file is not a Chelal signature (choose the .sig file that came with the executable).").WithCode("update-signature-format")

// ParseSignature reads a signature file.
func ParseSignature(b []byte) (Signature, error) {
	var s Signature
	if len(b) > MaxSignatureBytes {
		return s, errNotSignature
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	fields := map[string]string{}
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			if line != sigMagic {
				return s, errNotSignature
			}
			first = false
			continue
		}
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			return s, errNotSignature
		}
		if _, dup := fields[k]; dup {
			return s, errNotSignature
		}
		fields[k] = v
	}
	sum, err := hex.DecodeString(fields["sha256"])
	if first || err != nil || len(sum) != sha256.Size {
		return s, errNotSignature
	}
	copy(s.SHA256[:], sum)
	if s.Sig, err = base64.StdEncoding.DecodeString(fields["signature"]); err != nil || len(s.Sig) != ed25519.SignatureSize {
		return s, errNotSignature
	}
	s.Platform, s.KeyID = fields["platform"], fields["key"]
	if s.Platform == "" {
		return s, errNotSignature
	}
	return s, nil
}

// The refusals of Verify, distinct so that the administrator knows what to do.
var (
	// ErrNoKey: this build trusts no release key.
	ErrNoKey = apperr.New(apperr.ErrConflict,
		"This Chelal was built without a release key, so it cannot check an update's signature and refuses it: install the new version with its installer or package instead.").WithCode("update-no-key")
	// ErrTampered: the file is not the one that was signed (damaged on the stick, or changed).
	ErrTampered = apperr.New(apperr.ErrInvalid,
		"The executable does not match its signature: it was damaged (copy it again from the release) or changed. Nothing was replaced.").WithCode("update-tampered")
	// ErrWrongKey: signed, but not by the key this Chelal trusts.
	ErrWrongKey = apperr.New(apperr.ErrInvalid,
		"The executable was not signed with Chelal's release key (it is not an official release). Nothing was replaced.").WithCode("update-wrong-key")
)

// Verify checks that sig is the release key's signature of a file whose SHA-256 is sum, made
// for platform (this build's GOOS/GOARCH).
func Verify(key ed25519.PublicKey, sig Signature, sum [32]byte, platform string) error {
	if len(key) != ed25519.PublicKeySize {
		return ErrNoKey
	}
	if sig.SHA256 != sum {
		return ErrTampered
	}
	if !ed25519.Verify(key, message(sig.Platform, sig.SHA256), sig.Sig) {
		if sig.KeyID != KeyID(key) {
			return ErrWrongKey
		}
		return ErrTampered // the right key's name, a signature it did not make: the .sig was changed
	}
	if sig.Platform != platform {
		return apperr.Errorf(apperr.ErrInvalid,
			"This executable is for %s; this Chelal runs on %s: choose the file made for %s. Nothing was replaced.",
			platformName(sig.Platform), platformName(platform), platformName(platform)).WithCode("update-platform")
	}
	return nil
}

// platformName is a platform as the release files name it ("windows-x64").
func platformName(p string) string {
	if p == PlatformAny {
		return "no program (a package or a list)"
	}
	goos, goarch, _ := strings.Cut(p, "/")
	switch goos {
	case "darwin":
		goos = "macos"
	}
	if goarch == "amd64" {
		goarch = "x64"
	}
	return goos + "-" + goarch
}
