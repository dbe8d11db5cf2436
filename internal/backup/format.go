// Package backup writes and restores Chelal's own logical backups (the bundled PostgreSQL has
// no pg_dump): one consistent snapshot of every table as COPY data with a manifest of row
// counts and checksums, the files of the data dir a restore needs (secret.key, profile images),
// gzip-compressed and optionally encrypted with a passphrase (age). A backup is only called
// good once it has been restored into a scratch database and compared with its manifest.
//
// docs/BACKUP-FORMAT.md describes the format for readers outside Chelal. In short (format 2):
// the file, once decrypted, is two gzip members. The first holds
//
//	"CHELALBK" (8 bytes) format version (uint32, big endian)
//	frame: kind (1 byte: 'H' header JSON, 'S' sequences JSON, 'T' table, 'F' file,
//	       'M' manifest JSON, 'E' end)
//	       name length (uint16) name (table name for 'T', file path for 'F', empty otherwise)
//	       chunks: length (uint32) data ...  terminated by a zero length
//	       SHA-256 (32 bytes) of kind, name length, name and data
//
// with frames in the order H, S, T..., F..., M, E. The second member, the seal, is one stored
// (uncompressed) deflate block holding "CHELALSEAL" and the SHA-256 of every byte of the first
// member; a reader rebuilds the whole second member from that sum and compares it byte for
// byte. So no byte of a backup is insignificant: each one is covered by a frame checksum, the
// gzip CRC, the seal, or the byte-for-byte comparison of the seal member (and, encrypted, by
// age's authentication). A file cut short lacks E, M or the seal and is refused.
//
// Format 1 (Chelal before format 2) has no 'S' frame (the sequences are in the header), no
// frame checksums and no seal; it is still read and restored.
package backup

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"regexp"
	"time"
)

const (
	magic         = "CHELALBK"
	formatVersion = 2
	chunkSize     = 256 << 10
	sealMagic     = "CHELALSEAL"
	// maxFileSize bounds one file frame ('F'): they are read into memory.
	maxFileSize = 64 << 20
)

// Header opens a backup: what wrote it and what it holds.
type Header struct {
	Format          int       `json:"format"`
	ChelalVersion   string    `json:"chelal_version"`
	SchemaVersion   uint      `json:"schema_version"`
	PostgresVersion string    `json:"postgres_version"`
	CreatedAt       time.Time `json:"created_at"`
	Tables          []string  `json:"tables"` // in restore order: referenced tables first
	// Sequences are the last values, restored with setval. Format 2 keeps them in their own
	// frame ('S', with its own checksum); format 1 kept them here.
	Sequences map[string]int64 `json:"sequences,omitempty"`
}

// TableSum is one table's row count and the SHA-256 of its COPY text, ordered by primary key.
type TableSum struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// FileSum is one file of the data dir in the backup: its path (slash-separated, relative to
// the data dir), size and SHA-256.
type FileSum struct {
	Name   string `json:"name"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Manifest closes a backup: what each table held.
type Manifest struct {
	Tables   []TableSum `json:"tables"`
	Files    []FileSum  `json:"files,omitempty"` // format 2
	Finished time.Time  `json:"finished"`
}

// Errors a reader reports about a file that is not a whole, intact backup.
var (
	ErrNotBackup = errors.New("not a Chelal backup file (or one damaged at its start)")
	ErrTruncated = errors.New("the backup file is incomplete (cut short): it cannot be restored")
	// ErrDamaged: a checksum, the gzip CRC or the seal does not match; the message names the
	// part of the file.
	ErrDamaged = errors.New("damaged backup")
)

// damaged reports damage to one part of a backup.
func damaged(part, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s", ErrDamaged, part, fmt.Sprintf(format, args...))
}

// fileName is what an 'F' frame may be called: a restore writes nothing else.
var fileName = regexp.MustCompile(`^(secret\.key|lan/ca\.(crt|key)|media/profile/[0-9a-f-]{36}\.(png|jpg))$`)

type frameWriter struct {
	w   *bufio.Writer
	sum hash.Hash // the current frame's checksum
}

func newFrameWriter(w io.Writer) (*frameWriter, error) {
	fw := &frameWriter{w: bufio.NewWriterSize(w, chunkSize), sum: sha256.New()}
	if _, err := fw.w.WriteString(magic); err != nil {
		return nil, err
	}
	if err := binary.Write(fw.w, binary.BigEndian, uint32(formatVersion)); err != nil {
		return nil, err
	}
	return fw, nil
}

// frameHead is a frame's kind, name length and name, as written and as checksummed.
func frameHead(kind byte, name string) []byte {
	b := make([]byte, 3, 3+len(name))
	b[0] = kind
	binary.BigEndian.PutUint16(b[1:], uint16(len(name)))
	return append(b, name...)
}

// begin starts a frame; write its data with Write, end it with endFrame.
func (fw *frameWriter) begin(kind byte, name string) error {
	if len(name) > 0xffff {
		return fmt.Errorf("backup: name too long: %.40q", name)
	}
	head := frameHead(kind, name)
	fw.sum.Reset()
	fw.sum.Write(head)
	_, err := fw.w.Write(head)
	return err
}

// Write adds data to the current frame (it is an io.Writer for COPY TO).
func (fw *frameWriter) Write(p []byte) (int, error) {
	for off := 0; off < len(p); off += chunkSize {
		end := min(off+chunkSize, len(p))
		if err := binary.Write(fw.w, binary.BigEndian, uint32(end-off)); err != nil {
			return off, err
		}
		if _, err := fw.w.Write(p[off:end]); err != nil {
			return off, err
		}
		fw.sum.Write(p[off:end])
	}
	return len(p), nil
}

func (fw *frameWriter) endFrame() error {
	if err := binary.Write(fw.w, binary.BigEndian, uint32(0)); err != nil {
		return err
	}
	_, err := fw.w.Write(fw.sum.Sum(nil))
	return err
}

func (fw *frameWriter) flush() error { return fw.w.Flush() }

// sealMember is the second gzip member of a format 2 backup, byte for byte: a fixed gzip
// header, one final stored deflate block of "CHELALSEAL" and sum, the CRC-32 and the length.
// It is written by hand, not by a compressor, so that a reader can rebuild and compare it.
func sealMember(sum []byte) []byte {
	content := append([]byte(sealMagic), sum...)
	n := uint16(len(content))
	b := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff, // gzip: deflate, no flags, no time, OS unknown
		0x01, byte(n), byte(n >> 8), ^byte(n), ^byte(n >> 8)} // final stored block, LEN, NLEN
	b = append(b, content...)
	b = binary.LittleEndian.AppendUint32(b, crc32.ChecksumIEEE(content))
	return binary.LittleEndian.AppendUint32(b, uint32(len(content)))
}

// hashingWriter passes writes on and hashes them (the seal's sum of the first member).
type hashingWriter struct {
	w io.Writer
	h hash.Hash
}

func (hw hashingWriter) Write(p []byte) (int, error) {
	n, err := hw.w.Write(p)
	hw.h.Write(p[:n])
	return n, err
}

// hashingReader hashes exactly the bytes its reader (gzip, through flate) takes: it is a
// flate.Reader, so gzip reads from it without buffering more than it needs.
type hashingReader struct {
	br  *bufio.Reader
	h   hash.Hash
	one [1]byte // ReadByte's byte for the hash, without an allocation per byte
}

func (hr *hashingReader) Read(p []byte) (int, error) {
	n, err := hr.br.Read(p)
	hr.h.Write(p[:n])
	return n, err
}

func (hr *hashingReader) ReadByte() (byte, error) {
	b, err := hr.br.ReadByte()
	if err == nil {
		hr.one[0] = b
		hr.h.Write(hr.one[:])
	}
	return b, err
}

// source is an opened backup: the decompressed first member, and below it the raw bytes the
// seal covers.
type source struct {
	gz  *gzip.Reader
	raw *hashingReader
}

func newSource(r io.Reader) (*source, error) {
	raw := &hashingReader{br: bufio.NewReaderSize(r, 64<<10), h: sha256.New()}
	peek, err := raw.br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		if errors.Is(err, ErrDamaged) {
			return nil, err
		}
		return nil, damaged("the start of the file", "it cannot be read (%v)", err)
	}
	if !bytes.Equal(peek, []byte{0x1f, 0x8b}) {
		return nil, ErrNotBackup
	}
	gz, err := gzip.NewReader(raw)
	if err != nil {
		return nil, damaged("the gzip header", "%v", err)
	}
	gz.Multistream(false)
	return &source{gz: gz, raw: raw}, nil
}

// finish checks what follows the end frame: the end of the first member (gzip checks its CRC
// and length there) and, from format 2, the seal, rebuilt and compared byte for byte.
func (s *source) finish(version uint32) error {
	var one [1]byte
	if n, err := s.gz.Read(one[:]); n > 0 {
		return damaged("the end of the file", "data after the end frame")
	} else if errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	} else if err != io.EOF {
		return damaged("the gzip trailer", "%v", err)
	}
	if version < 2 {
		if _, err := s.raw.br.ReadByte(); err != io.EOF {
			return damaged("the end of the file", "bytes after the compressed data")
		}
		return nil
	}
	want := sealMember(s.raw.h.Sum(nil))
	got, err := io.ReadAll(io.LimitReader(s.raw.br, int64(len(want))+1))
	switch {
	case err != nil:
		return damaged("the seal", "%v", err)
	case len(got) == 0:
		return ErrTruncated
	case !bytes.Equal(got, want):
		return damaged("the seal", "the checksum of the whole compressed file does not match (a byte of the compressed data, its gzip header or trailer, or of the seal itself was altered)")
	}
	return nil
}

type frameReader struct {
	r       *bufio.Reader
	version uint32
}

func newFrameReader(r io.Reader) (*frameReader, error) {
	fr := &frameReader{r: bufio.NewReaderSize(r, chunkSize)}
	head := make([]byte, len(magic)+4)
	if _, err := io.ReadFull(fr.r, head); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, ErrNotBackup
		}
		return nil, damaged("the start of the file", "%v", err)
	}
	if string(head[:len(magic)]) != magic {
		return nil, ErrNotBackup
	}
	fr.version = binary.BigEndian.Uint32(head[len(magic):])
	switch {
	case fr.version > formatVersion && fr.version < 1000:
		return nil, fmt.Errorf("backup format %d is newer than this Chelal understands (%d): restore it with a newer Chelal", fr.version, formatVersion)
	case fr.version < 1 || fr.version > formatVersion:
		return nil, damaged("the format version", "%d is no format Chelal ever wrote", fr.version)
	}
	return fr, nil
}

// partName names a frame in errors.
func partName(kind byte, name string) string {
	switch kind {
	case 'H':
		return "the header"
	case 'S':
		return "the sequences"
	case 'T':
		return "table " + name
	case 'F':
		return "file " + name
	case 'M':
		return "the manifest"
	case 'E':
		return "the end frame"
	}
	return fmt.Sprintf("a frame of unknown kind %q", kind)
}

// next reads the next frame's kind and name; its data is read from the returned reader,
// which must be drained before the following call (a format 2 frame's checksum is checked
// when its data ends: the last Read reports a mismatch instead of io.EOF).
func (fr *frameReader) next(after string) (kind byte, name string, data *chunkReader, err error) {
	kind, err = fr.r.ReadByte()
	if err != nil {
		return 0, "", nil, fr.readErr("what follows "+after, err)
	}
	var nb [2]byte
	if _, err := io.ReadFull(fr.r, nb[:]); err != nil {
		return 0, "", nil, fr.readErr("what follows "+after, err)
	}
	raw := make([]byte, binary.BigEndian.Uint16(nb[:]))
	if _, err := io.ReadFull(fr.r, raw); err != nil {
		return 0, "", nil, fr.readErr("what follows "+after, err)
	}
	name = string(raw)
	c := &chunkReader{r: fr.r, part: partName(kind, name)}
	if fr.version >= 2 {
		c.sum = sha256.New()
		c.sum.Write(frameHead(kind, name))
	}
	return kind, name, c, nil
}

// readErr turns an error of the stream below into what it means for the backup.
func (fr *frameReader) readErr(part string, err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	if errors.Is(err, ErrDamaged) || errors.Is(err, ErrPassphrase) {
		return err
	}
	return damaged(part, "the compressed or encrypted data does not decode (%v)", err)
}

// chunkReader reads one frame's chunks until the zero-length terminator (and, from format 2,
// checks the frame's checksum there).
type chunkReader struct {
	r    *bufio.Reader
	part string
	sum  hash.Hash // nil: format 1
	left uint32
	done bool
	err  error // the first error, kept so that a caller (COPY) that hides it can report it
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	if c.done {
		return 0, io.EOF
	}
	n, err := c.read(p)
	if err != nil && err != io.EOF {
		c.err = err
	}
	return n, err
}

func (c *chunkReader) read(p []byte) (int, error) {
	fr := frameReader{r: c.r}
	if c.left == 0 {
		var lb [4]byte
		if _, err := io.ReadFull(c.r, lb[:]); err != nil {
			return 0, fr.readErr(c.part, err)
		}
		c.left = binary.BigEndian.Uint32(lb[:])
		if c.left == 0 {
			c.done = true
			if c.sum != nil {
				var want [sha256.Size]byte
				if _, err := io.ReadFull(c.r, want[:]); err != nil {
					return 0, fr.readErr(c.part, err)
				}
				if !bytes.Equal(c.sum.Sum(nil), want[:]) {
					return 0, damaged(c.part, "its checksum does not match")
				}
			}
			return 0, io.EOF
		}
		if c.left > chunkSize {
			return 0, damaged(c.part, "a chunk of %d bytes (at most %d are written)", c.left, chunkSize)
		}
	}
	if uint32(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= uint32(n)
	if c.sum != nil {
		c.sum.Write(p[:n])
	}
	if err != nil && n == 0 {
		return 0, fr.readErr(c.part, err)
	}
	return n, nil
}

// drain reads what is left of the frame (checking its checksum).
func (c *chunkReader) drain() error {
	_, err := io.Copy(io.Discard, c)
	if c.err != nil {
		return c.err
	}
	return err
}
