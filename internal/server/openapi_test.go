package server

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// fetchOpenAPI gets the OpenAPI document from h and decodes it.
func fetchOpenAPI(t *testing.T, h http.Handler) map[string]any {
	t.Helper()
	w := serve(t, h, request{method: "GET", target: "/api/v1/openapi.json"})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	if ct := w.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	return decodeBody(t, w)
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	t.Parallel()
	prod := newServer(Deps{Version: "2.0.0"}, nil)
	withTests, _ := newTestServer(t, Deps{})
	for _, tc := range []struct {
		name string
		s    *server
	}{{"production", prod}, {"with test routes", withTests}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc := fetchOpenAPI(t, tc.s.handler)
			if doc["openapi"] != "3.1.0" {
				t.Fatalf("openapi = %v, want 3.1.0", doc["openapi"])
			}
			info, _ := doc["info"].(map[string]any)
			if info["version"] != tc.s.version || info["title"] == "" {
				t.Errorf("info %v", info)
			}

			// The (method, path) pairs of the document are exactly those of the routes table.
			var inDoc, inTable []string
			paths, _ := doc["paths"].(map[string]any)
			for p, item := range paths {
				for method := range item.(map[string]any) {
					inDoc = append(inDoc, strings.ToUpper(method)+" "+p)
				}
			}
			byKey := map[string]route{}
			for _, rt := range tc.s.table {
				k := rt.method + " " + openAPIPath(rt.path)
				inTable = append(inTable, k)
				byKey[k] = rt
			}
			sort.Strings(inDoc)
			sort.Strings(inTable)
			if !reflect.DeepEqual(inDoc, inTable) {
				t.Fatalf("document and table differ:\ndoc   %v\ntable %v", inDoc, inTable)
			}
			if tc.name == "production" && len(inTable) < 2 {
				t.Fatalf("production table too small: %v", inTable)
			}

			for _, key := range inDoc {
				method, p, _ := strings.Cut(key, " ")
				rt := byKey[key]
				op := paths[p].(map[string]any)[strings.ToLower(method)].(map[string]any)
				if op["operationId"] != rt.op || op["summary"] != rt.summary || op["x-permission"] != string(rt.perm) {
					t.Errorf("%s: operation %v does not match the route", key, op)
				}
				responses, _ := op["responses"].(map[string]any)
				if _, ok := responses[strconv.Itoa(rt.successStatus())]; !ok {
					t.Errorf("%s: no success response", key)
				}
				for status, resp := range responses {
					code, err := strconv.Atoi(status)
					if err != nil {
						t.Errorf("%s: response key %q", key, status)
						continue
					}
					content, _ := resp.(map[string]any)["content"].(map[string]any)
					if code < 400 {
						continue
					}
					if _, declared := rt.alt[code]; declared {
						if _, ok := content["application/json"]; !ok {
							t.Errorf("%s %d: a declared non-problem answer without application/json", key, code)
						}
						continue
					}
					if len(content) != 1 {
						t.Errorf("%s %d: error content %v, want only application/problem+json", key, code, content)
					}
					media, _ := content["application/problem+json"].(map[string]any)
					schema, _ := media["schema"].(map[string]any)
					if schema["$ref"] != "#/components/schemas/Problem" {
						t.Errorf("%s %d: error schema %v is not the Problem", key, code, schema)
					}
				}
				if rt.in != nil {
					for _, code := range []string{"400", "413", "415", "422"} {
						if _, ok := responses[code]; !ok {
							t.Errorf("%s: takes a body but documents no %s", key, code)
						}
					}
				}
			}

			schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
			problem, _ := schemas["Problem"].(map[string]any)
			req := map[string]bool{}
			for _, r := range problem["required"].([]any) {
				req[r.(string)] = true
			}
			for _, f := range []string{"type", "title", "status", "detail"} {
				if !req[f] {
					t.Errorf("Problem schema does not require %q: %v", f, problem)
				}
			}
			props := problem["properties"].(map[string]any)
			for _, f := range []string{"instance", "request_id", "errors"} {
				if _, ok := props[f]; !ok {
					t.Errorf("Problem schema lacks %q", f)
				}
			}
			if err := checkRefs(doc, schemas); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestOpenAPIIsDeterministic(t *testing.T) {
	t.Parallel()
	a := newServer(Deps{Version: "1"}, nil).openapi
	b := newServer(Deps{Version: "1"}, nil).openapi
	if string(a) != string(b) {
		t.Error("two builds of the document differ")
	}
}

// Types for the schema generator.
type (
	money      string
	schemaNode struct {
		Name     string        `json:"name" doc:"the name"`
		Kids     []*schemaNode `json:"kids,omitempty"`
		Parent   *schemaNode   `json:"parent"`
		Price    money         `json:"price"`
		Count    int64         `json:"count,string"`
		At       time.Time     `json:"at"`
		Optional *int          `json:"optional,omitzero"`
		Hidden   string        `json:"-"`
		private  string
		Meta     map[string]string `json:"meta"`
		schemaEmbedded
	}
	schemaEmbedded struct {
		Version int `json:"version"`
	}
	page[T any] struct {
		Items      []T    `json:"items"`
		NextCursor string `json:"next_cursor,omitempty"`
	}
	selfMarshaler struct{}
)

func (money) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^-?\d+\.\d{2}$`}
}

func (selfMarshaler) MarshalJSON() ([]byte, error) { return []byte("1"), nil }

func TestSchemaGen(t *testing.T) {
	t.Parallel()
	g := &schemaGen{defs: map[string]any{}, named: map[string]reflect.Type{}}
	ref, err := g.schema(reflect.TypeFor[page[schemaNode]]())
	if err != nil {
		t.Fatal(err)
	}
	if ref["$ref"] != "#/components/schemas/PageSchemaNode" {
		t.Fatalf("generic ref %v", ref)
	}
	got, _ := json.Marshal(g.defs["SchemaNode"])
	want := `{"properties":{"at":{"format":"date-time","type":"string"},"count":{"type":"string"},` +
		`"kids":{"items":{"anyOf":[{"$ref":"#/components/schemas/SchemaNode"},{"type":"null"}]},"type":"array"},` +
		`"meta":{"additionalProperties":{"type":"string"},"type":"object"},` +
		`"name":{"description":"the name","type":"string"},"optional":{"format":"int64","type":["integer","null"]},` +
		`"parent":{"anyOf":[{"$ref":"#/components/schemas/SchemaNode"},{"type":"null"}]},` +
		`"price":{"pattern":"^-?\\d+\\.\\d{2}$","type":"string"},"version":{"format":"int64","type":"integer"}},` +
		`"required":["at","count","meta","name","parent","price","version"],"type":"object"}`
	if string(got) != want {
		t.Errorf("schema\n got %s\nwant %s", got, want)
	}
	if err := checkRefs(map[string]any{"r": ref, "d": g.defs}, g.defs); err != nil {
		t.Error(err)
	}

	if _, err := g.schema(reflect.TypeFor[selfMarshaler]()); err == nil || !strings.Contains(err.Error(), "JSONSchema") {
		t.Errorf("a self-marshaling type without JSONSchema: %v", err)
	}
	type schemaNode struct{ Other bool } // same name, another type
	if _, err := g.schema(reflect.TypeFor[schemaNode]()); err == nil || !strings.Contains(err.Error(), "rename") {
		t.Errorf("name collision: %v", err)
	}
}

func TestOpenAPIPath(t *testing.T) {
	t.Parallel()
	for pattern, want := range map[string]string{
		"/api/v1/patients/{id}":              "/api/v1/patients/{id}",
		"/api/v1/files/{path...}":            "/api/v1/files/{path}",
		"/api/v1/{$}":                        "/api/v1/",
		"/api/v1/encounters/{id}/vitals/{v}": "/api/v1/encounters/{id}/vitals/{v}",
	} {
		if got := openAPIPath(pattern); got != want {
			t.Errorf("openAPIPath(%q) = %q, want %q", pattern, got, want)
		}
	}
	if got := pathParams("/api/v1/encounters/{id}/vitals/{vital_id}"); !reflect.DeepEqual(got, []string{"id", "vital_id"}) {
		t.Errorf("pathParams = %v", got)
	}
}
