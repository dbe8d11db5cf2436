package server

import (
	"reflect"
	"slices"
	"testing"

	"chelal/internal/apperr"
)

// TestBadValues: every text with a NUL and every id, *_id and version outside int4 is named,
// however deep; other integers and clean text pass.
func TestBadValues(t *testing.T) {
	t.Parallel()
	type line struct {
		ServiceID int64  `json:"service_id"`
		Quantity  int64  `json:"quantity"`
		Note      string `json:"note"`
	}
	type body struct {
		ID        int64          `json:"id"`
		PatientID *int64         `json:"patient_id,omitempty"`
		Version   uint64         `json:"version"`
		Name      string         `json:"name"`
		Items     []line         `json:"items"`
		Prefs     map[string]any `json:"preferences"`
		Raw       []byte         `json:"raw"`
		Skipped   string         `json:"-"`
		hidden    string
	}
	big := int64(1) << 31
	for _, tc := range []struct {
		name string
		in   body
		want []string
	}{
		{"clean", body{ID: 2147483647, PatientID: new(int64), Version: 3, Name: "Amina 💊", Items: []line{{1, 1 << 40, "ok"}},
			Prefs: map[string]any{"theme": "dark"}, Raw: []byte{0}, Skipped: "\x00", hidden: "\x00"}, nil},
		{"ids past int4", body{ID: big, PatientID: &big, Version: 1 << 63, Items: []line{{}, {ServiceID: -big - 1}}},
			[]string{"id", "patient_id", "version", "items.1.service_id"}},
		{"NUL in text", body{Name: "a\x00", Items: []line{{Note: "\x00"}}, Prefs: map[string]any{"k\x00": 1, "list": []any{"\x00"}}},
			[]string{"name", "items.0.note", `preferences."k\x00"`, "preferences.list.0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var fe []apperr.FieldError
			badValues(reflect.ValueOf(&tc.in), "", &fe)
			var bad []string
			for _, e := range fe {
				bad = append(bad, e.Field)
			}
			slices.Sort(bad)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(bad, want) {
				t.Errorf("bad fields %q, want %q", bad, want)
			}
		})
	}
}
