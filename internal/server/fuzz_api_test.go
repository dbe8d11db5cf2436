package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// The API fuzzer walks every operation of /api/v1/openapi.json and sends it values generated
// from the operation's schema plus hostile ones (ids past the int4 and int8 ranges, NUL bytes,
// invalid UTF-8, characters outside the Basic Multilingual Plane, 100k strings, wrong types,
// missing fields). Every answer must be below 500; every error an RFC 9457 problem; every
// success valid against the response schema of its status, which the document must declare.
//
// TestAPIFuzz is deterministic (fixed seed) and bounded, so it runs with the unit tests:
// one hostile value at a time in each slot, then a few random mixes per operation, then the
// corpus in testdata/apifuzz/corpus.json (requests that once answered 500).
// CHELAL_FUZZ_SEED=<n> or "random" and CHELAL_FUZZ_ROUNDS=<n> run it longer or differently;
// FuzzAPI lets Go's fuzzing engine drive the same generator (go test -fuzz FuzzAPI).

// invalidUTF8 stands, inside a generated Go string, for bytes that are not UTF-8: the JSON
// encoder would turn them into U+FFFD, so the raw bytes are put back after encoding.
const invalidUTF8 = "\uE000bad\uE001"

// hostileStrings are string values every text slot is tried with.
var hostileStrings = []any{
	"", " ", "\x00", "a\x00b", invalidUTF8, "caf" + invalidUTF8,
	"💊 Amina 😀", "𝄞𠜎", "أمينة عثمان", "አማኒ ወረ", "阿米娜", "Ωμέγα", "\u202eevil",
	strings.Repeat("x", 100_000), "' OR 1=1 --", "%", "_", `\`, "../../etc/passwd",
	"2026-02-30", "9999-12-31", "0000-01-01", "-1", "1e400", "NaN",
	123, -1.5, true, nil, map[string]any{}, []any{},
}

// hostileInts are numeric values every integer slot is tried with.
var hostileInts = []any{
	0, -1, 1, int64(1) << 31, int64(1)<<31 - 1, -(int64(1) << 31) - 1, int64(math.MaxInt64), int64(math.MinInt64),
	json.Number("9223372036854775808"), json.Number("1e300"), json.Number("-1e300"), 1.5,
	"1", "", "\x00", true, nil, []any{}, map[string]any{},
}

// hostileNumbers are values every number slot is tried with.
var hostileNumbers = []any{0, -1, 1e308, -1e308, json.Number("1e400"), 0.000001, int64(1) << 62, "36.6", "abc", nil, true}

// hostileBools are values every boolean slot is tried with.
var hostileBools = []any{"true", 1, 0, nil, "", []any{}}

// hostileIDs are raw (already escaped) path values for {id}.
var hostileIDs = []string{"0", "-1", "2147483647", "2147483648", "4294967296", "9223372036854775807",
	"9223372036854775808", "99999999999999999999", "abc", "1.5", "%00", "1%00", "%FF", "%F0%9F%92%8A", "+1", "01", "%201"}

// hostileQuery are raw (already escaped) query values for text and integer parameters.
var hostileQuery = []string{"", "%00", "a%00b", "%FF", "caf%C3", "%F0%9F%92%8A", "%D8%A3%D9%85", "abc", "-1", "0",
	"2147483647", "2147483648", "9223372036854775807", "9223372036854775808", "1.5", "true", "%25", "_",
	"2026-02-30", "9999-12-31", "2026-13-01T00:00:00Z", strings.Repeat("x", 10_000)}

// hostileHeaders are values for If-Match and Idempotency-Key (a real client cannot send a
// NUL in a header; bytes past ASCII it can).
var hostileHeaders = []string{"", "1", `W/"1"`, `"2147483648"`, "2147483648", "9223372036854775807", "-1", "\xff\xfe",
	"caf\xc3", "💊", strings.Repeat("k", 10_000), "*"}

// fuzzOp is one operation of the document.
type fuzzOp struct {
	id, method, path string
	pathParams       []string
	query            []fuzzParam
	body             map[string]any // the JSON request body's schema, nil without one
	rawBody          []string       // content types of a non-JSON body
	responses        map[string]any
}

type fuzzParam struct {
	name   string
	schema map[string]any
}

// fuzzCase is one request.
type fuzzCase struct {
	op    string
	path  map[string]string // raw path values
	query []string          // raw "name=value" pairs
	body  []byte            // nil: no body
	ctype string
	// header: extra request headers (If-Match, Idempotency-Key)
	header map[string]string
	note   string // what is hostile about it, for the failure report
}

// fuzzer is the API on its own database with an administrator's session.
type fuzzer struct {
	tb      testing.TB
	h       http.Handler
	db      *db.DB
	logs    *logBuffer // the server's log: a 500's cause
	auth    *auth.Service
	doc     map[string]any
	schemas map[string]any
	ops     []fuzzOp
	byID    map[string]*fuzzOp
	ids     []int64 // ids that exist (seeded), for valid path values and *_id fields
	cookie  string
	csrf    string
	admins  int
	roles   map[string]int64
	// succeeded counts each operation's 2xx answers: an operation that never succeeds is
	// only tested at its door.
	succeeded map[string]int
}

func newFuzzer(tb testing.TB) *fuzzer {
	tb.Helper()
	d := dbtest.New(tb)
	svc := testAuth(tb, d, auth.Config{})
	f := &fuzzer{tb: tb, db: d, auth: svc, roles: roleIDs(tb, d), succeeded: map[string]int{}}
	// Errors only: the 500s' causes, for the failure report.
	f.logs = &logBuffer{}
	log := slog.New(slog.NewJSONHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelError}))
	_, f.h = Wire(d, svc, Deps{Log: log, Backups: BackupConfig{Folder: backup.LoadFolder(tb.TempDir(), "")}})
	f.newAdmin()
	f.loadDocument()
	f.seed()
	return f
}

// newAdmin creates an administrator and logs in as them. The fuzzer calls it again when a
// generated request ended its session (logout, deactivating itself, a password change).
func (f *fuzzer) newAdmin() {
	f.tb.Helper()
	f.admins++
	name := fmt.Sprintf("fuzzadmin%d", f.admins)
	if _, err := f.auth.CreateUser(context.Background(), db.Actor{}, auth.CreateUserParams{
		Username: name, Email: name + "@clinic.test", Password: testPassword, FirstName: "Fuzz", LastName: "Admin",
		RoleID: f.roles[auth.RoleAdmin]}); err != nil {
		f.tb.Fatalf("create %s: %v", name, err)
	}
	f.cookie, f.csrf = "", ""
	w := f.send("POST", "/api/v1/auth/login", mustJSON(f.tb, map[string]any{"username": name, "password": testPassword}), "application/json")
	if w.Code != http.StatusOK {
		f.tb.Fatalf("login %s: %d %s", name, w.Code, w.Body)
	}
	for _, ck := range w.Result().Cookies() {
		if ck.Name == SessionCookie {
			f.cookie = ck.Value
		}
	}
	var body struct {
		CSRFToken string `json:"csrf_token"`
	}
	_ = json.Unmarshal(w.Body.Bytes(), &body)
	f.csrf = body.CSRFToken
}

// send makes one request with the session.
func (f *fuzzer) send(method, target string, body []byte, ctype string, header ...map[string]string) *httptest.ResponseRecorder {
	var r *http.Request
	if body != nil {
		r = httptest.NewRequest(method, target, bytes.NewReader(body))
		r.Header.Set("Content-Type", ctype)
	} else {
		r = httptest.NewRequest(method, target, nil)
	}
	r.Host = "localhost" // httptest's example.com is not a host Chelal serves
	r.RemoteAddr = fmt.Sprintf("10.9.%d.%d:40000", f.admins/200, f.admins%200)
	if f.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: f.cookie})
		r.Header.Set(CSRFHeader, f.csrf)
	}
	for _, h := range header {
		for k, v := range h {
			r.Header.Set(k, v)
		}
	}
	w := httptest.NewRecorder()
	f.h.ServeHTTP(w, r)
	return w
}

// call is send for the fuzzer's own set-up: it fails unless the status is want.
func (f *fuzzer) call(method, target string, body any, want int) map[string]any {
	f.tb.Helper()
	var raw []byte
	if body != nil {
		raw = mustJSON(f.tb, body)
	}
	w := f.send(method, target, raw, "application/json")
	if w.Code != want {
		f.tb.Fatalf("%s %s: %d, want %d: %s", method, target, w.Code, want, w.Body)
	}
	var m map[string]any
	_ = json.Unmarshal(w.Body.Bytes(), &m)
	return m
}

func mustJSON(tb testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// seed fills the clinic with one record of each kind, written in scripts the fonts lack
// (so the PDFs meet them), for the generated requests to find.
func (f *fuzzer) seed() {
	f.tb.Helper()
	id := func(m map[string]any) int64 { n, _ := m["id"].(float64); return int64(n) }
	doc, err := f.auth.CreateUser(context.Background(), db.Actor{}, auth.CreateUserParams{
		Username: "drfuzz", Email: "drfuzz@clinic.test", Password: testPassword, FirstName: "Amani 😀", LastName: "ወረ",
		RoleID: f.roles[auth.RoleDoctor]})
	if err != nil {
		f.tb.Fatal(err)
	}
	set := f.call("GET", "/api/v1/settings", nil, 200)
	f.call("PATCH", "/api/v1/settings", map[string]any{"clinic_name": "Kliniki 🏥 عيادة 诊所", "version": set["version"]}, 200)
	p := f.call("POST", "/api/v1/patients", map[string]any{"first_name": "Amina 💊", "last_name": "أمينة 阿米娜 አማኒ",
		"date_of_birth": "1990-04-02", "gender": "female", "known_allergies": "🥜", "confirm_duplicate": true}, 201)
	visit := f.call("POST", "/api/v1/appointments", map[string]any{"patient_id": id(p), "doctor_id": doc.ID, "walk_in": true}, 201)
	cat := f.call("POST", "/api/v1/medication-categories", map[string]any{"name": "Antibiotics 🦠"}, 201)
	med := f.call("POST", "/api/v1/medications", map[string]any{"name": "Amoxicillin 💊", "category_id": id(cat),
		"strength": "500 mg", "form": "capsule", "unit_price": "12.50", "reorder_level": 3}, 201)
	f.call("POST", fmt.Sprintf("/api/v1/medications/%d/batches", id(med)), map[string]any{"batch_number": "B-😀",
		"expiry_date": time.Now().AddDate(1, 0, 0).Format(time.DateOnly), "quantity": 100, "unit_cost": "5.00"}, 201)
	f.call("POST", "/api/v1/inventory-items", map[string]any{"name": "Gloves 🧤", "unit": "box"}, 201)
	enc := f.call("POST", fmt.Sprintf("/api/v1/appointments/%d/encounter", id(visit)), nil, 200)
	encID := id(enc)
	// The prescription is written with SQL: only the encounter's doctor may prescribe.
	var rx int64
	if err := f.db.Pool.QueryRow(context.Background(), `INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, duration, instructions, medication_id, quantity)
		VALUES ($1, 'Amoxicillin 💊 阿莫西林', '500 mg 😀', 'ثلاث مرات', 'ሰባት ቀን', 'After food 🍲', $2, 10) RETURNING id`, encID, id(med)).Scan(&rx); err != nil {
		f.tb.Fatal(err)
	}
	f.call("POST", fmt.Sprintf("/api/v1/prescriptions/%d/dispense", rx), map[string]any{"quantity": 2}, 201)
	svc := f.call("POST", "/api/v1/services", map[string]any{"name": "Consultation 🩺", "code": "consult", "category": "consultation", "price": "1500.00"}, 201)
	bill := f.call("POST", "/api/v1/bills", map[string]any{"patient_id": id(p), "items": []any{map[string]any{"service_id": id(svc), "quantity": 1}}}, 201)
	f.call("POST", fmt.Sprintf("/api/v1/bills/%d/payments", id(bill)), map[string]any{"amount": "100.00", "payment_method": "cash"}, 201)
	f.ids = []int64{1, 2, 3}
}

// loadDocument reads the operations out of the OpenAPI document.
func (f *fuzzer) loadDocument() {
	f.tb.Helper()
	w := f.send("GET", "/api/v1/openapi.json", nil, "")
	if err := json.Unmarshal(w.Body.Bytes(), &f.doc); err != nil {
		f.tb.Fatalf("openapi.json: %v", err)
	}
	f.schemas, _ = f.doc["components"].(map[string]any)["schemas"].(map[string]any)
	paths, _ := f.doc["paths"].(map[string]any)
	f.byID = map[string]*fuzzOp{}
	for p, item := range paths {
		for method, o := range item.(map[string]any) {
			om := o.(map[string]any)
			op := fuzzOp{id: om["operationId"].(string), method: strings.ToUpper(method), path: p}
			op.responses, _ = om["responses"].(map[string]any)
			params, _ := om["parameters"].([]any)
			for _, x := range params {
				pm := x.(map[string]any)
				sch, _ := pm["schema"].(map[string]any)
				switch pm["in"] {
				case "path":
					op.pathParams = append(op.pathParams, pm["name"].(string))
				case "query":
					op.query = append(op.query, fuzzParam{name: pm["name"].(string), schema: sch})
				}
			}
			if rb, ok := om["requestBody"].(map[string]any); ok {
				content, _ := rb["content"].(map[string]any)
				for ct, c := range content {
					if ct == "application/json" {
						op.body, _ = c.(map[string]any)["schema"].(map[string]any)
					} else {
						op.rawBody = append(op.rawBody, ct)
					}
				}
				sort.Strings(op.rawBody)
			}
			f.ops = append(f.ops, op)
		}
	}
	sort.Slice(f.ops, func(i, j int) bool { return f.ops[i].id < f.ops[j].id })
	// logout ends the session and every later request would only test the 401: last.
	i := slices.IndexFunc(f.ops, func(o fuzzOp) bool { return o.id == "logout" })
	if i >= 0 {
		f.ops = append(append(f.ops[:i:i], f.ops[i+1:]...), f.ops[i])
	}
	for i := range f.ops {
		f.byID[f.ops[i].id] = &f.ops[i]
	}
	if len(f.ops) < 50 {
		f.tb.Fatalf("only %d operations in the document", len(f.ops))
	}
}

// resolve follows a $ref.
func (f *fuzzer) resolve(s map[string]any) map[string]any {
	for s != nil {
		ref, ok := s["$ref"].(string)
		if !ok {
			return s
		}
		s, _ = f.schemas[strings.TrimPrefix(ref, "#/components/schemas/")].(map[string]any)
	}
	return s
}

// types lists a schema's JSON types.
func types(s map[string]any) []string {
	switch t := s["type"].(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, x := range t {
			out = append(out, x.(string))
		}
		return out
	}
	return nil
}

// mainType is a schema's type other than null.
func mainType(s map[string]any) string {
	for _, t := range types(s) {
		if t != "null" {
			return t
		}
	}
	return ""
}

// valid generates a value the schema accepts, with plausible contents for the field name.
func (f *fuzzer) valid(rng *rand.Rand, name string, s map[string]any, depth int) any {
	s = f.resolve(s)
	if alts, ok := s["anyOf"].([]any); ok && len(alts) > 0 {
		return f.valid(rng, name, alts[rng.IntN(len(alts))].(map[string]any), depth)
	}
	if enum, ok := s["enum"].([]any); ok && len(enum) > 0 {
		return enum[rng.IntN(len(enum))]
	}
	if ex, ok := s["examples"].([]any); ok && len(ex) > 0 && rng.IntN(2) == 0 {
		return ex[rng.IntN(len(ex))]
	}
	if vs := plausible(name); len(vs) > 0 && rng.IntN(4) > 0 {
		return vs[rng.IntN(len(vs))]
	}
	switch mainType(s) {
	case "object":
		props, _ := s["properties"].(map[string]any)
		m := map[string]any{}
		if depth > 4 {
			return m
		}
		req := map[string]bool{}
		for _, r := range asSlice(s["required"]) {
			req[r.(string)] = true
		}
		for _, k := range sortedKeys(props) {
			if req[k] || rng.IntN(3) > 0 {
				m[k] = f.valid(rng, k, props[k].(map[string]any), depth+1)
			}
		}
		return m
	case "array":
		items, _ := s["items"].(map[string]any)
		n := 1 + rng.IntN(2)
		out := make([]any, n)
		for i := range out {
			out[i] = f.valid(rng, name, items, depth+1)
		}
		return out
	case "integer":
		if name == "id" || strings.HasSuffix(name, "_id") || name == "version" {
			return f.ids[rng.IntN(len(f.ids))]
		}
		return 1 + rng.IntN(10)
	case "number":
		return []float64{36.6, 70, 1.5, 120}[rng.IntN(4)]
	case "boolean":
		return rng.IntN(2) == 0
	case "string":
		return validString(rng, name, s)
	}
	return nil
}

// plausible lists values a field's rules accept, so that generated requests get past
// validation to the queries and the PDFs (the schema alone does not say them).
func plausible(name string) []any {
	day := func(n int) string { return time.Now().AddDate(0, 0, n).Format(time.DateOnly) }
	return map[string][]any{
		"gender":                       {"male", "female", "other", "unknown"},
		"date_of_birth":                {"1990-04-02", "2024-02-29"},
		"date":                         {day(0), day(1), day(7)},
		"due_date":                     {day(0), day(1), day(7)},
		"expiry_date":                  {day(200), day(400)},
		"from":                         {day(-3)},
		"to":                           {day(3)},
		"time":                         {"10:00", "14:30", "16:45"},
		"status":                       {"scheduled", "checked_in", "open", "closed", "pending", "paid", "cancelled"},
		"category":                     {"consultation", "procedure", "lab", "pharmacy", "other"},
		"payment_method":               {"cash", "mobile_money", "card"},
		"kind":                         {"service", "credit"},
		"stock":                        {"low", "expiring", "expired"},
		"size":                         {"a4", "80mm"},
		"temperature_unit":             {"C", "F"},
		"weight_unit":                  {"kg", "lb"},
		"timezone":                     {"Africa/Nairobi", "UTC"},
		"language_preference":          {"en", "fr", "sw"},
		"slot_minutes":                 {15, 30},
		"pharmacy_expiry_warning_days": {30, 90},
		"systolic_bp":                  {120},
		"diastolic_bp":                 {80},
		"heart_rate":                   {72},
		"respiratory_rate":             {16},
		"temperature":                  {36.8},
		"oxygen_saturation":            {98},
		"height":                       {170},
		"weight":                       {65},
		"version":                      {1, 2},
		"walk_in":                      {true},
		"confirm_duplicate":            {true},
	}[name]
}

// validString is a plausible string for a field.
func validString(rng *rand.Rand, name string, s map[string]any) string {
	switch {
	case s["format"] == "date-time":
		return time.Now().UTC().Format(time.RFC3339)
	case strings.Contains(name, "date") || name == "from" || name == "to" || name == "date_of_birth":
		return time.Now().AddDate(0, 0, rng.IntN(60)-30).Format(time.DateOnly)
	case name == "time":
		return fmt.Sprintf("%02d:%02d", 8+rng.IntN(8), 15*rng.IntN(4))
	case strings.Contains(name, "price") || strings.Contains(name, "amount") || strings.Contains(name, "cost"):
		return []string{"12.50", "1500.00", "0.01"}[rng.IntN(3)]
	case strings.Contains(name, "password"):
		return testPassword
	case name == "email":
		return fmt.Sprintf("u%d@clinic.test", rng.IntN(1e6))
	}
	return []string{"Amina", "Otieno", "500 mg", "cash", "open", "note", "CHL-1", "a", "Wanjirũ"}[rng.IntN(9)]
}

func asSlice(v any) []any { s, _ := v.([]any); return s }

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// hostileFor lists the hostile values of a schema's type.
func (f *fuzzer) hostileFor(s map[string]any) []any {
	switch mainType(f.resolve(s)) {
	case "integer":
		return hostileInts
	case "number":
		return hostileNumbers
	case "boolean":
		return hostileBools
	case "string":
		return hostileStrings
	case "array":
		return []any{[]any{}, "x", nil, 1, []any{nil}, []any{"x", 1}, map[string]any{}}
	case "object":
		return []any{map[string]any{}, "x", nil, 1, []any{}}
	}
	return []any{nil, "x", 1}
}

// slot is a place in a body value where a field sits: a path of keys and indexes.
type slot struct {
	path   []any // string keys, int indexes
	schema map[string]any
}

// slots lists every place of v (a valid value of schema s) and of s's other properties.
func (f *fuzzer) slots(s map[string]any, v any, prefix []any, out *[]slot) {
	s = f.resolve(s)
	switch mainType(s) {
	case "object":
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(props) {
			p := append(slices.Clone(prefix), k)
			ps := props[k].(map[string]any)
			*out = append(*out, slot{p, ps})
			if m, ok := v.(map[string]any); ok {
				if sub, ok := m[k]; ok {
					f.slots(ps, sub, p, out)
				}
			}
		}
	case "array":
		items, _ := s["items"].(map[string]any)
		if a, ok := v.([]any); ok && len(a) > 0 {
			p := append(slices.Clone(prefix), 0)
			*out = append(*out, slot{p, items})
			f.slots(items, a[0], p, out)
		}
	}
}

// setAt returns a copy of v with the value at path replaced by x.
func setAt(v any, path []any, x any) any {
	if len(path) == 0 {
		return x
	}
	switch k := path[0].(type) {
	case string:
		m, _ := v.(map[string]any)
		c := make(map[string]any, len(m)+1)
		for kk, vv := range m {
			c[kk] = vv
		}
		c[k] = setAt(c[k], path[1:], x)
		return c
	case int:
		a, _ := v.([]any)
		c := slices.Clone(a)
		if k < len(c) {
			c[k] = setAt(c[k], path[1:], x)
		}
		return c
	}
	return v
}

// encodeBody is json.Marshal with invalidUTF8 markers turned into raw invalid bytes.
func encodeBody(tb testing.TB, v any) []byte {
	b := mustJSON(tb, v)
	return bytes.ReplaceAll(b, []byte(invalidUTF8), []byte("\xff\xfe"))
}

// base is a valid request for op: existing ids, schema-valid query values and body.
func (f *fuzzer) base(rng *rand.Rand, op *fuzzOp) (fuzzCase, any) {
	c := fuzzCase{op: op.id, path: map[string]string{}}
	for _, p := range op.pathParams {
		c.path[p] = strconv.FormatInt(f.ids[rng.IntN(len(f.ids))], 10)
	}
	for _, q := range op.query {
		if rng.IntN(2) == 0 {
			v := f.valid(rng, q.name, q.schema, 0)
			if q.name == "limit" {
				v = 1 + rng.IntN(20)
			}
			c.query = append(c.query, q.name+"="+url.QueryEscape(fmt.Sprint(v)))
		}
	}
	var body any
	switch {
	case op.body != nil:
		body = f.valid(rng, "", op.body, 0)
		c.body, c.ctype = encodeBody(f.tb, body), "application/json"
	case len(op.rawBody) > 0:
		c.body, c.ctype = []byte("\x89PNG\r\n\x1a\nnot really"), op.rawBody[0]
	}
	return c, body
}

// systematic lists op's requests with one hostile value at a time in a request otherwise
// valid: the first of a few generated ones that succeeds (sent here, once), so that the
// hostile value is the only thing wrong and goes as deep as the operation does.
func (f *fuzzer) systematic(rng *rand.Rand, op *fuzzOp) []fuzzCase {
	base, body := f.base(rng, op)
	for range 16 {
		noInput := len(op.pathParams)+len(op.query) == 0 && op.body == nil && len(op.rawBody) == 0
		if noInput || op.id == "logout" || f.status(base) < 300 {
			break
		}
		base, body = f.base(rng, op)
	}
	cases := []fuzzCase{base}
	with := func(note string, edit func(c *fuzzCase)) {
		c := base
		c.path = map[string]string{}
		for k, v := range base.path {
			c.path[k] = v
		}
		c.query = slices.Clone(base.query)
		c.note = note
		edit(&c)
		cases = append(cases, c)
	}
	for _, p := range op.pathParams {
		for _, v := range hostileIDs {
			with("path "+p+"="+v, func(c *fuzzCase) { c.path[p] = v })
		}
	}
	for _, q := range op.query {
		for _, v := range hostileQuery {
			with("query "+q.name+"="+short(v), func(c *fuzzCase) {
				c.query = append(slices.DeleteFunc(c.query, func(s string) bool { return strings.HasPrefix(s, q.name+"=") }), q.name+"="+v)
			})
		}
		with("query "+q.name+" twice", func(c *fuzzCase) { c.query = append(c.query, q.name+"=1", q.name+"=%00") })
	}
	if op.body != nil {
		var sl []slot
		f.slots(op.body, body, nil, &sl)
		for _, s := range sl {
			for _, x := range f.hostileFor(s.schema) {
				with(fmt.Sprintf("body %v=%s", s.path, short(fmt.Sprint(x))), func(c *fuzzCase) {
					c.body = encodeBody(f.tb, setAt(body, s.path, x))
				})
			}
			if len(s.path) == 1 {
				with(fmt.Sprintf("body without %v", s.path), func(c *fuzzCase) {
					m, _ := body.(map[string]any)
					cp := map[string]any{}
					for k, v := range m {
						if k != s.path[0] {
							cp[k] = v
						}
					}
					c.body = encodeBody(f.tb, cp)
				})
			}
		}
	}
	if op.method != "GET" && (op.body != nil || len(op.pathParams) > 0) { // not createBackup: a second each
		for _, h := range []string{"If-Match", "Idempotency-Key"} {
			for _, v := range hostileHeaders {
				with(h+": "+short(v), func(c *fuzzCase) { c.header = map[string]string{h: v} })
			}
		}
	}
	if op.body != nil || len(op.rawBody) > 0 {
		for _, raw := range []string{"", "{}", "[]", "null", `"x"`, "1", "{", `{"a":1}`, "{\"x\":\"\x00\"}", `{"id":"\u0000"}`, "\xff"} {
			with("raw body "+short(raw), func(c *fuzzCase) { c.body, c.ctype = []byte(raw), "application/json" })
		}
		with("body as text/plain", func(c *fuzzCase) { c.ctype = "text/plain" })
	}
	return cases
}

// random is a request with each slot hostile one time in four.
func (f *fuzzer) random(rng *rand.Rand, op *fuzzOp, value string) fuzzCase {
	c, body := f.base(rng, op)
	c.note = "random"
	pick := func() bool { return rng.IntN(4) == 0 }
	for _, p := range op.pathParams {
		if pick() {
			c.path[p] = hostileIDs[rng.IntN(len(hostileIDs))]
		}
	}
	for _, q := range op.query {
		if pick() {
			v := hostileQuery[rng.IntN(len(hostileQuery))]
			if value != "" && rng.IntN(2) == 0 {
				v = url.QueryEscape(value)
			}
			c.query = append(c.query, q.name+"="+v)
		}
	}
	if op.body != nil {
		var sl []slot
		f.slots(op.body, body, nil, &sl)
		for _, s := range sl {
			if pick() {
				h := f.hostileFor(s.schema)
				var x any = h[rng.IntN(len(h))]
				if value != "" && rng.IntN(2) == 0 {
					x = value
				}
				body = setAt(body, s.path, x)
			}
		}
		c.body = encodeBody(f.tb, body)
	}
	return c
}

func short(s string) string {
	if len(s) > 24 {
		return fmt.Sprintf("%s…(%d bytes)", s[:16], len(s))
	}
	return strconv.Quote(s)
}

// status sends c and returns the answer's status, for the set-up of the cases.
func (f *fuzzer) status(c fuzzCase) int {
	return f.exchange(f.byID[c.op], c).Code
}

// run sends c and returns what is wrong with the answer ("" when nothing).
func (f *fuzzer) run(c fuzzCase) string {
	op := f.byID[c.op]
	if op == nil {
		return ""
	}
	return f.check(op, f.exchange(op, c))
}

// exchange sends c, counts a success, and logs in again when the request ended the session.
func (f *fuzzer) exchange(op *fuzzOp, c fuzzCase) *httptest.ResponseRecorder {
	w := f.send(op.method, f.target(op, c), c.body, c.ctype, c.header)
	if w.Code < 300 {
		f.succeeded[op.id]++
	}
	if w.Code == http.StatusUnauthorized && f.send("GET", "/api/v1/auth/me", nil, "").Code == http.StatusUnauthorized {
		// The request ended the session (logout, deactivating itself): carry on as a new admin.
		f.newAdmin()
	}
	return w
}

// target is c's URL.
func (f *fuzzer) target(op *fuzzOp, c fuzzCase) string {
	target := op.path
	for k, v := range c.path {
		target = strings.ReplaceAll(target, "{"+k+"}", v)
	}
	if len(c.query) > 0 {
		target += "?" + strings.Join(c.query, "&")
	}
	return target
}

// check is the oracle: below 500, every status declared by the document, problems (valid
// against the Problem schema) for errors, successes valid against their response schema.
func (f *fuzzer) check(op *fuzzOp, w *httptest.ResponseRecorder) string {
	status := strconv.Itoa(w.Code)
	ct, _, _ := strings.Cut(w.Header().Get("Content-Type"), ";")
	switch {
	case w.Code >= 500:
		return fmt.Sprintf("status %d: %s", w.Code, f.lastError())
	case w.Code >= 400:
		if _, ok := op.responses[status]; !ok {
			return fmt.Sprintf("status %d is not in the document's responses", w.Code)
		}
		if ct != problemContentType {
			return fmt.Sprintf("status %d with Content-Type %q, not a problem", w.Code, ct)
		}
		if err := f.validate(map[string]any{"$ref": "#/components/schemas/Problem"}, decodeAny(w.Body.Bytes()), "problem"); err != "" {
			return fmt.Sprintf("status %d: %s", w.Code, err)
		}
		var p Problem
		if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Title == "" || p.Detail == "" ||
			!strings.HasPrefix(p.Type, ProblemTypeBase) {
			return fmt.Sprintf("status %d: bad problem %s", w.Code, short(w.Body.String()))
		}
		return ""
	}
	resp, ok := op.responses[status].(map[string]any)
	if !ok {
		return fmt.Sprintf("status %d is not in the document's responses", w.Code)
	}
	content, _ := resp["content"].(map[string]any)
	if jc, ok := content["application/json"].(map[string]any); ok {
		if ct != "application/json" {
			return fmt.Sprintf("status %d with Content-Type %q, want application/json", w.Code, ct)
		}
		var v any
		if err := json.Unmarshal(w.Body.Bytes(), &v); err != nil {
			return fmt.Sprintf("status %d: body is not JSON: %v", w.Code, err)
		}
		sch, _ := jc["schema"].(map[string]any)
		return f.validate(sch, v, "$")
	}
	return ""
}

// lastError is the cause the server logged for its last 500.
func (f *fuzzer) lastError() string {
	lines := strings.Split(strings.TrimSpace(f.logs.String()), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		var e struct {
			Error string `json:"error"`
			Panic string `json:"panic"`
		}
		if json.Unmarshal([]byte(lines[i]), &e) == nil && e.Error+e.Panic != "" {
			return e.Error + e.Panic
		}
	}
	return "(no error logged)"
}

func decodeAny(b []byte) any {
	var v any
	_ = json.Unmarshal(b, &v)
	return v
}

// validate checks v against schema s: types, required properties, enums, items (the parts of
// JSON Schema the document uses). It returns the first violation.
func (f *fuzzer) validate(s map[string]any, v any, at string) string {
	s = f.resolve(s)
	if s == nil {
		return ""
	}
	if alts, ok := s["anyOf"].([]any); ok {
		for _, alt := range alts {
			if f.validate(alt.(map[string]any), v, at) == "" {
				return ""
			}
		}
		return at + ": matches no anyOf alternative"
	}
	if enum, ok := s["enum"].([]any); ok && v != nil && !slices.Contains(enum, v) {
		return fmt.Sprintf("%s: %v is not one of %v", at, v, enum)
	}
	ts := types(s)
	if len(ts) == 0 {
		return ""
	}
	var got string
	switch x := v.(type) {
	case nil:
		got = "null"
	case bool:
		got = "boolean"
	case string:
		got = "string"
	case float64:
		got = "number"
		if x == float64(int64(x)) && slices.Contains(ts, "integer") {
			got = "integer"
		}
	case []any:
		got = "array"
	case map[string]any:
		got = "object"
	}
	if !slices.Contains(ts, got) {
		return fmt.Sprintf("%s: %s, want %v", at, got, ts)
	}
	switch x := v.(type) {
	case map[string]any:
		for _, r := range asSlice(s["required"]) {
			if _, ok := x[r.(string)]; !ok {
				return fmt.Sprintf("%s: required %q missing", at, r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for _, k := range sortedKeys(x) {
			if ps, ok := props[k].(map[string]any); ok {
				if e := f.validate(ps, x[k], at+"."+k); e != "" {
					return e
				}
			} else if ap, ok := s["additionalProperties"].(map[string]any); ok {
				if e := f.validate(ap, x[k], at+"."+k); e != "" {
					return e
				}
			}
		}
	case []any:
		items, _ := s["items"].(map[string]any)
		for i, it := range x {
			if e := f.validate(items, it, fmt.Sprintf("%s[%d]", at, i)); e != "" {
				return e
			}
		}
	}
	return ""
}

// corpusCase is one request of testdata/apifuzz/corpus.json.
type corpusCase struct {
	Op     string            `json:"op"`
	Path   map[string]string `json:"path,omitempty"`   // raw path values
	Query  []string          `json:"query,omitempty"`  // raw name=value pairs
	Body   *string           `json:"body,omitempty"`   // the body's bytes, as a JSON string
	Header map[string]string `json:"header,omitempty"` // extra request headers
	Why    string            `json:"why"`
}

func loadCorpus(tb testing.TB) []corpusCase {
	tb.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "apifuzz", "corpus.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var cs []corpusCase
	if err := json.Unmarshal(b, &cs); err != nil {
		tb.Fatalf("corpus.json: %v", err)
	}
	return cs
}

func (cc corpusCase) fuzzCase() fuzzCase {
	c := fuzzCase{op: cc.Op, path: cc.Path, query: cc.Query, header: cc.Header, note: "corpus: " + cc.Why}
	if cc.Body != nil {
		c.body, c.ctype = []byte(*cc.Body), "application/json"
	}
	return c
}

// fuzzSettings reads CHELAL_FUZZ_SEED (a number, or "random") and CHELAL_FUZZ_ROUNDS.
func fuzzSettings(tb testing.TB) (seed uint64, rounds int) {
	seed, rounds = 1, 6
	switch s := os.Getenv("CHELAL_FUZZ_SEED"); s {
	case "":
	case "random":
		seed = uint64(time.Now().UnixNano())
	default:
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			tb.Fatalf("CHELAL_FUZZ_SEED=%q: a number or \"random\"", s)
		}
		seed = n
	}
	if s := os.Getenv("CHELAL_FUZZ_ROUNDS"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			tb.Fatalf("CHELAL_FUZZ_ROUNDS=%q: a count", s)
		}
		rounds = n
	}
	return seed, rounds
}

// TestAPIFuzz walks every operation of the OpenAPI document with generated and hostile
// inputs and the corpus; no answer may be a 5xx or break the document's promises.
func TestAPIFuzz(t *testing.T) {
	t.Parallel()
	f := newFuzzer(t)
	seed, rounds := fuzzSettings(t)
	t.Logf("CHELAL_FUZZ_SEED=%d CHELAL_FUZZ_ROUNDS=%d", seed, rounds)
	rng := rand.New(rand.NewPCG(seed, 0x0c1e1a1))
	var cases []fuzzCase
	for _, cc := range loadCorpus(t) {
		if f.byID[cc.Op] == nil {
			t.Errorf("corpus: no operation %q in the document", cc.Op)
		}
		cases = append(cases, cc.fuzzCase())
	}
	for i := range f.ops {
		op := &f.ops[i]
		cases = append(cases, f.systematic(rng, op)...)
		if len(op.pathParams)+len(op.query) > 0 || op.body != nil {
			for range rounds {
				cases = append(cases, f.random(rng, op, ""))
			}
		}
	}
	// Operations that end the session go last, so the rest run logged in.
	sort.SliceStable(cases, func(i, j int) bool { return cases[i].op != "logout" && cases[j].op == "logout" })
	start := time.Now()
	seen := map[string]int{}
	failures := 0
	for _, c := range cases {
		if msg := f.run(c); msg != "" {
			failures++
			key := c.op + " " + msg[:min(len(msg), 40)]
			if seen[key]++; seen[key] <= 2 {
				t.Errorf("%s (%s): %s", c.op, c.note, msg)
			}
		}
	}
	t.Logf("%d requests over %d operations in %v; %d failed", len(cases), len(f.ops), time.Since(start).Round(time.Millisecond), failures)
	var never []string
	for _, op := range f.ops {
		if f.succeeded[op.id] == 0 {
			never = append(never, op.id)
		}
	}
	t.Logf("operations that never succeeded (tested only up to their validation): %v", never)
}

// FuzzAPI lets Go's fuzzing engine choose the operation (its index in the document, sorted by
// operationId), the generator's seed and a value it puts in random slots. Run it as nobody
// (PostgreSQL refuses root), with a fuzz cache nobody can write:
//
//	go test -c -o /tmp/server.test ./internal/server && cd internal/server &&
//	setpriv --reuid=65534 --regid=65534 --clear-groups /tmp/server.test -test.run '^$' \
//	  -test.fuzz FuzzAPI -test.fuzztime 10m -test.parallel 1 -test.fuzzcachedir /tmp/fuzzcache
func FuzzAPI(f *testing.F) {
	fz := newFuzzer(f)
	for i := range fz.ops {
		f.Add(uint16(i), uint64(i), "")
	}
	for i, v := range hostileStrings {
		if s, ok := v.(string); ok && len(s) < 100 {
			f.Add(uint16(i*7), uint64(i), s)
		}
	}
	f.Fuzz(func(t *testing.T, op uint16, seed uint64, value string) {
		o := &fz.ops[int(op)%len(fz.ops)]
		if o.id == "logout" {
			return
		}
		rng := rand.New(rand.NewPCG(seed, 0x0c1e1a1))
		fz.tb = t
		if msg := fz.run(fz.random(rng, o, value)); msg != "" {
			t.Errorf("%s seed %d value %q: %s", o.id, seed, value, msg)
		}
	})
}
