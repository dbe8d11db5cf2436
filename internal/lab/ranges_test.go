package lab_test

import (
	"testing"
	"time"

	"chelal/internal/lab"
)

func ptr(v float64) *float64 { return &v }

// hb is the seeded haemoglobin's definition (migration 0033).
var hb = lab.Test{Unit: "g/dL", CriticalLow: ptr(7), CriticalHigh: ptr(20), Ranges: []lab.Range{
	{Sex: "any", Band: "newborn", Lo: 14, Hi: 22}, {Sex: "any", Band: "infant", Lo: 9.5, Hi: 13.5},
	{Sex: "any", Band: "toddler", Lo: 11, Hi: 14}, {Sex: "any", Band: "child_6_9", Lo: 11.5, Hi: 15.5},
	{Sex: "any", Band: "adolescent", Lo: 12, Hi: 16}, {Sex: "male", Band: "adolescent", Lo: 12, Hi: 16.5},
	{Sex: "any", Band: "adult", Lo: 12, Hi: 16}, {Sex: "female", Band: "adult", Lo: 12, Hi: 15.5},
	{Sex: "male", Band: "adult", Lo: 13, Hi: 17},
}}

func TestRangesBySexAndAgeBand(t *testing.T) {
	at := time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)
	born := func(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }
	cases := []struct {
		name      string
		sex       string
		birth     time.Time
		v         float64
		flag, ref string
	}{
		{"adult man at his low limit", "male", born(1980, 1, 1), 13, "", "13-17 g/dL"},
		{"adult man just below", "male", born(1980, 1, 1), 12.9, "low", "13-17 g/dL"},
		{"adult woman at 12.9 is normal", "female", born(1980, 1, 1), 12.9, "", "12-15.5 g/dL"},
		{"adult woman above her high limit", "female", born(1980, 1, 1), 15.6, "high", "12-15.5 g/dL"},
		{"other sex: the any range", "other", born(1980, 1, 1), 16.5, "high", "12-16 g/dL"},
		// 18 years to the day: adult; the day before: adolescent.
		{"man turning 18 today: adult range", "male", born(2008, 6, 15), 12.5, "low", "13-17 g/dL"},
		{"man 18 tomorrow: adolescent range", "male", born(2008, 6, 16), 12.5, "", "12-16.5 g/dL"},
		{"child of 3 (toddler's range holds to 6)", "female", born(2023, 6, 15), 10.9, "low", "11-14 g/dL"},
		{"child of 6 today", "female", born(2020, 6, 15), 11.2, "low", "11.5-15.5 g/dL"},
		{"newborn 27 days", "male", born(2026, 5, 19), 13.9, "low", "14-22 g/dL"},
		{"infant 28 days", "male", born(2026, 5, 18), 13.9, "high", "9.5-13.5 g/dL"},
		{"critical low below 7", "female", born(1980, 1, 1), 6.9, "critical_low", "12-15.5 g/dL"},
		{"7 exactly is low, not critical", "female", born(1980, 1, 1), 7, "low", "12-15.5 g/dL"},
		{"critical high above 20", "male", born(1980, 1, 1), 20.1, "critical_high", "13-17 g/dL"},
	}
	for _, c := range cases {
		flag, ref := hb.Evaluate(c.v, lab.Patient{Sex: c.sex, BirthDate: c.birth, At: at})
		if flag != c.flag || ref != c.ref {
			t.Errorf("%s: %v -> %q %q, want %q %q", c.name, c.v, flag, ref, c.flag, c.ref)
		}
	}
	// No range: only the critical limits flag.
	glu := lab.Test{Unit: "mmol/L", CriticalLow: ptr(2.5)}
	if f, ref := glu.Evaluate(2.4, lab.Patient{Sex: "male", BirthDate: born(1990, 1, 1), At: at}); f != "critical_low" || ref != "" {
		t.Errorf("no range: %q %q", f, ref)
	}
	rdt := lab.Test{Choices: []string{"negative", "positive"}, AbnormalChoices: []string{"positive"}}
	if rdt.EvaluateChoice("positive") != "abnormal" || rdt.EvaluateChoice("negative") != "" {
		t.Error("choice flags")
	}
}
