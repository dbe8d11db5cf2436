package clinical

import (
	"testing"

	"chelal/internal/apperr"
)

func ip(v int) *int         { return &v }
func fp(v float64) *float64 { return &v }

func normal() VitalsInput {
	return VitalsInput{SystolicBP: ip(120), DiastolicBP: ip(80), HeartRate: ip(72), RespiratoryRate: ip(16),
		Temperature: fp(36.8), OxygenSaturation: fp(98), Height: fp(175), Weight: fp(70)}
}

func TestNormalReadingHasABMIAndNoFlags(t *testing.T) {
	t.Parallel()
	v, flags, err := normal().Normalize(Units{})
	if err != nil {
		t.Fatal(err)
	}
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
	v, _, err := in.Normalize(Units{Temperature: "F", Weight: "lb"})
	if err != nil {
		t.Fatal(err)
	}
	if v.Temperature != 37.0 || *v.Weight != 70.0 {
		t.Fatalf("98.6 °F, 154.3 lb stored as %v °C, %v kg; want 37.0 and 70.0", v.Temperature, *v.Weight)
	}
	if _, _, err := in.Normalize(Units{Temperature: "K"}); err == nil {
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
		_, _, err := in.Normalize(Units{})
		fields := apperr.FieldsOf(err)
		if len(fields) != 1 || fields[0].Field != field || fields[0].Code != apperr.CodeOutOfRange {
			t.Errorf("%s: %v, want one out_of_range error on it", field, fields)
		}
	}
	_, _, err := VitalsInput{}.Normalize(Units{})
	if got := len(apperr.FieldsOf(err)); got != 6 {
		t.Errorf("an empty reading: %d field errors, want the 6 required fields", got)
	}
	// The limits themselves are accepted: a neonate's weight, a 300 beats/min tachycardia.
	edge := normal()
	edge.Weight, edge.HeartRate, edge.OxygenSaturation = fp(0.3), ip(300), fp(50)
	if _, _, err := edge.Normalize(Units{}); err != nil {
		t.Errorf("values at the limits: %v", err)
	}
}

func TestAbnormalValuesAreFlagged(t *testing.T) {
	t.Parallel()
	in := normal()
	in.SystolicBP, in.HeartRate, in.Temperature, in.OxygenSaturation, in.Weight = ip(165), ip(48), fp(39.2), fp(91), fp(110)
	_, flags, err := in.Normalize(Units{})
	if err != nil {
		t.Fatal(err)
	}
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
