package clinical

import (
	"strings"
	"testing"
	"time"

	"chelal/internal/apperr"
)

func ip(v int) *int         { return &v }
func fp(v float64) *float64 { return &v }

// reading is the day the tests' readings are taken.
var reading = time.Date(2026, 6, 15, 10, 0, 0, 0, time.UTC)

// aged is a patient of the given sex aged years and months (and days) at reading.
func aged(sex string, years, months, days int) Subject {
	return Subject{BirthDate: time.Date(2026-years, time.Month(6-months), 15-days, 0, 0, 0, 0, time.UTC), Sex: sex, At: reading}
}

var adult = aged("female", 40, 0, 0)

func normal() VitalsInput {
	return VitalsInput{SystolicBP: ip(120), DiastolicBP: ip(80), HeartRate: ip(72), RespiratoryRate: ip(16),
		Temperature: fp(36.8), OxygenSaturation: fp(98), Height: fp(175), Weight: fp(70)}
}

func TestNormalReadingHasABMIAndNoFlags(t *testing.T) {
	t.Parallel()
	v, err := normal().Normalize(Units{})
	if err != nil {
		t.Fatal(err)
	}
	flags := Flags(v, adult)
	if v.BMI == nil || *v.BMI != 22.9 {
		t.Fatalf("BMI %v, want 22.9 (70 kg, 1.75 m)", v.BMI)
	}
	if len(flags) != 0 {
		t.Fatalf("flags on a normal reading: %v", flags)
	}
}

func TestUnitsAreStoredCanonically(t *testing.T) {
	t.Parallel()
	in := normal()
	in.Temperature, in.Weight = fp(98.6), fp(154.3)
	v, err := in.Normalize(Units{Temperature: "F", Weight: "lb"})
	if err != nil {
		t.Fatal(err)
	}
	if *v.Temperature != 37.0 || *v.Weight != 70.0 {
		t.Fatalf("98.6 °F, 154.3 lb stored as %v °C, %v kg; want 37.0 and 70.0", *v.Temperature, *v.Weight)
	}
	if _, err := in.Normalize(Units{Temperature: "K"}); err == nil {
		t.Fatal("an unknown unit was accepted")
	}
}

func TestImpossibleValuesAreRefusedAllAtOnce(t *testing.T) {
	t.Parallel()
	cases := map[string]VitalsInput{}
	set := func(name string, f func(*VitalsInput)) {
		in := normal()
		f(&in)
		cases[name] = in
	}
	set("systolic_bp", func(in *VitalsInput) { in.SystolicBP = ip(49) })
	set("diastolic_bp", func(in *VitalsInput) { in.DiastolicBP = ip(120) }) // not below systolic 120
	set("heart_rate", func(in *VitalsInput) { in.HeartRate = ip(301) })
	set("respiratory_rate", func(in *VitalsInput) { in.RespiratoryRate = ip(3) })
	set("temperature", func(in *VitalsInput) { in.Temperature = fp(45.1) })
	set("oxygen_saturation", func(in *VitalsInput) { in.OxygenSaturation = fp(101) })
	set("height", func(in *VitalsInput) { in.Height = fp(19) })
	set("weight", func(in *VitalsInput) { in.Weight = fp(0.2) })
	for field, in := range cases {
		_, err := in.Normalize(Units{})
		fields := apperr.FieldsOf(err)
		if len(fields) != 1 || fields[0].Field != field || fields[0].Code != apperr.CodeOutOfRange {
			t.Errorf("%s: %v, want one out_of_range error on it", field, fields)
		}
	}
	_, err := VitalsInput{}.Normalize(Units{})
	if got := len(apperr.FieldsOf(err)); got != 8 || apperr.FieldsOf(err)[0].Code != apperr.CodeRequired {
		t.Errorf("an empty reading: %v, want each of the 8 measures required (at least one)", apperr.FieldsOf(err))
	}
	// The limits themselves are accepted: a neonate's weight, a 300 beats/min tachycardia.
	edge := normal()
	edge.Weight, edge.HeartRate, edge.OxygenSaturation = fp(0.3), ip(300), fp(50)
	if _, err := edge.Normalize(Units{}); err != nil {
		t.Errorf("values at the limits: %v", err)
	}
}

func TestAbnormalValuesAreFlagged(t *testing.T) {
	t.Parallel()
	in := normal()
	in.SystolicBP, in.HeartRate, in.Temperature, in.OxygenSaturation, in.Weight = ip(165), ip(48), fp(39.2), fp(91), fp(110)
	v, err := in.Normalize(Units{})
	if err != nil {
		t.Fatal(err)
	}
	flags := Flags(v, adult)
	want := map[string]string{"systolic_bp": "high", "heart_rate": "low", "temperature": "high", "oxygen_saturation": "low", "bmi": "high"}
	got := map[string]string{}
	for _, f := range flags {
		got[f.Field] = f.Level
	}
	for field, level := range want {
		if got[field] != level {
			t.Errorf("%s: flagged %q, want %q (flags %v)", field, got[field], level, flags)
		}
	}
	if len(got) != len(want) {
		t.Errorf("flags %v, want exactly %v", got, want)
	}
}

func TestPartialReadings(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      VitalsInput
		bmi     *float64
		invalid string // the field refused, if any
	}{
		{name: "weight alone", in: VitalsInput{Weight: fp(12.4)}},
		{name: "temperature alone", in: VitalsInput{Temperature: fp(37.2)}},
		{name: "oxygen saturation alone", in: VitalsInput{OxygenSaturation: fp(97)}},
		{name: "height and weight give a BMI", in: VitalsInput{Height: fp(100), Weight: fp(16)}, bmi: fp(16)},
		{name: "height alone, no BMI", in: VitalsInput{Height: fp(100)}},
		{name: "systolic without diastolic", in: VitalsInput{SystolicBP: ip(110)}, invalid: "diastolic_bp"},
		{name: "diastolic without systolic", in: VitalsInput{DiastolicBP: ip(70)}, invalid: "systolic_bp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := c.in.Normalize(Units{})
			if c.invalid != "" {
				if f := apperr.FieldsOf(err); len(f) != 1 || f[0].Field != c.invalid {
					t.Fatalf("errors %v, want one on %s", f, c.invalid)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (v.BMI == nil) != (c.bmi == nil) || (v.BMI != nil && *v.BMI != *c.bmi) {
				t.Fatalf("BMI %v, want %v", v.BMI, c.bmi)
			}
			if v.HeartRate != nil || (c.in.Temperature == nil) != (v.Temperature == nil) {
				t.Fatalf("a measure not taken was given a value: %+v", v)
			}
			if f := Flags(v, aged("male", 4, 0, 0)); len(f) != 0 {
				t.Fatalf("flags on a partial normal reading: %v", f)
			}
		})
	}
}

// TestFlagsByAgeBand: each band's normal values are not flagged, and values normal for one age
// are flagged at another (PALS 2020 ranges; see bands).
func TestFlagsByAgeBand(t *testing.T) {
	t.Parallel()
	type want map[string]string // field -> "low"/"high"
	cases := []struct {
		name string
		who  Subject
		in   VitalsInput
		want want
	}{
		{"7-year-old: HR 105, RR 24 are normal", aged("male", 7, 0, 0),
			VitalsInput{HeartRate: ip(105), RespiratoryRate: ip(24), Temperature: fp(36.9), OxygenSaturation: fp(98)}, want{}},
		{"adult: HR 105, RR 24 are high", adult,
			VitalsInput{HeartRate: ip(105), RespiratoryRate: ip(24)}, want{"heart_rate": "high", "respiratory_rate": "high"}},
		{"newborn: HR 150, RR 45 normal; 36.2 °C is low", aged("female", 0, 0, 10),
			VitalsInput{HeartRate: ip(150), RespiratoryRate: ip(45), Temperature: fp(36.2)}, want{"temperature": "low"}},
		{"newborn: HR 90 is low", aged("female", 0, 0, 10),
			VitalsInput{HeartRate: ip(90)}, want{"heart_rate": "low"}},
		{"infant of 6 months: HR 140, RR 40, BP 90/50 normal", aged("male", 0, 6, 0),
			VitalsInput{HeartRate: ip(140), RespiratoryRate: ip(40), SystolicBP: ip(90), DiastolicBP: ip(50)}, want{}},
		{"infant of 6 months: RR 60 is high", aged("male", 0, 6, 0),
			VitalsInput{RespiratoryRate: ip(60)}, want{"respiratory_rate": "high"}},
		{"toddler of 2: HR 130, RR 30 normal; RR 40 high", aged("female", 2, 0, 0),
			VitalsInput{HeartRate: ip(130), RespiratoryRate: ip(40)}, want{"respiratory_rate": "high"}},
		{"child of 4: HR 125 is high", aged("female", 4, 0, 0),
			VitalsInput{HeartRate: ip(125)}, want{"heart_rate": "high"}},
		{"child of 7: BP 95/55 low for the age, normal for an adult is 90-140", aged("male", 7, 0, 0),
			VitalsInput{SystolicBP: ip(95), DiastolicBP: ip(55)}, want{"systolic_bp": "low", "diastolic_bp": "low"}},
		{"child of 11: BP 118/78 normal", aged("male", 11, 0, 0),
			VitalsInput{SystolicBP: ip(118), DiastolicBP: ip(78)}, want{}},
		{"adolescent of 15: HR 55 low, SpO2 93 low", aged("female", 15, 0, 0),
			VitalsInput{HeartRate: ip(55), OxygenSaturation: fp(93)}, want{"heart_rate": "low", "oxygen_saturation": "low"}},
		{"adult of 18: BP 135/85 normal", aged("male", 18, 0, 0),
			VitalsInput{SystolicBP: ip(135), DiastolicBP: ip(85)}, want{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := c.in.Normalize(Units{})
			if err != nil {
				t.Fatal(err)
			}
			got := want{}
			for _, f := range Flags(v, c.who) {
				got[f.Field] = f.Level
				if !strings.Contains(f.Message, "normal range") {
					t.Errorf("message %q does not say which range", f.Message)
				}
			}
			if len(got) != len(c.want) {
				t.Fatalf("flags %v, want %v", got, c.want)
			}
			for field, level := range c.want {
				if got[field] != level {
					t.Fatalf("flags %v, want %v", got, c.want)
				}
			}
		})
	}
}

// TestBMIForAge: a child's BMI is judged by WHO BMI-for-age z-scores, not by the adult 18.5-25;
// under two years it is not judged at all.
func TestBMIForAge(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		who    Subject
		bmi    float64
		level  string // "" no flag
		reason string // in the message
	}{
		{"infant of 10 months, BMI 14: no BMI flag under 2 years", aged("male", 0, 10, 0), 14, "", ""},
		{"infant of 18 months, BMI 22: still no BMI flag", aged("female", 1, 6, 0), 22, "", ""},
		{"boy of 3, BMI 15.6 (the median): normal, though under the adult 18.5", aged("male", 3, 0, 0), 15.6, "", ""},
		{"boy of 3, BMI 12.5 (z about -2.6): thinness", aged("male", 3, 0, 0), 12.5, "low", "Thinness"},
		{"girl of 4, BMI 19 (z about +2.2): overweight under 5 (> +2)", aged("female", 4, 0, 0), 19, "high", "Overweight"},
		{"girl of 4, BMI 21 (z about +3.2): obesity under 5 (> +3)", aged("female", 4, 0, 0), 21, "high", "Obesity"},
		{"boy of 10, BMI 16.4 (the median): normal", aged("male", 10, 0, 0), 16.4, "", ""},
		{"boy of 10, BMI 19 (z about +1.3): overweight from 5 (> +1)", aged("male", 10, 0, 0), 19, "high", "Overweight"},
		{"boy of 10, BMI 23 (z about +2.6): obesity from 5 (> +2)", aged("male", 10, 0, 0), 23, "high", "Obesity"},
		{"girl of 15, BMI 15 (z about -2.3): thinness", aged("female", 15, 0, 0), 15, "low", "Thinness"},
		{"girl of 15, BMI 20.2 (the median): normal", aged("female", 15, 0, 0), 20.2, "", ""},
		{"sex unknown, boy 10 BMI 23 for both references: flagged", aged("unknown", 10, 0, 0), 23, "high", "Obesity"},
		{"adult of 30, BMI 27: adult cut-off", aged("male", 30, 0, 0), 27, "high", "adult"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			bmi := c.bmi
			var got *Flag
			for _, f := range Flags(Vitals{BMI: &bmi}, c.who) {
				if f.Field == "bmi" {
					got = &f
				}
			}
			switch {
			case c.level == "" && got != nil:
				t.Fatalf("flagged %+v, want no BMI flag", *got)
			case c.level != "" && got == nil:
				t.Fatalf("no BMI flag, want %s (%s)", c.level, c.reason)
			case c.level != "" && (got.Level != c.level || !strings.Contains(got.Message, c.reason)):
				t.Fatalf("flag %+v, want %s with %q", *got, c.level, c.reason)
			}
		})
	}
}

func TestAgeAt(t *testing.T) {
	t.Parallel()
	born := time.Date(2024, 1, 31, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		at           time.Time
		months, days int
	}{
		{time.Date(2024, 1, 31, 23, 0, 0, 0, time.UTC), 0, 0},
		{time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), 0, 29},
		{time.Date(2024, 3, 31, 0, 0, 0, 0, time.UTC), 2, 60},
		{time.Date(2026, 1, 30, 0, 0, 0, 0, time.UTC), 23, 730},
		{time.Date(2026, 1, 31, 0, 0, 0, 0, time.UTC), 24, 731},
	}
	for _, c := range cases {
		if a := AgeAt(born, c.at); a.Months != c.months || a.Days != c.days {
			t.Errorf("age at %s: %+v, want %d months, %d days", c.at, a, c.months, c.days)
		}
	}
}
