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

	"chelal/internal/apperr"
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
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
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

// writeJSON sends v as application/json with status. v is encoded before anything is written,
// so a value that cannot be encoded becomes a 500 problem rather than half an answer.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %T: %w", v, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
