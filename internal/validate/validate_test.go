package validate_test

import (
	"reflect"
	"strings"
	"testing"

	"chelal/internal/apperr"
	"chelal/internal/validate"
)

func ptr[T any](v T) *T { return &v }

// TestStringRules: each rule of a string field, alone and in the order a field fails on.
func TestStringRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, tag, value string
		want             string // the code, "" when the value is fine
	}{
		{"required empty", "required", "", apperr.CodeRequired},
		{"required given", "required", "x", ""},
		{"optional empty", "max=3", "", ""},
		{"max counts characters, not bytes", "max=3", "été", ""},
		{"max exceeded", "max=3", "abcd", apperr.CodeTooLong},
		{"min short", "min=3", "ab", apperr.CodeTooShort},
		{"min met", "min=3", "abc", ""},
		{"text allows newline and tab", "text", "a\n\tb", ""},
		{"text refuses a control character", "text", "a\rb", apperr.CodeInvalid},
		{"text refuses DEL", "text", "a\x7fb", apperr.CodeInvalid},
		{"text refuses bytes that are not UTF-8", "text", "a\xffb", apperr.CodeInvalid},
		{"line refuses newline", "line", "a\nb", apperr.CodeInvalid},
		{"line allows plain text", "line", "Amina Wanjiru", ""},
		{"oneof allows a listed value", "oneof=male female", "female", ""},
		{"oneof refuses another", "oneof=male female", "x", apperr.CodeInvalid},
		{"oneof leaves an absent value to required", "oneof=male female", "", ""},
		{"too long before control characters", "max=2,text", "a\rbc", apperr.CodeTooLong},
		{"money", "money", "12.50", ""},
		{"money whole", "money", "1250", ""},
		{"money zero", "money", "0.00", ""},
		{"money empty is required", "money", "", apperr.CodeRequired},
		{"money negative", "money", "-1.00", apperr.CodeOutOfRange},
		{"money three decimals", "money", "1.005", apperr.CodeInvalid},
		{"money not a number", "money", "12,50", apperr.CodeInvalid},
		{"money largest", "money", validate.MaxMoney, ""},
		{"money too large", "money", "10000000000", apperr.CodeOutOfRange},
		{"money positive refuses zero", "money=positive", "0.00", apperr.CodeOutOfRange},
		{"money positive allows a cent", "money=positive", "0.01", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, err := validate.Parse(tc.tag)
			if err != nil {
				t.Fatal(err)
			}
			var f apperr.Fields
			r.String(&f, "f", tc.value)
			checkOne(t, f, tc.want)
		})
	}
}

// TestIntRules: required and ranges of a number.
func TestIntRules(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		tag   string
		value int64
		want  string
	}{
		{"required", 0, apperr.CodeRequired},
		{"required", 5, ""},
		{"min=0,max=130", 0, ""},
		{"min=0,max=130", 130, ""},
		{"min=0,max=130", 131, apperr.CodeOutOfRange},
		{"min=0,max=130", -1, apperr.CodeOutOfRange},
		{"required,min=-10,max=10", 0, apperr.CodeRequired},
		{"required,min=-10,max=10", -10, ""},
		{"required,min=-10,max=10", -11, apperr.CodeOutOfRange},
		{"max=3", 4, apperr.CodeOutOfRange},
	} {
		r, err := validate.Parse(tc.tag)
		if err != nil {
			t.Fatal(err)
		}
		var f apperr.Fields
		r.Int(&f, "n", tc.value)
		checkOne(t, f, tc.want)
	}
}

func checkOne(t *testing.T, f apperr.Fields, want string) {
	t.Helper()
	switch {
	case want == "" && len(f) > 0:
		t.Errorf("got %v, want no error", f)
	case want != "" && (len(f) != 1 || f[0].Code != want || f[0].Message == ""):
		t.Errorf("got %v, want one %s error with a message", f, want)
	}
}

// TestParseRefusesUnknownRules: a typo in a tag is an error, never a rule silently ignored.
func TestParseRefusesUnknownRules(t *testing.T) {
	t.Parallel()
	for _, tag := range []string{"requird", "max", "max=ten", "oneof=", "money=free", "text=1"} {
		if _, err := validate.Parse(tag); err == nil {
			t.Errorf("Parse(%q) accepted it", tag)
		}
	}
}

type inner struct {
	Quantity int64  `json:"quantity" validate:"min=1,max=5"`
	Note     string `json:"note,omitempty" validate:"max=3"`
}

type base struct {
	Name string `json:"name" validate:"required,max=5,line"`
}

type create struct {
	base
	Gender  string  `json:"gender" validate:"oneof=m f"`
	Age     *int    `json:"age,omitempty" validate:"min=0,max=130"`
	Items   []inner `json:"items"`
	Skipped string  `json:"-" validate:"required"`
	Free    string  `json:"free"`
}

type edit struct {
	Name   *string `json:"name,omitempty"`
	Gender *string `json:"gender,omitempty"`
	Own    *string `json:"own,omitempty" validate:"max=1"`
}

func (edit) LimitsFrom() any { return create{} }

// TestStruct: embedded fields flattened, nested fields named by their path, nil pointers left
// alone, json:"-" skipped, and an edit borrowing the rules of what it edits.
func TestStruct(t *testing.T) {
	t.Parallel()
	got := validate.Struct(create{
		base:   base{Name: "toolong"},
		Gender: "x",
		Age:    ptr(131),
		Items:  []inner{{Quantity: 1}, {Quantity: 9, Note: "abcd"}},
	})
	want := map[string]string{
		"name": apperr.CodeTooLong, "gender": apperr.CodeInvalid, "age": apperr.CodeOutOfRange,
		"items.1.quantity": apperr.CodeOutOfRange, "items.1.note": apperr.CodeTooLong,
	}
	if !reflect.DeepEqual(codes(got), want) {
		t.Errorf("create: got %v, want %v", codes(got), want)
	}
	if got := validate.Struct(create{base: base{Name: "ok"}, Items: []inner{{Quantity: 1}}}); len(got) != 0 {
		t.Errorf("a valid create: %v", got)
	}
	if got := validate.Struct(&edit{}); len(got) != 0 {
		t.Errorf("an empty edit changes nothing, so nothing is wrong: %v", got)
	}
	got = validate.Struct(edit{Name: ptr(""), Gender: ptr("f"), Own: ptr("ab")})
	want = map[string]string{"name": apperr.CodeRequired, "own": apperr.CodeTooLong}
	if !reflect.DeepEqual(codes(got), want) {
		t.Errorf("edit: got %v, want %v", codes(got), want)
	}
}

func codes(f apperr.Fields) map[string]string {
	m := map[string]string{}
	for _, e := range f {
		m[e.Field] = e.Code
	}
	return m
}

// TestSchema: the keywords the OpenAPI document gets from the rules, and the rules an edit
// borrows.
func TestSchema(t *testing.T) {
	t.Parallel()
	field := func(v any, name string) map[string]any {
		t.Helper()
		typ := reflect.TypeOf(v)
		sf, ok := typ.FieldByName(name)
		if !ok {
			t.Fatalf("no field %s", name)
		}
		r, err := validate.Field(typ, sf)
		if err != nil {
			t.Fatal(err)
		}
		k := sf.Type.Kind()
		if k == reflect.Pointer {
			k = sf.Type.Elem().Kind()
		}
		return r.Schema(k)
	}
	for _, tc := range []struct {
		v    any
		name string
		want map[string]any
	}{
		{base{}, "Name", map[string]any{"minLength": 1, "maxLength": int64(5)}},
		{create{}, "Gender", map[string]any{"enum": []string{"m", "f"}}},
		{create{}, "Age", map[string]any{"minimum": int64(0), "maximum": int64(130)}},
		{create{}, "Free", nil},
		{edit{}, "Name", map[string]any{"minLength": 1, "maxLength": int64(5)}},
		{edit{}, "Own", map[string]any{"maxLength": int64(1)}},
		{struct {
			P string `validate:"money"`
		}{}, "P", map[string]any{"pattern": `^[0-9]+(\.[0-9]{1,2})?$`}},
	} {
		if got := field(tc.v, tc.name); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%T.%s: got %v, want %v", tc.v, tc.name, got, tc.want)
		}
	}
}

// TestText is the run-time form of required,max=N,text.
func TestText(t *testing.T) {
	t.Parallel()
	var f apperr.Fields
	validate.Text(&f, "q", strings.Repeat("x", 11), false, 10)
	validate.Text(&f, "r", "", true, 10)
	validate.Text(&f, "s", "fine", true, 10)
	if want := map[string]string{"q": apperr.CodeTooLong, "r": apperr.CodeRequired}; !reflect.DeepEqual(codes(f), want) {
		t.Errorf("got %v, want %v", codes(f), want)
	}
}

func TestTrim(t *testing.T) {
	t.Parallel()
	a, b := " \tAmina\n", "Otieno"
	var absent *string
	validate.Trim(&a, absent, &b)
	if a != "Amina" || b != "Otieno" || absent != nil {
		t.Errorf("Trim: %q %q %v", a, b, absent)
	}
}
