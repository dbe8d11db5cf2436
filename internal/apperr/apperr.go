// Package apperr holds the kinds of error Chelal's domains report, so that a domain can say
// "not found" or "these fields are invalid" without knowing about HTTP. The HTTP layer
// (internal/server) maps each kind to one status in one table; an error of no kind is an
// internal error, logged and never shown to the user.
//
// A domain returns a kind on its own, wrapped, or as an *Error with a message for the user:
//
//	return apperr.ErrNotFound                                   // 404, generic detail
//	return fmt.Errorf("get patient %d: %w", id, apperr.ErrNotFound)
//	return apperr.New(apperr.ErrConflict, "That time slot is already booked.")
//	return apperr.Wrap(apperr.ErrConflict, err, "The record changed meanwhile.").WithCode("stale-version")
//
// and reports every bad field of an input at once with Fields:
//
//	var f apperr.Fields
//	if p.FirstName == "" { f.Add("first_name", apperr.CodeRequired, "First name is required.") }
//	return f.Err() // nil when every field is fine
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind is a category of failure. A Kind is itself an error, so a domain may return one bare,
// wrap it with fmt.Errorf("...: %w", kind), and callers test for it with errors.Is.
type Kind string

// Error returns the kind's name.
func (k Kind) Error() string { return string(k) }

// The kinds of error. Each maps to one HTTP status in internal/server.
const (
	ErrInvalid         Kind = "invalid"           // the input is well-formed but its values are not acceptable (422)
	ErrUnauthorized    Kind = "unauthorized"      // no valid session (401)
	ErrForbidden       Kind = "forbidden"         // the user may not do this (403)
	ErrNotFound        Kind = "not_found"         // no such record, or one the user may not see (404)
	ErrConflict        Kind = "conflict"          // stale version, duplicate, double booking, not enough stock (409)
	ErrTooManyRequests Kind = "too_many_requests" // too many attempts; try later (429)
	ErrUnavailable     Kind = "unavailable"       // a dependency (the database) does not answer (503)
	ErrInternal        Kind = "internal"          // a bug or an unexpected failure (500); never shown
)

// Stable codes for FieldError.Code. Domains may use others; a code is snake_case and never
// changes once clients rely on it.
const (
	CodeRequired     = "required"      // the field is missing or empty
	CodeInvalid      = "invalid"       // the value is not acceptable (see the message)
	CodeInvalidType  = "invalid_type"  // the JSON value has the wrong type
	CodeUnknownField = "unknown_field" // the field does not exist
	CodeTooLong      = "too_long"      // the value is longer than allowed
	CodeTooShort     = "too_short"     // the value is shorter than allowed
	CodeOutOfRange   = "out_of_range"  // the number or date is outside the allowed range
	CodeDuplicate    = "duplicate"     // another record already has this value
)

// FieldError says what is wrong with one input field.
type FieldError struct {
	// Field is the input's JSON name; nested fields are joined with dots ("items.0.quantity").
	Field string `json:"field"`
	// Code is a stable machine-readable reason, e.g. "required" (see the Code constants).
	Code string `json:"code"`
	// Message is a human explanation for the user.
	Message string `json:"message"`
}

// Error is a failure of some Kind with a message that is safe to show to the user, optional
// per-field errors, an optional stable Code that refines the kind (e.g. "otp-required",
// "stale-version"), and the underlying cause, which is for logs only.
type Error struct {
	Kind    Kind
	Code    string       // kebab-case refinement of Kind; the HTTP layer uses it in the problem type
	Message string       // safe for users; empty: a generic text for the kind
	Fields  []FieldError // per-field problems, mostly with ErrInvalid
	Err     error        // the cause; never shown to users
	// RetryAfter, with ErrTooManyRequests or ErrUnavailable, says when trying again may work.
	RetryAfter time.Duration
	// Details is data the client needs to act on the error (the allergy warnings a doctor must
	// confirm, the stock still available); the HTTP layer answers it as the problem's "details".
	Details any
	// Key names the message in the server's catalog (internal/i18n) and Params its named
	// parameters: the HTTP layer then writes the detail in the user's language. Message stays
	// the English text, for logs and for a key the catalog lacks.
	Key    string
	Params map[string]any
}

// New returns an error of kind with a message for the user.
func New(kind Kind, message string) *Error {
	return &Error{Kind: kind, Message: message}
}

// Errorf returns an error of kind with a formatted message for the user. %w is not
// special here: use Wrap to keep a cause.
func Errorf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an error of kind with a message for the user that keeps cause for logs and
// errors.Is/As.
func Wrap(kind Kind, cause error, message string) *Error {
	return &Error{Kind: kind, Message: message, Err: cause}
}

// Invalid returns an ErrInvalid error that lists fields.
func Invalid(fields ...FieldError) *Error {
	return &Error{Kind: ErrInvalid, Message: "Some fields are invalid.", Fields: fields, Key: "problem.invalid"}
}

// WithCode sets a stable kebab-case code that refines the kind and returns e.
func (e *Error) WithCode(code string) *Error {
	e.Code = code
	return e
}

// WithDetails attaches data for the client (see Error.Details) and returns e.
func (e *Error) WithDetails(details any) *Error {
	e.Details = details
	return e
}

// WithKey names e's message in the server's catalog, with params as name, value pairs, and
// returns e (see Error.Key).
func (e *Error) WithKey(key string, pairs ...any) *Error {
	e.Key = key
	if len(pairs) > 0 {
		e.Params = make(map[string]any, len(pairs)/2)
		for i := 0; i+1 < len(pairs); i += 2 {
			name, _ := pairs[i].(string)
			e.Params[name] = pairs[i+1]
		}
	}
	return e
}

// KeyOf returns the catalog key and parameters of the first *Error in err's chain that has a
// message, or "" when that error has no key (its Message is then shown as is).
func KeyOf(err error) (string, map[string]any) {
	var e *Error
	if errors.As(err, &e) {
		return e.Key, e.Params
	}
	return "", nil
}

// DetailsOf returns the Details of the first *Error in err's chain, or nil.
func DetailsOf(err error) any {
	var e *Error
	if errors.As(err, &e) {
		return e.Details
	}
	return nil
}

// Error describes e for logs: kind, message, fields and cause.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(string(e.Kind))
	if e.Code != "" {
		b.WriteString(" (" + e.Code + ")")
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, f := range e.Fields {
		if i == 0 {
			b.WriteString(" [")
		} else {
			b.WriteString("; ")
		}
		b.WriteString(f.Field + ": " + f.Code)
		if i == len(e.Fields)-1 {
			b.WriteString("]")
		}
	}
	if e.Err != nil {
		b.WriteString(": " + e.Err.Error())
	}
	return b.String()
}

// Unwrap exposes both the kind and the cause, so errors.Is(err, ErrNotFound) and
// errors.Is(err, cause) both hold.
func (e *Error) Unwrap() []error {
	if e.Err == nil {
		return []error{e.Kind}
	}
	return []error{e.Kind, e.Err}
}

// KindOf returns the kind of the first Kind or *Error in err's chain, or ErrInternal when
// there is none (or err is nil).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) && e.Kind != "" {
		return e.Kind
	}
	var k Kind
	if errors.As(err, &k) {
		return k
	}
	return ErrInternal
}

// MessageOf returns the user message of the first *Error in err's chain, or "" when there is
// none. The message of an ErrInternal error is never meant for users.
func MessageOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return ""
}

// CodeOf returns the refining code of the first *Error in err's chain, or "".
func CodeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// RetryAfterOf returns the RetryAfter of the first *Error in err's chain, or 0.
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

// FieldsOf returns the field errors of the first *Error in err's chain, or nil.
func FieldsOf(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}

// Fields collects field errors so a Validate method reports every bad field at once.
// The zero value is ready to use.
type Fields []FieldError

// Add records that field is wrong for reason code, with a message for the user.
func (f *Fields) Add(field, code, message string) {
	*f = append(*f, FieldError{Field: field, Code: code, Message: message})
}

// Has says whether a field error about field was added, so a later check of that field
// (a username's alphabet after its length) stays quiet: one error a field.
func (f Fields) Has(field string) bool {
	for _, e := range f {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns nil when no field error was added, and an ErrInvalid *Error listing them otherwise.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	return Invalid(f...)
}

// CheckVersion adds a field error to f when an edit does not say which version it was made on
// (every update carries it, as If-Match or in the body: a stale one is refused, never merged).
func CheckVersion(f *Fields, version int64) {
	if version <= 0 {
		f.Add("version", CodeRequired, "Send the version you edited (If-Match or version).")
	}
}

// Stale is the conflict of an edit made on an old version of a record (code stale-version):
// nothing was changed; the user reloads and applies the change again.
func Stale(what string) *Error {
	return New(ErrConflict, "Someone else changed this "+what+" meanwhile; reload it to see their version, then apply your change again.").WithCode("stale-version")
}
