package db

import (
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/apperr"
)

// UnavailableRetryAfter is how long a client is told to wait before retrying when the
// database does not answer: the embedded server's supervisor restarts it within a few seconds.
const UnavailableRetryAfter = 5 * time.Second

// CodeUnavailable refines apperr.ErrUnavailable for a database that does not answer; the
// HTTP layer answers it as the problem type database-unavailable.
const CodeUnavailable = "database-unavailable"

// IsUnavailable tells whether err says the database cannot be reached or cannot work right
// now (as opposed to a bug or a refused statement): the server is down, shutting down or
// starting, out of disk or connections, or the connection to it broke. Such a failure goes
// away by itself (the embedded server is restarted; an administrator frees disk), so clients
// are told to retry rather than shown an "unexpected error".
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch code := pgErr.Code; {
		case strings.HasPrefix(code, "08"): // connection exception
			return true
		case code == "57P01", code == "57P02", code == "57P03": // admin shutdown, crash shutdown, cannot connect now
			return true
		case code == "53100", code == "53300": // disk full, too many connections
			return true
		case code == "58030": // io_error (a write failed under the server)
			return true
		}
		return false
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return true
	}
	for _, target := range []error{pgconn.ErrConnClosed, syscall.ECONNREFUSED, syscall.ECONNRESET, syscall.EPIPE, net.ErrClosed, io.ErrUnexpectedEOF, io.EOF} {
		if errors.Is(err, target) {
			return true
		}
	}
	// pgx reports a connection that died mid-query with unexported error types (or a bare
	// EOF, above); their text is the only stable mark.
	msg := err.Error()
	for _, s := range []string{"failed to receive message", "failed to write", "conn closed", "closed pool"} {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

// Unavailable returns err as an apperr.ErrUnavailable error (code database-unavailable, with a
// Retry-After) when IsUnavailable(err) and err carries no kind of its own; otherwise err as is.
func Unavailable(err error) error {
	if !IsUnavailable(err) || apperr.KindOf(err) != apperr.ErrInternal {
		return err
	}
	e := apperr.Wrap(apperr.ErrUnavailable, err, "The database is unavailable; Chelal is retrying. Try again in a few seconds.").WithCode(CodeUnavailable)
	e.RetryAfter = UnavailableRetryAfter
	return e
}
