package patients

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestEditChangesOnlyTheFieldsSent(t *testing.T) {
	t.Parallel()
	cur := Demographics{FirstName: "Amina", LastName: "Wanjiru", DateOfBirth: "1990-05-12", Gender: "female",
		ContactInfo: "0712", Address: "Moshi", KnownAllergies: "penicillin"}
	for _, tc := range []struct {
		name, body string
		want       Demographics
	}{
		{"one field", `{"version": 3, "address": "Arusha"}`, func() Demographics { d := cur; d.Address = "Arusha"; return d }()},
		{"null leaves a field alone", `{"version": 3, "first_name": null, "known_allergies": ""}`,
			func() Demographics { d := cur; d.KnownAllergies = ""; return d }()},
		{"nothing", `{"version": 3, "birth_date_estimated": true}`, cur},
	} {
		var e EditParams
		if err := json.Unmarshal([]byte(tc.body), &e); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		got, err := e.apply(cur)
		if err != nil || got != tc.want || e.Version != 3 {
			t.Errorf("%s: %+v (version %d), %v; want %+v", tc.name, got, e.Version, err, tc.want)
		}
	}
	var e EditParams
	if err := json.Unmarshal([]byte(`{"version": 1, "nick_name": "x"}`), &e); err == nil || !strings.Contains(err.Error(), "unknown field") {
		t.Errorf("an unknown field: %v, want refused", err)
	}
	// Built in Go, the demographics replace the record's.
	whole := Demographics{FirstName: "Zuhura", LastName: "Said", DateOfBirth: "2001-01-01", Gender: "female"}
	if got, _ := (EditParams{Version: 1, Demographics: whole}).apply(cur); got != whole {
		t.Errorf("a Go edit: %+v, want %+v", got, whole)
	}
}
