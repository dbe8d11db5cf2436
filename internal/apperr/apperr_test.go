package apperr

import (
	"errors"
	"fmt"
	"io"
	"testing"
)

func TestKinds(t *testing.T) {
	t.Parallel()
	cause := io.ErrUnexpectedEOF
	tests := []struct {
		name    string
		err     error
		kind    Kind
		message string
		code    string
		fields  int
	}{
		{"nil", nil, ErrInternal, "", "", 0},
		{"plain error", errors.New("boom"), ErrInternal, "", "", 0},
		{"bare kind", ErrNotFound, ErrNotFound, "", "", 0},
		{"wrapped kind", fmt.Errorf("get patient 3: %w", ErrNotFound), ErrNotFound, "", "", 0},
		{"error with message", New(ErrConflict, "Booked."), ErrConflict, "Booked.", "", 0},
		{"wrapped error with code", fmt.Errorf("book: %w", Wrap(ErrConflict, cause, "Changed.").WithCode("stale-version")), ErrConflict, "Changed.", "stale-version", 0},
		{"formatted", Errorf(ErrForbidden, "Role %s may not.", "cashier"), ErrForbidden, "Role cashier may not.", "", 0},
		{"fields", Fields{{Field: "a", Code: CodeRequired}, {Field: "b", Code: CodeTooLong}}.Err(), ErrInvalid, "Some fields are invalid.", "", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %q, want %q", got, tc.kind)
			}
			if got := MessageOf(tc.err); got != tc.message {
				t.Errorf("MessageOf = %q, want %q", got, tc.message)
			}
			if got := CodeOf(tc.err); got != tc.code {
				t.Errorf("CodeOf = %q, want %q", got, tc.code)
			}
			if got := len(FieldsOf(tc.err)); got != tc.fields {
				t.Errorf("%d fields, want %d", got, tc.fields)
			}
			if tc.err != nil && tc.kind != ErrInternal && !errors.Is(tc.err, tc.kind) {
				t.Errorf("errors.Is(err, %q) is false", tc.kind)
			}
		})
	}
	if err := Wrap(ErrConflict, cause, "x"); !errors.Is(err, cause) {
		t.Error("Wrap loses the cause")
	}
	var f Fields
	if f.Err() != nil {
		t.Error("empty Fields.Err is not nil")
	}
	f.Add("first_name", CodeRequired, "Required.")
	if got := f.Err().Error(); got != "invalid: Some fields are invalid. [first_name: required]" {
		t.Errorf("Error() = %q", got)
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("dispense: %w", New(ErrConflict, "Not enough stock.").WithKey("err.stock.not_enough", "available", 3))
	key, params := KeyOf(err)
	if key != "err.stock.not_enough" || params["available"] != 3 {
		t.Errorf("KeyOf = %q, %v", key, params)
	}
	if key, _ := KeyOf(New(ErrConflict, "x")); key != "" {
		t.Errorf("KeyOf of an error without key = %q", key)
	}
}

func TestFieldsHas(t *testing.T) {
	t.Parallel()
	var f Fields
	if f.Has("name") {
		t.Error("an empty Fields has no field")
	}
	f.Add("items.0.name", CodeTooLong, "At most 5 characters.")
	if !f.Has("items.0.name") || f.Has("name") {
		t.Errorf("Has: %v", f)
	}
}
