// Command releasekey makes Chelal's release key pair and signs release files with it
// (ed25519 from the standard library; the signature format is documented in internal/update).
//
//	go run ./build/releasekey gen OUT              write OUT (the private key, 0600) and OUT.pub
//	go run ./build/releasekey pub KEY              print KEY's public key (what builds embed)
//	go run ./build/releasekey sign KEY FILE...     write FILE.sig beside each FILE
//	go run ./build/releasekey verify PUB FILE      check FILE.sig (PUB: the .pub file or the key)
//
// sign reads each file's platform from its headers (ELF, PE, Mach-O: GOOS/GOARCH); a file that
// is no program (a .deb, SHA256SUMS) is signed for the platform "any", which no update accepts.
// -platform P overrides it. Keep the private key off the build machine's disk between releases.
package main

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"chelal/internal/update"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "releasekey:", err)
		os.Exit(1)
	}
}

const usage = "usage: releasekey gen OUT | pub KEY | sign [-platform P] KEY FILE... | verify PUB FILE"

func run(args []string) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "gen":
		if len(args) != 2 {
			return errors.New(usage)
		}
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return err
		}
		f, err := os.OpenFile(args[1], os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		if _, err := f.Write(update.EncodePrivateKey(priv)); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		if err := os.WriteFile(args[1]+".pub", []byte(update.EncodePublicKey(pub)+"\n"), 0o644); err != nil {
			return err
		}
		fmt.Printf("private key %s (keep it secret), public key %s.pub (key id %s)\n", args[1], args[1], update.KeyID(pub))
		return nil
	case "pub":
		if len(args) != 2 {
			return errors.New(usage)
		}
		priv, err := readPrivate(args[1])
		if err != nil {
			return err
		}
		fmt.Println(update.EncodePublicKey(priv.Public().(ed25519.PublicKey)))
		return nil
	case "sign":
		fs := flag.NewFlagSet("sign", flag.ContinueOnError)
		platform := fs.String("platform", "", "the files' platform (GOOS/GOARCH, or any); default: read from each file")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		if fs.NArg() < 2 {
			return errors.New(usage)
		}
		priv, err := readPrivate(fs.Arg(0))
		if err != nil {
			return err
		}
		for _, name := range fs.Args()[1:] {
			sum, detected, err := digest(name)
			if err != nil {
				return err
			}
			p := *platform
			if p == "" {
				p = detected
			}
			if err := os.WriteFile(name+".sig", update.Sign(priv, p, sum), 0o644); err != nil {
				return err
			}
		}
		return nil
	case "verify":
		if len(args) != 3 {
			return errors.New(usage)
		}
		pubText := args[1]
		if b, err := os.ReadFile(args[1]); err == nil {
			pubText = string(b)
		}
		pub, err := update.ParsePublicKey(pubText)
		if err != nil {
			return err
		}
		sigBytes, err := os.ReadFile(args[2] + ".sig")
		if err != nil {
			return err
		}
		sig, err := update.ParseSignature(sigBytes)
		if err != nil {
			return err
		}
		sum, _, err := digest(args[2])
		if err != nil {
			return err
		}
		if err := update.Verify(pub, sig, sum, sig.Platform); err != nil {
			return err
		}
		fmt.Printf("%s: good signature for %s\n", args[2], sig.Platform)
		return nil
	}
	return errors.New(usage)
}

func readPrivate(path string) (ed25519.PrivateKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return update.ParsePrivateKey(b)
}

// digest is a file's SHA-256 and the platform its headers name ("any" for no program).
func digest(name string) ([32]byte, string, error) {
	var sum [32]byte
	f, err := os.Open(name)
	if err != nil {
		return sum, "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return sum, "", err
	}
	copy(sum[:], h.Sum(nil))
	platform, err := update.DetectPlatform(f)
	if err != nil || strings.HasSuffix(name, "-setup.exe") {
		platform = update.PlatformAny // an installer is run by hand, never put in place by an update
	}
	return sum, platform, nil
}
