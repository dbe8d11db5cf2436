// Package lan is what serving the clinic's other computers needs beyond HTTP: the clinic's own
// certificate authority and the server certificate it signs (renewed and re-issued by itself),
// one listener that speaks HTTPS and answers plain HTTP with a redirect or the welcome page,
// and the mDNS/DNS-SD advertisement that lets workstations find Chelal by name.
//
// The CA is built with the standard library's crypto/x509: Chelal needs one self-signed root
// and short-lived leaf certificates for a handful of names and addresses, which is a few dozen
// lines there; a PKI library (go.step.sm/crypto) would add a large dependency tree for nothing
// Chelal uses (ACME, KMS, templates), and every dependency is one more thing to keep current.
package lan

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"chelal/internal/durable"
)

// Where the CA lives, relative to the data dir. Backups carry both files (internal/backup).
const (
	CACertFile = "lan/ca.crt"
	CAKeyFile  = "lan/ca.key"
)

// caValidity is the CA's lifetime: long enough that no clinic has to re-install it on every
// workstation during the life of the computer.
const caValidity = 20 * 365 * 24 * time.Hour

// ErrNoCA says that the data dir has no CA yet (Chelal has never served the LAN).
var ErrNoCA = errors.New("this data folder has no clinic certificate authority yet: it is created the first time Chelal serves the LAN (LAN sharing on, or chelal serve --addr 0.0.0.0:7300)")

// CA is the clinic's certificate authority: a self-signed ECDSA P-256 root whose key never
// leaves the data dir (and the backups).
type CA struct {
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// LoadOrCreateCA reads the CA of dataDir, creating it on the first call. created says whether
// it was made now.
func LoadOrCreateCA(dataDir string) (ca *CA, created bool, err error) {
	ca, err = LoadCA(dataDir)
	if err == nil || !errors.Is(err, ErrNoCA) {
		return ca, false, err
	}
	ca, err = NewCA(time.Now())
	if err != nil {
		return nil, false, err
	}
	if err := ca.save(dataDir); err != nil {
		return nil, false, err
	}
	return ca, true, nil
}

// LoadCA reads the CA of dataDir; ErrNoCA when there is none.
func LoadCA(dataDir string) (*CA, error) {
	certPEM, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(CACertFile)))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNoCA
	}
	if err != nil {
		return nil, fmt.Errorf("read the clinic CA certificate: %w", err)
	}
	keyPEM, err := os.ReadFile(filepath.Join(dataDir, filepath.FromSlash(CAKeyFile)))
	if err != nil {
		return nil, fmt.Errorf("read the clinic CA key (%s): %w", CAKeyFile, err)
	}
	return ParseCA(certPEM, keyPEM)
}

// ParseCA checks a PEM certificate and key pair (the files, or a backup's copies).
func ParseCA(certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	if cb == nil || cb.Type != "CERTIFICATE" || kb == nil {
		return nil, errors.New("the clinic CA files are not PEM certificate and key")
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the clinic CA certificate: %w", err)
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("the clinic CA key: %w", err)
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok || !cert.IsCA || !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("the clinic CA key does not belong to its certificate")
	}
	return &CA{Cert: cert, Key: key}, nil
}

// NewCA makes a new CA valid from now.
func NewCA(now time.Time) (*CA, error) {
	key, serial, err := newKeyAndSerial()
	if err != nil {
		return nil, err
	}
	ski := sha256.Sum256(elliptic.MarshalCompressed(elliptic.P256(), key.X, key.Y)) //nolint:staticcheck // the point's bytes, only hashed
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		// The serial's start tells two clinics' CAs apart in a workstation's certificate list.
		Subject:               pkix.Name{CommonName: "Chelal clinic CA " + strings.ToUpper(hex.EncodeToString(serial.Bytes()[:4])), Organization: []string{"Chelal"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true, // it signs server certificates only, never another CA
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		SubjectKeyId:          ski[:20],
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{Cert: cert, Key: key}, nil
}

// save writes the key (0600) then the certificate (0644) under dataDir/lan, each through a
// temporary file renamed into place: a crash never leaves half a key.
func (ca *CA) save(dataDir string) error {
	dir := filepath.Join(dataDir, "lan")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(ca.Key)
	if err != nil {
		return err
	}
	if err := durable.WriteFile(filepath.Join(dataDir, filepath.FromSlash(CAKeyFile)), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return fmt.Errorf("save the clinic CA key: %w", err)
	}
	if err := durable.WriteFile(filepath.Join(dataDir, filepath.FromSlash(CACertFile)), ca.PEM(), 0o644); err != nil {
		return fmt.Errorf("save the clinic CA certificate: %w", err)
	}
	return nil
}

// PEM is the CA certificate as a workstation installs it.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// Fingerprint is the SHA-256 of the CA certificate, as browsers and certificate managers show
// it: upper-case hex pairs separated by colons. Comparing it on a workstation proves that the
// file installed there is this clinic's CA and not one swapped on the way.
func (ca *CA) Fingerprint() string { return Fingerprint(ca.Cert.Raw) }

// Fingerprint formats the SHA-256 of a DER certificate.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b bytes.Buffer
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", c)
	}
	return b.String()
}

// newKeyAndSerial makes a certificate's key (ECDSA P-256) and serial number.
func newKeyAndSerial() (*ecdsa.PrivateKey, *big.Int, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	return key, serial, nil
}

func newSerial() (*big.Int, error) {
	// 128 random bits, the first one cleared so that the DER integer stays positive and 16 bytes.
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	b[0] &= 0x7f
	b[0] |= 0x40
	return new(big.Int).SetBytes(b), nil
}
