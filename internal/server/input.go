package server

import (
	"fmt"
	"math"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Hostile input the domains never see: what PostgreSQL would refuse with an error the domains
// cannot map (a NUL or bytes that are not UTF-8 in text: SQLSTATE 22021; an id past the
// integer columns' range: an encoding error) is refused here, where the request is read, as
// the client's mistake (422), so that no input can make a 500.

// refuseBadQuery answers 422 when a query parameter's name or value holds a NUL or bytes that
// are not UTF-8, naming each such parameter; every route's handler goes through it.
func refuseBadQuery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.RawQuery == "" {
			next.ServeHTTP(w, r)
			return
		}
		var bad []apperr.FieldError
		for name, values := range r.URL.Query() {
			field := name
			if !cleanText(name) {
				field = strconv.QuoteToASCII(name)
			}
			for _, v := range values {
				if !cleanText(name) || !cleanText(v) {
					bad = append(bad, apperr.FieldError{Field: field, Code: apperr.CodeInvalid,
						Message: "Text must be UTF-8 without NUL characters."})
					break
				}
			}
		}
		if len(bad) > 0 {
			sort.Slice(bad, func(i, j int) bool { return bad[i].Field < bad[j].Field })
			p := newProblem(r, kindProblems[apperr.ErrInvalid], "Some query parameters are not valid text.")
			p.Errors = bad
			writeProblem(w, p)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// cleanText says whether s can be stored as PostgreSQL text: UTF-8 without NUL.
func cleanText(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// badValues lists the fields of a decoded request body that PostgreSQL could not take: text
// with a NUL (JSON's "\u0000"; the decoder already turned bytes that are not UTF-8 into
// U+FFFD), and ids, references (*_id) and versions outside the integer (int4) columns they are
// compared with. Fields are named as the domains name them: "items.0.service_id".
func badValues(v reflect.Value, field string, out *[]apperr.FieldError) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			badValues(v.Elem(), field, out)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range t.NumField() {
			sf := t.Field(i)
			if !sf.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			switch {
			case name == "-":
				continue
			case sf.Anonymous && name == "":
				badValues(v.Field(i), field, out)
				continue
			case name == "":
				name = sf.Name
			}
			badValues(v.Field(i), joinField(field, name), out)
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 { // []byte, json.RawMessage: not text
			return
		}
		for i := range v.Len() {
			badValues(v.Index(i), joinField(field, strconv.Itoa(i)), out)
		}
	case reflect.Map:
		iter := v.MapRange()
		for iter.Next() {
			k := fmt.Sprint(iter.Key().Interface())
			if !cleanText(k) {
				*out = append(*out, apperr.FieldError{Field: joinField(field, strconv.QuoteToASCII(k)), Code: apperr.CodeInvalid,
					Message: "Names must be UTF-8 without NUL characters."})
				continue
			}
			badValues(iter.Value(), joinField(field, k), out)
		}
	case reflect.String:
		if !cleanText(v.String()) {
			*out = append(*out, apperr.FieldError{Field: field, Code: apperr.CodeInvalid, Message: "Text must not contain NUL characters."})
		}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64, reflect.Uint32:
		last := field[strings.LastIndexByte(field, '.')+1:]
		if last != "id" && last != "version" && !strings.HasSuffix(last, "_id") {
			return
		}
		var n int64
		if v.CanInt() {
			n = v.Int()
		} else if u := v.Uint(); u > db.MaxID {
			n = db.MaxID + 1
		} else {
			n = int64(u)
		}
		if !db.FitsInteger(n) {
			*out = append(*out, apperr.FieldError{Field: field, Code: apperr.CodeOutOfRange, Message: intRangeMessage})
		}
	}
}

// intRangeMessage explains an integer too large (or small) for an integer column.
var intRangeMessage = fmt.Sprintf("Must be a whole number from %d to %d.", math.MinInt32, db.MaxID)

func joinField(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}
