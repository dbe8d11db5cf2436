package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// DefaultMaxBodyBytes bounds a request body unless its route says otherwise.
const DefaultMaxBodyBytes int64 = 1 << 20

// decodeJSON reads r's body, one JSON value, into dst. It refuses what a strict API should:
// a body that is not application/json (415), too large (413, the limit is set by the
// route's limitBody), empty, malformed or followed by more data (400, with the byte offset),
// holding an unknown field (400 naming it), a value of the wrong type, text with a NUL or an
// id past the id columns' range (422 naming the fields, see badValues). The error is a
// *Problem for writeError.
func decodeJSON(r *http.Request, dst any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" || r.ContentLength != 0 {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return newProblem(r, probUnsupportedMedia, "The request body must be JSON (Content-Type: application/json).")
		}
	}
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return decodeProblem(r, dec, err)
	}
	// One value only: anything but white space after it is an error.
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if tooBig, ok := asMaxBytes(err); ok {
			return tooLargeProblem(r, tooBig.Limit)
		}
		return newProblem(r, probBadRequest, fmt.Sprintf("The request body must hold one JSON value; more data follows at byte offset %d.", dec.InputOffset()))
	}
	var bad []apperr.FieldError
	badValues(reflect.ValueOf(dst), "", &bad)
	if len(bad) > 0 {
		p := newProblem(r, kindProblems[apperr.ErrInvalid], "Some fields hold values that cannot be stored.")
		p.Errors = bad
		return p
	}
	return nil
}

// decodeProblem explains why decoding failed.
func decodeProblem(r *http.Request, dec *json.Decoder, err error) *Problem {
	var (
		tooBig    *http.MaxBytesError
		syntax    *json.SyntaxError
		wrongType *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooBig):
		return tooLargeProblem(r, tooBig.Limit)
	case errors.Is(err, io.EOF):
		return newProblem(r, probBadRequest, "The request body is empty; a JSON value is required.")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return newProblem(r, probBadRequest, fmt.Sprintf("Malformed JSON: the body ends early, at byte offset %d.", dec.InputOffset()))
	case errors.As(err, &syntax):
		return newProblem(r, probBadRequest, fmt.Sprintf("Malformed JSON at byte offset %d: %s.", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: ")))
	case errors.As(err, &wrongType):
		field := wrongType.Field
		p := newProblem(r, kindProblems[apperr.ErrInvalid], "Some fields have the wrong type.")
		if field == "" {
			p.Detail = fmt.Sprintf("The request body must be %s, not %s.", withArticle("JSON "+jsonTypeName(wrongType.Type.Kind().String())), wrongType.Value)
			field = "$"
		}
		p.Errors = []apperr.FieldError{{
			Field:   field,
			Code:    apperr.CodeInvalidType,
			Message: fmt.Sprintf("Must be %s, not %s.", withArticle(jsonTypeName(wrongType.Type.Kind().String())), wrongType.Value),
		}}
		return p
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = strings.TrimPrefix(err.Error(), "json: unknown field ")
		}
		p := newProblem(r, probBadRequest, fmt.Sprintf("Unknown field %q.", name))
		p.Errors = []apperr.FieldError{{Field: name, Code: apperr.CodeUnknownField, Message: "This field does not exist."}}
		return p
	default:
		// A value's own UnmarshalJSON (dates, money) refused it. Its message is about the
		// input, not the server, so it is safe to show.
		var ae *apperr.Error
		if errors.As(err, &ae) && ae.Kind == apperr.ErrInvalid {
			p := newProblem(r, kindProblems[apperr.ErrInvalid], ae.Message)
			p.Errors = ae.Fields
			return p
		}
		return newProblem(r, probBadRequest, "Invalid JSON value: "+strings.TrimPrefix(err.Error(), "json: ")+".")
	}
}

func tooLargeProblem(r *http.Request, limit int64) *Problem {
	return newProblem(r, probTooLarge, fmt.Sprintf("The request body is larger than the limit of %d bytes.", limit))
}

// jsonTypeName names a Go kind the way a JSON client thinks of it.
func jsonTypeName(goKind string) string {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64":
		return "integer"
	case "float32", "float64":
		return "number"
	default:
		return goKind
	}
}

// withArticle puts "a" or "an" before a noun.
func withArticle(noun string) string {
	if noun != "" && strings.ContainsRune("aeiou", rune(noun[0])) {
		return "an " + noun
	}
	return "a " + noun
}

// readRequest reads what every JSON route reads the same way, in this order, before its
// handler runs: the body into in (unless In is none; see decodeJSON), the path's {id} (see
// pathID; the handler then reads it with routeID), and, for a body with a version (an edit),
// the If-Match header's version into it (see useIfMatch).
func readRequest[In any](r *http.Request, in *In) error {
	if _, noBody := any(*in).(none); !noBody {
		if err := decodeJSON(r, in); err != nil {
			return err
		}
	}
	if r.PathValue("id") != "" {
		if _, err := pathID(r); err != nil {
			return err
		}
	}
	if v := versionOf(in); v != nil {
		return useIfMatch(r, v)
	}
	return nil
}

// versionOf is the Version field of a request body that has one (the record's version an edit
// was made from), or nil.
func versionOf(in any) *int64 {
	v := reflect.ValueOf(in).Elem()
	if v.Kind() != reflect.Struct {
		return nil
	}
	f := v.FieldByName("Version")
	if !f.IsValid() || f.Type() != reflect.TypeFor[int64]() {
		return nil
	}
	return f.Addr().Interface().(*int64)
}

// routeID is the {id} of a JSON route, which readRequest has checked.
func routeID(r *http.Request) int64 {
	id, _ := strconv.ParseInt(r.PathValue("id"), 10, 64)
	return id
}

// pathID reads the {id} of a route; a malformed id, or one past the id columns' range (no
// row has it), answers 404 like an unknown one.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || !db.ValidID(id) {
		return 0, apperr.ErrNotFound
	}
	return id, nil
}

// ifMatchVersion returns the version of an If-Match header ("3", W/"3" or 3), or 0 when absent.
func ifMatchVersion(r *http.Request) (int64, error) {
	h := strings.TrimSpace(r.Header.Get("If-Match"))
	if h == "" {
		return 0, nil
	}
	h = strings.Trim(strings.TrimPrefix(h, "W/"), `"`)
	v, err := strconv.ParseInt(h, 10, 64)
	if err != nil || v <= 0 || !db.FitsInteger(v) { // versions are integer (int4) columns
		return 0, apperr.Invalid(apperr.FieldError{Field: "If-Match", Code: apperr.CodeInvalid, Message: "If-Match must be the record's version number."})
	}
	return v, nil
}

// queryInt reads an optional integer query parameter. Every one is an id filter (*_id) or a
// small count compared with integer (int4) columns, so a value outside that range is refused
// here (422) rather than overflowing in the query (a 500).
func queryInt(r *http.Request, name string) (int64, error) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) {
		return 0, apperr.Invalid(apperr.FieldError{Field: name, Code: apperr.CodeInvalidType, Message: name + " must be a whole number."})
	}
	if err != nil || !db.FitsInteger(n) {
		return 0, apperr.Invalid(apperr.FieldError{Field: name, Code: apperr.CodeOutOfRange, Message: name + ": " + intRangeMessage})
	}
	return n, nil
}

// query reads a list's query parameters for its handler: each reader returns the value (the
// zero value when absent) and keeps the first bad parameter's error, which answer returns
// instead of calling the domain (the readers after it answer zero values).
type query struct {
	r   *http.Request
	err error
}

func queryOf(r *http.Request) *query { return &query{r: r} }

// Str is a text parameter as given (the domain checks it).
func (q *query) Str(name string) string { return q.r.URL.Query().Get(name) }

// Int is an integer parameter (see queryInt).
func (q *query) Int(name string) int64 {
	if q.err != nil {
		return 0
	}
	v, err := queryInt(q.r, name)
	q.err = err
	return v
}

// Bool is a boolean parameter: true/false (or 1/0).
func (q *query) Bool(name string) bool {
	if q.err != nil {
		return false
	}
	switch q.Str(name) {
	case "", "false", "0":
		return false
	case "true", "1":
		return true
	}
	q.err = apperr.Invalid(apperr.FieldError{Field: name, Code: apperr.CodeInvalidType, Message: name + " must be true or false."})
	return false
}

// Page is a list's limit and cursor (the domain checks their values).
func (q *query) Page() (int, string) { return int(q.Int("limit")), q.Str("cursor") }

// answer calls the domain with the parameters read, or returns the first bad one's error.
func answer[Out any](q *query, call func() (Out, error)) (Out, error) {
	if q.err != nil {
		var zero Out
		return zero, q.err
	}
	return call()
}

// actorOf is the author of a request's changes: its user (when logged in) and client IP.
func actorOf(r *http.Request) db.Actor {
	if p := principalOf(r.Context()); p != nil {
		return p.Actor(ClientIP(r))
	}
	return db.Actor{IP: ClientIP(r)}
}

// useIfMatch puts the If-Match version into *version; a body version that disagrees with
// the header is refused.
func useIfMatch(r *http.Request, version *int64) error {
	v, err := ifMatchVersion(r)
	if err != nil || v == 0 {
		return err
	}
	if *version != 0 && *version != v {
		return apperr.Invalid(apperr.FieldError{Field: "version", Code: apperr.CodeInvalid, Message: "The body's version and If-Match disagree."})
	}
	*version = v
	return nil
}

// MaxIdempotencyKey is the longest Idempotency-Key header accepted.
const MaxIdempotencyKey = 100

// idempotencyKey reads the optional Idempotency-Key header of a retried write (a payment, a
// dispense): 1-100 visible ASCII characters, or "" when absent. The domain stores it with the
// record it creates, under a unique index, so a retry finds the first answer's record instead
// of writing a second one.
func idempotencyKey(r *http.Request) (string, error) {
	k := r.Header.Get("Idempotency-Key")
	if k == "" {
		return "", nil
	}
	ok := len(k) <= MaxIdempotencyKey
	for i := 0; ok && i < len(k); i++ {
		ok = k[i] > ' ' && k[i] < 0x7f
	}
	if !ok {
		return "", apperr.Invalid(apperr.FieldError{Field: "Idempotency-Key", Code: apperr.CodeInvalid,
			Message: fmt.Sprintf("Idempotency-Key must be 1-%d visible ASCII characters (a UUID, say).", MaxIdempotencyKey)})
	}
	return k, nil
}

// asMaxBytes says whether err is a body that went over its limit.
func asMaxBytes(err error) (*http.MaxBytesError, bool) {
	var tooBig *http.MaxBytesError
	return tooBig, errors.As(err, &tooBig)
}

// parseTimeParam reads a query time: RFC 3339, or a date (YYYY-MM-DD, UTC midnight; with
// endOfDay, the next midnight, so "to=2026-11-27" includes that whole day). "" is the zero time.
func parseTimeParam(v string, endOfDay bool) (time.Time, error) {
	return parseTimeParamIn(v, endOfDay, time.UTC)
}

// parseTimeParamIn is parseTimeParam with dates read as days in loc.
func parseTimeParamIn(v string, endOfDay bool, loc *time.Location) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	d, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, err
	}
	if endOfDay {
		d = d.AddDate(0, 0, 1)
	}
	return d, nil
}
