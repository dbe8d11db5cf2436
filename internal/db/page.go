package db

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
)

// Page is one page of a list (keyset pagination): the items, and the cursor of the next page
// (null on the last). The OpenAPI document names each instance after its item (Page[Bill] is
// the schema PageBill).
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// Pagination limits of every list (API.md).
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)

// PageLimit returns the page size for a requested limit (0: the default); a limit out of
// 1..MaxPageLimit is an ErrInvalid naming the field "limit".
func PageLimit(limit int) (int, error) {
	var f apperr.Fields
	n := CheckPageLimit(&f, limit)
	return n, f.Err()
}

// CheckPageLimit is PageLimit for a function gathering every bad field at once in f.
func CheckPageLimit(f *apperr.Fields, limit int) int {
	switch {
	case limit == 0:
		return DefaultPageLimit
	case limit < 0 || limit > MaxPageLimit:
		f.Add("limit", apperr.CodeOutOfRange, fmt.Sprintf("limit must be between 1 and %d.", MaxPageLimit))
		return 0
	}
	return limit
}

// PageRequest reads a list's requested limit (see PageLimit) and id cursor (see DecodeCursor;
// "" is the first page, after 0).
func PageRequest(limit int, cursor string) (n int, after int64, err error) {
	if n, err = PageLimit(limit); err != nil {
		return 0, 0, err
	}
	if cursor != "" {
		if after, err = DecodeCursor(cursor); err != nil {
			return 0, 0, err
		}
	}
	return n, after, nil
}

// CollectPage collects rows, read with a LIMIT of limit+1, into a page (see NewPage).
func CollectPage[T any](rows pgx.Rows, limit int, scan pgx.RowToFunc[T], key func(T) string) (Page[T], error) {
	items, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return Page[T]{}, err
	}
	return NewPage(items, limit, key), nil
}

// QueryPage runs sql on q (its arguments end with the LIMIT, limit+1) and collects the page
// (see CollectPage).
func QueryPage[T any](ctx context.Context, q Querier, limit int, scan pgx.RowToFunc[T], key func(T) string, sql string, args ...any) (Page[T], error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return Page[T]{}, err
	}
	return CollectPage(rows, limit, scan, key)
}

// NewPage makes the page of items, read with a LIMIT of limit+1: one row more than the page
// says there is a next page, whose cursor is that of the page's last item (key gives the
// cursor of an item: EncodeCursor of its id, or EncodeKeyCursor of its sort key).
func NewPage[T any](items []T, limit int, key func(T) string) Page[T] {
	if items == nil {
		items = []T{}
	}
	p := Page[T]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		c := key(items[limit-1])
		p.NextCursor = &c
	}
	return p
}

// EncodeCursor makes an opaque cursor of a row id.
func EncodeCursor(id int64) string { return EncodeKeyCursor(strconv.FormatInt(id, 10)) }

// EncodeKeyCursor makes an opaque cursor of a row's sort key (a name).
func EncodeKeyCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// errCursor is a cursor this server did not give out.
func errCursor() error {
	return apperr.Invalid(apperr.FieldError{Field: "cursor", Code: apperr.CodeInvalid, Message: "cursor is not one this server gave out."})
}

// DecodeCursor reads a cursor made by EncodeCursor. Anything else, an id past the range of the
// id columns included, is an ErrInvalid naming the field "cursor".
func DecodeCursor(c string) (int64, error) {
	k, err := DecodeKeyCursor(c)
	if err == nil {
		if id, err := strconv.ParseInt(k, 10, 64); err == nil && ValidID(id) {
			return id, nil
		}
	}
	return 0, errCursor()
}

// CheckCursor is DecodeCursor for a function gathering every bad field at once in f ("": 0).
func CheckCursor(f *apperr.Fields, c string) int64 {
	if c == "" {
		return 0
	}
	id, err := DecodeCursor(c)
	*f = append(*f, apperr.FieldsOf(err)...)
	return id
}

// CheckKeyCursor is DecodeKeyCursor for a function gathering every bad field at once in f.
func CheckKeyCursor(f *apperr.Fields, c string) string {
	k, err := DecodeKeyCursor(c)
	*f = append(*f, apperr.FieldsOf(err)...)
	return k
}

// DecodeKeyCursor reads a cursor made by EncodeKeyCursor ("" for no cursor). The key goes
// back to PostgreSQL as text: bytes that are not UTF-8, or a NUL, would fail there (SQLSTATE
// 22021) as a 500, so they are an ErrInvalid naming the field "cursor", as is anything this
// server did not give out.
func DecodeKeyCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || len(b) == 0 || len(b) > 1024 || !utf8.Valid(b) || bytes.IndexByte(b, 0) >= 0 {
		return "", errCursor()
	}
	return string(b), nil
}
