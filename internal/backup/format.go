// Package backup writes and restores Chelal's own logical backups (the bundled PostgreSQL has
// no pg_dump): one consistent snapshot of every table as COPY data with a manifest of row
// counts and checksums, gzip-compressed and optionally encrypted with a passphrase (age).
// A backup is only called good once it has been restored into a scratch database and
// compared with its manifest.
//
// The file format (after decryption, inside gzip) is a sequence of frames:
//
//	"CHELALBK" (8 bytes) format version (uint32, big endian)
//	frame: kind (1 byte: 'H' header JSON, 'T' table, 'M' manifest JSON, 'E' end)
//	       name length (uint16) name (table name for 'T', empty otherwise)
//	       chunks: length (uint32) data ...  terminated by a zero length
//
// Frames come in the order H, T..., M, E. A file cut short lacks E (and M) and is refused.
package backup

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

const (
	magic         = "CHELALBK"
	formatVersion = 1
	chunkSize     = 256 << 10
)

// Header opens a backup: what wrote it and what it holds.
type Header struct {
	Format          int              `json:"format"`
	ChelalVersion   string           `json:"chelal_version"`
	SchemaVersion   uint             `json:"schema_version"`
	PostgresVersion string           `json:"postgres_version"`
	CreatedAt       time.Time        `json:"created_at"`
	Tables          []string         `json:"tables"`    // in restore order: referenced tables first
	Sequences       map[string]int64 `json:"sequences"` // last values, restored with setval
}

// TableSum is one table's row count and the SHA-256 of its COPY text, ordered by primary key.
type TableSum struct {
	Name   string `json:"name"`
	Rows   int64  `json:"rows"`
	SHA256 string `json:"sha256"`
}

// Manifest closes a backup: what each table held.
type Manifest struct {
	Tables   []TableSum `json:"tables"`
	Finished time.Time  `json:"finished"`
}

// Errors a reader reports about a file that is not a whole, intact backup.
var (
	ErrNotBackup = errors.New("not a Chelal backup file")
	ErrTruncated = errors.New("the backup file is incomplete (cut short): it cannot be restored")
)

type frameWriter struct {
	w *bufio.Writer
}

func newFrameWriter(w io.Writer) (*frameWriter, error) {
	fw := &frameWriter{w: bufio.NewWriterSize(w, chunkSize)}
	if _, err := fw.w.WriteString(magic); err != nil {
		return nil, err
	}
	if err := binary.Write(fw.w, binary.BigEndian, uint32(formatVersion)); err != nil {
		return nil, err
	}
	return fw, nil
}

// begin starts a frame; write its data with chunk, end it with endFrame.
func (fw *frameWriter) begin(kind byte, name string) error {
	if err := fw.w.WriteByte(kind); err != nil {
		return err
	}
	if err := binary.Write(fw.w, binary.BigEndian, uint16(len(name))); err != nil {
		return err
	}
	_, err := fw.w.WriteString(name)
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
	}
	return len(p), nil
}

func (fw *frameWriter) endFrame() error {
	return binary.Write(fw.w, binary.BigEndian, uint32(0))
}

func (fw *frameWriter) flush() error { return fw.w.Flush() }

type frameReader struct {
	r *bufio.Reader
}

func newFrameReader(r io.Reader) (*frameReader, error) {
	fr := &frameReader{r: bufio.NewReaderSize(r, chunkSize)}
	head := make([]byte, len(magic)+4)
	if _, err := io.ReadFull(fr.r, head); err != nil || string(head[:len(magic)]) != magic {
		return nil, ErrNotBackup
	}
	if v := binary.BigEndian.Uint32(head[len(magic):]); v > formatVersion {
		return nil, fmt.Errorf("backup format %d is newer than this Chelal understands (%d): restore it with a newer Chelal", v, formatVersion)
	}
	return fr, nil
}

// next reads the next frame's kind and name; its data is read from the returned reader,
// which must be drained before the following call.
func (fr *frameReader) next() (kind byte, name string, data io.Reader, err error) {
	kind, err = fr.r.ReadByte()
	if err != nil {
		return 0, "", nil, truncated(err)
	}
	var n uint16
	if err := binary.Read(fr.r, binary.BigEndian, &n); err != nil {
		return 0, "", nil, truncated(err)
	}
	nb := make([]byte, n)
	if _, err := io.ReadFull(fr.r, nb); err != nil {
		return 0, "", nil, truncated(err)
	}
	return kind, string(nb), &chunkReader{r: fr.r}, nil
}

func truncated(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return ErrTruncated
	}
	return err
}

// chunkReader reads one frame's chunks until the zero-length terminator.
type chunkReader struct {
	r    *bufio.Reader
	left uint32
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.done {
		return 0, io.EOF
	}
	if c.left == 0 {
		if err := binary.Read(c.r, binary.BigEndian, &c.left); err != nil {
			return 0, truncated(err)
		}
		if c.left == 0 {
			c.done = true
			return 0, io.EOF
		}
		if c.left > chunkSize {
			return 0, fmt.Errorf("%w: a chunk of %d bytes", ErrNotBackup, c.left)
		}
	}
	if uint32(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= uint32(n)
	if err != nil && n == 0 {
		return 0, truncated(err)
	}
	return n, nil
}
