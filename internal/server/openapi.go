package server

import (
	"encoding"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"chelal/internal/validate"
)

// JSONSchemaer is implemented by a type that marshals itself (money, dates) to say what its
// JSON looks like, as a JSON Schema object, in the OpenAPI document.
type JSONSchemaer interface {
	JSONSchema() map[string]any
}

// openAPI serves the OpenAPI document, generated from the routes table when the server was
// built: it cannot drift from what the server answers.
func (s *server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(s.openapi)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(s.openapi)
}

const schemaRefPrefix = "#/components/schemas/"

// buildOpenAPI generates the OpenAPI 3.1 document of routes. Bodies are described from the
// Go types in each route (in, out, alt), named struct types becoming components; errors
// are the Problem schema. It fails on what it cannot describe faithfully.
func buildOpenAPI(version string, routes []route) ([]byte, error) {
	g := &schemaGen{defs: map[string]any{}, named: map[string]reflect.Type{}}
	problemRef, err := g.schema(reflect.TypeFor[Problem]())
	if err != nil {
		return nil, err
	}
	paths := map[string]map[string]any{}
	for _, rt := range routes {
		op, err := g.operation(rt, problemRef)
		if err != nil {
			return nil, fmt.Errorf("openapi: %s %s: %w", rt.method, rt.path, err)
		}
		p := openAPIPath(rt.path)
		if paths[p] == nil {
			paths[p] = map[string]any{}
		}
		paths[p][strings.ToLower(rt.method)] = op
	}
	doc := map[string]any{
		"openapi": "3.1.0",
		"info": map[string]any{
			"title":   "Chelal API",
			"version": version,
			"description": "The JSON API of Chelal, a clinic management system. Errors are RFC 9457 " +
				"application/problem+json; each operation's x-permission names what the caller needs.",
		},
		"paths":      paths,
		"components": map[string]any{"schemas": g.defs},
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	if err := checkRefs(doc, g.defs); err != nil {
		return nil, fmt.Errorf("openapi: %w", err)
	}
	return out, nil
}

// operation describes one route.
func (g *schemaGen) operation(rt route, problemRef map[string]any) (map[string]any, error) {
	op := map[string]any{
		"operationId":  rt.op,
		"summary":      rt.summary,
		"tags":         []string{rt.tag},
		"x-permission": string(rt.perm),
	}
	var params []any
	for _, name := range pathParams(rt.path) {
		params = append(params, map[string]any{
			"name": name, "in": "path", "required": true, "schema": pathParamSchema(name),
		})
	}
	for _, q := range rt.query {
		p := map[string]any{"name": q.name, "in": "query", "schema": map[string]any{"type": q.typ}}
		if q.required {
			p["required"] = true
		}
		if q.doc != "" {
			p["description"] = q.doc
		}
		params = append(params, p)
	}
	if rt.idempotent {
		params = append(params, map[string]any{
			"name": "Idempotency-Key", "in": "header", "required": false,
			"schema": map[string]any{"type": "string", "minLength": 1, "maxLength": MaxIdempotencyKey},
			"description": "A key (a UUID, say) that makes a retry safe: the same user, key and request within 24 hours " +
				"get the first answer again (header Idempotent-Replayed: true); the key on another request -> 409 idempotency-key-reused.",
		})
	}
	if len(params) > 0 {
		op["parameters"] = params
	}

	responses := map[string]any{}
	body := func(status int, v any) (map[string]any, error) {
		resp := map[string]any{"description": http.StatusText(status)}
		if v != nil {
			sch, err := g.schema(reflect.TypeOf(v))
			if err != nil {
				return nil, err
			}
			resp["content"] = map[string]any{"application/json": map[string]any{"schema": sch}}
		}
		return resp, nil
	}
	ok, err := body(rt.successStatus(), rt.out)
	if err != nil {
		return nil, err
	}
	responses[strconv.Itoa(rt.successStatus())] = ok
	for status, v := range rt.alt {
		resp, err := body(status, v)
		if err != nil {
			return nil, err
		}
		responses[strconv.Itoa(status)] = resp
	}
	problems := []int{http.StatusInternalServerError}
	if rt.in != nil {
		problems = append(problems, http.StatusBadRequest, http.StatusRequestEntityTooLarge,
			http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
		sch, err := g.schema(reflect.TypeOf(rt.in))
		if err != nil {
			return nil, err
		}
		op["requestBody"] = map[string]any{
			"required": true,
			"content":  map[string]any{"application/json": map[string]any{"schema": sch}},
		}
	}
	if len(rt.rawIn) > 0 {
		problems = append(problems, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType, http.StatusUnprocessableEntity)
		content := map[string]any{}
		for _, ct := range rt.rawIn {
			content[ct] = map[string]any{"schema": map[string]any{"type": "string", "contentMediaType": ct}}
		}
		op["requestBody"] = map[string]any{"required": true, "content": content}
	}
	if rt.perm != PermPublic {
		problems = append(problems, http.StatusUnauthorized, http.StatusForbidden)
	}
	problems = append(problems, rt.errs...)
	if rt.idempotent {
		problems = append(problems, http.StatusConflict, http.StatusUnprocessableEntity)
	}
	for _, status := range problems {
		key := strconv.Itoa(status)
		if _, taken := responses[key]; taken {
			continue
		}
		responses[key] = map[string]any{
			"description": http.StatusText(status),
			"content":     map[string]any{problemContentType: map[string]any{"schema": problemRef}},
		}
	}
	op["responses"] = responses
	return op, nil
}

var pathParamRE = regexp.MustCompile(`\{([A-Za-z_][A-Za-z0-9_]*)(\.\.\.)?\}`)

// openAPIPath turns a ServeMux path pattern into an OpenAPI path template:
// "/files/{path...}" -> "/files/{path}", "/api/v1/{$}" -> "/api/v1/".
func openAPIPath(pattern string) string {
	p := strings.ReplaceAll(pattern, "{$}", "")
	return pathParamRE.ReplaceAllString(p, "{$1}")
}

// pathParams lists the wildcard names of a path pattern, in order.
func pathParams(pattern string) []string {
	var names []string
	for _, m := range pathParamRE.FindAllStringSubmatch(pattern, -1) {
		names = append(names, m[1])
	}
	return names
}

// pathParamSchema describes a path wildcard: record ids ("id", "patient_id") are integers.
func pathParamSchema(name string) map[string]any {
	if name == "id" || strings.HasSuffix(name, "_id") {
		return map[string]any{"type": "integer", "format": "int64", "minimum": 1}
	}
	return map[string]any{"type": "string"}
}

// schemaGen describes Go types as JSON Schema (the 2020-12 dialect OpenAPI 3.1 uses), the
// way encoding/json marshals them.
type schemaGen struct {
	defs  map[string]any          // components.schemas
	named map[string]reflect.Type // which type owns each component name
}

var (
	timeType          = reflect.TypeFor[time.Time]()
	rawMessageType    = reflect.TypeFor[json.RawMessage]()
	schemaerType      = reflect.TypeFor[JSONSchemaer]()
	jsonMarshalerType = reflect.TypeFor[json.Marshaler]()
	textMarshalerType = reflect.TypeFor[encoding.TextMarshaler]()
)

// schema returns the schema of t: a $ref for named structs, inline otherwise.
func (g *schemaGen) schema(t reflect.Type) (map[string]any, error) {
	switch {
	case t.Implements(schemaerType):
		return reflect.Zero(t).Interface().(JSONSchemaer).JSONSchema(), nil
	case t.Kind() != reflect.Pointer && reflect.PointerTo(t).Implements(schemaerType):
		return reflect.New(t).Interface().(JSONSchemaer).JSONSchema(), nil
	case t == timeType:
		return map[string]any{"type": "string", "format": "date-time"}, nil
	case t == rawMessageType:
		return map[string]any{}, nil
	}
	if t.Kind() == reflect.Pointer {
		inner, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return nullable(inner), nil
	}
	if t.Implements(jsonMarshalerType) || reflect.PointerTo(t).Implements(jsonMarshalerType) {
		return nil, fmt.Errorf("type %s marshals itself: give it a JSONSchema() method", t)
	}
	if t.Implements(textMarshalerType) || reflect.PointerTo(t).Implements(textMarshalerType) {
		return map[string]any{"type": "string"}, nil
	}
	switch t.Kind() {
	case reflect.Bool:
		return map[string]any{"type": "boolean"}, nil
	case reflect.Int, reflect.Int64:
		return map[string]any{"type": "integer", "format": "int64"}, nil
	case reflect.Int8, reflect.Int16, reflect.Int32:
		return map[string]any{"type": "integer", "format": "int32"}, nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return map[string]any{"type": "integer", "minimum": 0}, nil
	case reflect.Float32, reflect.Float64:
		return map[string]any{"type": "number"}, nil
	case reflect.String:
		return map[string]any{"type": "string"}, nil
	case reflect.Interface:
		return map[string]any{}, nil
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			return map[string]any{"type": "string", "contentEncoding": "base64"}, nil
		}
		items, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "array", "items": items}, nil
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return nil, fmt.Errorf("type %s: only maps with string keys are described", t)
		}
		values, err := g.schema(t.Elem())
		if err != nil {
			return nil, err
		}
		return map[string]any{"type": "object", "additionalProperties": values}, nil
	case reflect.Struct:
		if t.Name() == "" {
			return g.object(t)
		}
		name := componentName(t)
		if prev, ok := g.named[name]; ok {
			if prev != t {
				return nil, fmt.Errorf("types %s and %s would both be schema %q: rename one", prev, t, name)
			}
			return map[string]any{"$ref": schemaRefPrefix + name}, nil
		}
		g.named[name] = t // before recursing, so a type may refer to itself
		obj, err := g.object(t)
		if err != nil {
			return nil, err
		}
		g.defs[name] = obj
		return map[string]any{"$ref": schemaRefPrefix + name}, nil
	}
	return nil, fmt.Errorf("type %s (%s) cannot be described in JSON", t, t.Kind())
}

// object describes a struct's JSON object: exported fields by their json names, embedded
// structs flattened. A field without omitempty/omitzero is always present, so required.
func (g *schemaGen) object(t reflect.Type) (map[string]any, error) {
	props := map[string]any{}
	var required []string
	if err := g.fields(t, props, &required); err != nil {
		return nil, err
	}
	obj := map[string]any{"type": "object", "properties": props}
	if len(required) > 0 {
		sort.Strings(required)
		obj["required"] = required
	}
	return obj, nil
}

func (g *schemaGen) fields(t reflect.Type, props map[string]any, required *[]string) error {
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				req := required
				if hasOpt(opts, "omitempty") {
					req = new([]string) // an embedded struct tagged omitempty: its fields are optional (patients.EditParams)
				}
				if err := g.fields(ft, props, req); err != nil {
					return err
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		var sch map[string]any
		if hasOpt(opts, "string") {
			sch = map[string]any{"type": "string"}
		} else {
			var err error
			if sch, err = g.schema(f.Type); err != nil {
				return fmt.Errorf("field %s.%s: %w", t, f.Name, err)
			}
		}
		rules, err := validate.Field(t, f)
		if err != nil {
			return fmt.Errorf("type %s: %w", t, err)
		}
		limits := rules.Schema(derefKind(f.Type))
		if doc := f.Tag.Get("doc"); doc != "" || f.Tag.Get("enum") != "" || limits != nil {
			sch = copySchema(sch)
			if doc != "" {
				sch["description"] = doc
			}
			if enum := f.Tag.Get("enum"); enum != "" {
				sch["enum"] = strings.Split(enum, ",")
			}
			for k, v := range limits { // the input's limits, from the tag its Validate reads
				sch[k] = v
			}
		}
		props[name] = sch
		if !hasOpt(opts, "omitempty") && !hasOpt(opts, "omitzero") {
			*required = append(*required, name)
		}
	}
	return nil
}

// derefKind is the kind of t, or of what t points to.
func derefKind(t reflect.Type) reflect.Kind {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t.Kind()
}

func hasOpt(opts, opt string) bool {
	for o := range strings.SplitSeq(opts, ",") {
		if o == opt {
			return true
		}
	}
	return false
}

// copySchema copies a schema before it is annotated; a $ref is wrapped, because siblings
// of $ref describe the reference, not the shared component.
func copySchema(s map[string]any) map[string]any {
	if _, isRef := s["$ref"]; isRef {
		return map[string]any{"allOf": []any{s}}
	}
	c := make(map[string]any, len(s)+2)
	for k, v := range s {
		c[k] = v
	}
	return c
}

// nullable allows null besides what s describes.
func nullable(s map[string]any) map[string]any {
	if typ, ok := s["type"].(string); ok {
		c := copySchema(s)
		c["type"] = []string{typ, "null"}
		return c
	}
	return map[string]any{"anyOf": []any{s, map[string]any{"type": "null"}}}
}

var nonIdent = regexp.MustCompile(`[^A-Za-z0-9]+`)

// componentName names a struct type's schema: its Go name with a capital first letter;
// a generic instance drops the packages of its type arguments (Page[x/patients.Patient] ->
// PagePatient).
func componentName(t reflect.Type) string {
	name := t.Name()
	if base, args, generic := strings.Cut(name, "["); generic {
		var b strings.Builder
		b.WriteString(base)
		for _, a := range strings.Split(strings.TrimSuffix(args, "]"), ",") {
			if i := strings.LastIndex(a, "."); i >= 0 {
				a = a[i+1:]
			}
			b.WriteString(upperFirst(nonIdent.ReplaceAllString(a, "")))
		}
		name = b.String()
	}
	return upperFirst(name)
}

func upperFirst(s string) string {
	r := []rune(s)
	if len(r) > 0 {
		r[0] = unicode.ToUpper(r[0])
	}
	return string(r)
}

// checkRefs makes sure every $ref in v names a component.
func checkRefs(v any, defs map[string]any) error {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if k == "$ref" {
				ref, _ := e.(string)
				if _, ok := defs[strings.TrimPrefix(ref, schemaRefPrefix)]; !ok || !strings.HasPrefix(ref, schemaRefPrefix) {
					return fmt.Errorf("dangling $ref %q", ref)
				}
				continue
			}
			if err := checkRefs(e, defs); err != nil {
				return err
			}
		}
	case map[string]map[string]any:
		for _, e := range v {
			if err := checkRefs(e, defs); err != nil {
				return err
			}
		}
	case []any:
		for _, e := range v {
			if err := checkRefs(e, defs); err != nil {
				return err
			}
		}
	}
	return nil
}

// OpenAPIDocument returns the OpenAPI document of every route, as GET /api/v1/openapi.json
// serves it, without a database: the frontend's typed client is generated from it.
func OpenAPIDocument(version string) []byte {
	return newServer(Deps{Version: version}, nil).openapi
}
