package server

import (
	"fmt"
	"testing"
	"time"
)

// visitEncounter opens an encounter for patient (the doctor's walk-in encounter: the clinic's
// one doctor has one walk-in slot per minute) and returns its vitals path.
func (c *clinic) visitEncounter(t *testing.T, patient map[string]any) string {
	t.Helper()
	enc := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": patient["id"], "notes": "Seen at triage."}), 201)
	return fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(enc))
}

// flagsOf is a vitals record's flags, field -> level.
func flagsOf(v map[string]any) map[string]string {
	out := map[string]string{}
	for _, f := range v["flags"].([]any) {
		m := f.(map[string]any)
		out[m["field"].(string)] = m["level"].(string)
	}
	return out
}

// TestPartialVitals: a nurse records only what she measured (a weight, a temperature); a
// reading needs one measure; the BMI needs height and weight; the trend and the timeline cope
// with the missing values.
func TestPartialVitals(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	path := c.visitEncounter(t, c.patient)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		check  func(t *testing.T, v map[string]any)
	}{
		{"weight alone", map[string]any{"weight": 64}, 201, func(t *testing.T, v map[string]any) {
			if v["weight"] != 64.0 || v["bmi"] != nil || v["systolic_bp"] != nil || v["temperature"] != nil || v["heart_rate"] != nil {
				t.Errorf("weight alone stored as %v", v)
			}
		}},
		{"temperature alone, a fever", map[string]any{"temperature": 38.6}, 201, func(t *testing.T, v map[string]any) {
			if f := flagsOf(v); v["temperature"] != 38.6 || len(f) != 1 || f["temperature"] != "high" {
				t.Errorf("temperature alone: %v, flags %v", v, f)
			}
		}},
		{"height and weight give a BMI", map[string]any{"height": 170, "weight": 65}, 201, func(t *testing.T, v map[string]any) {
			if v["bmi"] != 22.5 {
				t.Errorf("BMI %v, want 22.5", v["bmi"])
			}
		}},
		{"height alone, no BMI", map[string]any{"height": 170, "bmi": 30}, 201, func(t *testing.T, v map[string]any) {
			if v["bmi"] != nil {
				t.Errorf("BMI %v without a weight", v["bmi"])
			}
		}},
		{"nothing measured", map[string]any{}, 422, nil},
		{"only nulls", map[string]any{"weight": nil, "temperature": nil}, 422, nil},
		{"half a blood pressure", map[string]any{"systolic_bp": 120}, 422, nil},
	}
	stored := 0
	for _, tc := range cases {
		w := c.nurse.do("POST", path, tc.body)
		v := expect(t, w, tc.status)
		if tc.status == 201 {
			stored++
			tc.check(t, v)
		}
	}
	trend := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/patients/%d/vitals", idOf(c.patient)), nil), 200)["items"].([]any)
	if len(trend) != stored {
		t.Fatalf("trend has %d readings, want %d", len(trend), stored)
	}
	if first := trend[0].(map[string]any); first["weight"] != 64.0 || first["temperature"] != nil {
		t.Errorf("trend's first reading: %v", first)
	}
	tl := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/patients/%d/timeline", idOf(c.patient)), nil), 200)["items"].([]any)
	titles := map[string]bool{}
	for _, it := range tl {
		if m := it.(map[string]any); m["kind"] == "vitals" {
			titles[m["title"].(string)] = true
		}
	}
	if !titles["Weight 64.0 kg"] || !titles["T 38.6 °C"] || len(titles) < 2 {
		t.Errorf("timeline titles of partial readings: %v", titles)
	}
}

// TestRegistrationByAge: a patient whose birth date is unknown is registered by age; the birth
// date is derived and kept as estimated; an edit with a real date makes it known; the age's
// bad values are refused.
func TestRegistrationByAge(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	today := time.Now()
	near := func(t *testing.T, p map[string]any, want time.Time) {
		t.Helper()
		dob, err := time.Parse(time.DateOnly, p["date_of_birth"].(string))
		if err != nil {
			t.Fatal(err)
		}
		if d := dob.Sub(time.Date(want.Year(), want.Month(), want.Day(), 0, 0, 0, 0, time.UTC)); d < -72*time.Hour || d > 72*time.Hour {
			t.Errorf("birth date %s, want about %s", p["date_of_birth"], want.Format(time.DateOnly))
		}
		if p["birth_date_estimated"] != true {
			t.Errorf("birth_date_estimated %v, want true", p["birth_date_estimated"])
		}
	}
	reg := func(over map[string]any) map[string]any {
		b := map[string]any{"first_name": "Juma", "last_name": "Hassan", "gender": "male", "confirm_duplicate": true}
		for k, v := range over {
			b[k] = v
		}
		return b
	}
	adult := expect(t, c.desk.do("POST", "/api/v1/patients", reg(map[string]any{"age_years": 34})), 201)
	near(t, adult, today.AddDate(-34, 0, 0))
	infant := expect(t, c.desk.do("POST", "/api/v1/patients", reg(map[string]any{"first_name": "Neema", "age_months": 8})), 201)
	near(t, infant, today.AddDate(0, -8, 0))
	toddler := expect(t, c.desk.do("POST", "/api/v1/patients", reg(map[string]any{"first_name": "Baraka", "age_years": 1, "age_months": 6})), 201)
	near(t, toddler, today.AddDate(-1, -6, 0))
	if chart := expect(t, c.desk.do("GET", fmt.Sprintf("/api/v1/patients/%d", idOf(adult)), nil), 200); chart["birth_date_estimated"] != true {
		t.Errorf("chart: %v", chart)
	}
	if c.patient["birth_date_estimated"] != false {
		t.Errorf("a patient registered with a birth date: estimated %v", c.patient["birth_date_estimated"])
	}

	bad := []struct {
		name  string
		body  map[string]any
		field string
	}{
		{"both a date and an age", reg(map[string]any{"age_years": 3, "date_of_birth": "2020-01-01"}), "date_of_birth"},
		{"neither", reg(nil), "date_of_birth"},
		{"too old", reg(map[string]any{"age_years": 131}), "age_years"},
		{"negative", reg(map[string]any{"age_years": -1}), "age_years"},
		{"months too many", reg(map[string]any{"age_months": 60}), "age_months"},
		{"not a number", reg(map[string]any{"age_years": "seven"}), "age_years"},
	}
	for _, b := range bad {
		m := expect(t, c.desk.do("POST", "/api/v1/patients", b.body), 422)
		if !hasFieldError(m, b.field, "") {
			t.Errorf("%s: no error on %s: %v", b.name, b.field, m)
		}
	}

	// The real date found later: the record is no longer estimated.
	edited := expect(t, c.desk.do("PATCH", fmt.Sprintf("/api/v1/patients/%d", idOf(adult)),
		map[string]any{"date_of_birth": "1991-03-14", "version": adult["version"]}), 200)
	if edited["birth_date_estimated"] != false || edited["date_of_birth"] != "1991-03-14" {
		t.Errorf("after entering the real date: %v", edited)
	}
	// Another edit leaves an estimated date estimated.
	edited = expect(t, c.desk.do("PATCH", fmt.Sprintf("/api/v1/patients/%d", idOf(infant)),
		map[string]any{"address": "Moshi", "version": infant["version"]}), 200)
	if edited["birth_date_estimated"] != true {
		t.Errorf("an address edit made the estimated date known: %v", edited)
	}
}

// TestChildVitalsFlaggedByAge: the same heart and respiratory rates are normal for a child of
// 7 registered by age, and high for an adult.
func TestChildVitalsFlaggedByAge(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	child := expect(t, c.desk.do("POST", "/api/v1/patients", map[string]any{"first_name": "Zawadi", "last_name": "Ali",
		"gender": "female", "age_years": 7, "confirm_duplicate": true}), 201)
	reading := map[string]any{"heart_rate": 105, "respiratory_rate": 24, "temperature": 36.9}
	v := expect(t, c.nurse.do("POST", c.visitEncounter(t, child), reading), 201)
	if f := flagsOf(v); len(f) != 0 {
		t.Errorf("a 7-year-old's HR 105, RR 24 flagged: %v", v["flags"])
	}
	list := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/patients/%d/vitals", idOf(child)), nil), 200)["items"].([]any)
	if f := flagsOf(list[0].(map[string]any)); len(f) != 0 {
		t.Errorf("the child's trend flags: %v", f)
	}
	v = expect(t, c.nurse.do("POST", c.visitEncounter(t, c.patient), reading), 201)
	if f := flagsOf(v); f["heart_rate"] != "high" || f["respiratory_rate"] != "high" || len(f) != 2 {
		t.Errorf("an adult's HR 105, RR 24: flags %v, want both high", v["flags"])
	}
}
