package server

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"chelal/internal/apperr"
	"chelal/internal/validate"
)

// TestOpenAPICarriesLimits: the document says the limits the inputs' Validate enforces, from
// the same validate tags (the frontend's forms read them from there: src/api/limits.ts).
func TestOpenAPICarriesLimits(t *testing.T) {
	t.Parallel()
	var doc map[string]any
	if err := json.Unmarshal(OpenAPIDocument("test"), &doc); err != nil {
		t.Fatal(err)
	}
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	prop := func(schema, field string) map[string]any {
		t.Helper()
		s, ok := schemas[schema].(map[string]any)
		if !ok {
			t.Fatalf("no schema %s", schema)
		}
		p, ok := s["properties"].(map[string]any)[field].(map[string]any)
		if !ok {
			t.Fatalf("no property %s.%s", schema, field)
		}
		return p
	}
	for _, tc := range []struct {
		schema, field, keyword string
		want                   any
	}{
		{"RegisterParams", "first_name", "maxLength", 100.0},
		{"RegisterParams", "first_name", "minLength", 1.0},
		{"RegisterParams", "known_allergies", "maxLength", 4000.0},
		{"RegisterParams", "gender", "enum", []any{"male", "female", "other", "unknown"}},
		{"RegisterParams", "age_years", "maximum", 130.0},
		{"EditParams", "last_name", "maxLength", 100.0}, // borrowed from Demographics
		{"EditParams", "gender", "enum", []any{"male", "female", "other", "unknown"}},
		{"CreateUserParams", "language_preference", "enum", []any{"en", "fr", "sw"}},
		{"SetupParams", "clinic_name", "maxLength", 200.0}, // borrowed from the settings
		{"MedicationParams", "strength", "maxLength", 100.0},
		{"MedicationParams", "unit_price", "pattern", `^[0-9]+(\.[0-9]{1,2})?$`},
		{"ReceiveParams", "quantity", "maximum", 10000000.0},
		{"PaymentParams", "payment_method", "enum", []any{"cash", "mobile_money", "card", "insurance", "other"}},
		{"ItemParams", "description", "maxLength", 500.0},
	} {
		if got := prop(tc.schema, tc.field)[tc.keyword]; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s.%s %s = %v, want %v", tc.schema, tc.field, tc.keyword, got, tc.want)
		}
	}
	// An edit's fields (Demographics, embedded optional) carry the limits but are not required.
	if got := prop("EditParams", "first_name")["maxLength"]; got != 100.0 {
		t.Errorf("EditParams.first_name maxLength = %v, want 100", got)
	}
}

// longField is a text field of an input with a max length, and a body holding it one
// character too long.
type longField struct {
	path string // the field error's name: "items.0.description"
	max  int64
	body map[string]any
}

// longFields lists the max-length text fields of the input type t, each with a body that
// holds only it (nested in a one-element list or an object when the field is), too long.
func longFields(t reflect.Type) []longField {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	var out []longField
	var walk func(owner reflect.Type)
	walk = func(owner reflect.Type) {
		for i := range owner.NumField() {
			sf := owner.Field(i)
			name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			ft := sf.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if sf.Anonymous && name == "" {
				walk(ft)
				continue
			}
			if !sf.IsExported() {
				continue
			}
			if name == "" {
				name = sf.Name
			}
			switch {
			case ft.Kind() == reflect.String:
				r, err := validate.Field(owner, sf)
				if err != nil {
					panic(err)
				}
				if r.Max != nil {
					out = append(out, longField{path: name, max: *r.Max,
						body: map[string]any{name: strings.Repeat("é", int(*r.Max)+1)}})
				}
			case ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct:
				for _, in := range longFields(ft.Elem()) {
					out = append(out, longField{path: name + ".0." + in.path, max: in.max, body: map[string]any{name: []any{in.body}}})
				}
			case ft.Kind() == reflect.Struct && ft.PkgPath() != "time":
				for _, in := range longFields(ft) {
					out = append(out, longField{path: name + "." + in.path, max: in.max, body: map[string]any{name: in.body}})
				}
			}
		}
	}
	walk(t)
	return out
}

// TestInputsRefuseTooLongText: for every route that takes a JSON body, each text field with a
// max length, sent one character too long, is refused 422 naming the field (too_long), and
// nothing is written: the audit log, which every change writes in its own transaction, does
// not grow. The limits are the validate tags the OpenAPI document publishes.
func TestInputsRefuseTooLongText(t *testing.T) {
	t.Parallel()
	f := newFuzzer(t)
	auditRows := func() int64 {
		var n int64
		if err := f.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM core_auditlog`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	checked := 0
	for _, rt := range newServer(Deps{}, nil).table {
		if rt.in == nil {
			continue
		}
		fields := longFields(reflect.TypeOf(rt.in))
		op := f.byID[rt.op]
		if op == nil {
			t.Fatalf("%s: not in the document", rt.op)
		}
		target := op.path
		for _, p := range op.pathParams {
			target = strings.ReplaceAll(target, "{"+p+"}", strconv.FormatInt(f.ids[0], 10))
		}
		for _, lf := range fields {
			before := auditRows()
			w := f.send(rt.method, target, mustJSON(t, lf.body), "application/json")
			what := rt.method + " " + target + " " + lf.path
			if w.Code != http.StatusUnprocessableEntity {
				t.Errorf("%s (%d characters): status %d, want 422: %s", what, lf.max+1, w.Code, w.Body)
				continue
			}
			var p struct {
				Errors []apperr.FieldError `json:"errors"`
			}
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if !slices.ContainsFunc(p.Errors, func(e apperr.FieldError) bool { return e.Field == lf.path && e.Code == apperr.CodeTooLong }) {
				t.Errorf("%s: no too_long error for the field: %s", what, w.Body)
			}
			if after := auditRows(); after != before {
				t.Errorf("%s: %d audit rows written by a refused request", what, after-before)
			}
			checked++
		}
	}
	t.Logf("%d max-length fields refused", checked)
	if checked < 40 {
		t.Errorf("only %d fields checked: the walk over the routes' inputs lost some", checked)
	}
}

// TestDomainInputsHaveValidate: every request body a domain declares (not the HTTP layer's own
// small inputs) has a Validate method, as STYLE.md asks: the one place its rules live.
func TestDomainInputsHaveValidate(t *testing.T) {
	t.Parallel()
	seen := map[reflect.Type]bool{}
	for _, rt := range newServer(Deps{}, nil).table {
		if rt.in == nil {
			continue
		}
		typ := reflect.TypeOf(rt.in)
		if seen[typ] || typ.PkgPath() == reflect.TypeFor[route]().PkgPath() {
			continue
		}
		seen[typ] = true
		if _, ok := reflect.PointerTo(typ).MethodByName("Validate"); !ok {
			t.Errorf("%s (%s %s) has no Validate method", typ, rt.method, rt.path)
		}
	}
	if len(seen) < 30 {
		t.Errorf("only %d domain inputs found", len(seen))
	}
}
