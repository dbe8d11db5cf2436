// Package clinical owns the consultation: encounters, vitals and prescriptions. This file holds
// the rules of a vitals reading, which do not need the database: physiological limits (refused
// outside), the normal adult ranges (accepted, flagged), the clinic's units and the BMI.
package clinical

import (
	"fmt"
	"math"

	"chelal/internal/apperr"
)

// Units are the clinic's units for what nurses type; vitals are stored in °C and kg.
type Units struct {
	Temperature string `json:"temperature"` // "C" (default) or "F"
	Weight      string `json:"weight"`      // "kg" (default) or "lb"
}

// VitalsInput is a reading as typed, in the clinic's units. Height is always in cm. A BMI from
// the client is never taken (ClientBMI is ignored).
type VitalsInput struct {
	SystolicBP       *int     `json:"systolic_bp"`
	DiastolicBP      *int     `json:"diastolic_bp"`
	HeartRate        *int     `json:"heart_rate"`
	RespiratoryRate  *int     `json:"respiratory_rate"`
	Temperature      *float64 `json:"temperature"`
	OxygenSaturation *float64 `json:"oxygen_saturation"`
	Height           *float64 `json:"height,omitempty"`
	Weight           *float64 `json:"weight,omitempty"`
	// ClientBMI is accepted so that a client sending a BMI is not refused, and never used:
	// the server computes the BMI from height and weight.
	ClientBMI *float64 `json:"bmi,omitempty" doc:"Ignored: the server computes the BMI from height and weight."`
}

// Vitals is a reading in canonical units (°C, kg, cm), rounded as stored, with its BMI.
type Vitals struct {
	SystolicBP       int      `json:"systolic_bp"`
	DiastolicBP      int      `json:"diastolic_bp"`
	HeartRate        int      `json:"heart_rate"`
	RespiratoryRate  int      `json:"respiratory_rate"`
	Temperature      float64  `json:"temperature"`
	OxygenSaturation float64  `json:"oxygen_saturation"`
	Height           *float64 `json:"height"`
	Weight           *float64 `json:"weight"`
	BMI              *float64 `json:"bmi"`
}

// Flag marks a value outside the normal adult range: accepted, but to be looked at.
type Flag struct {
	Field   string `json:"field"`
	Level   string `json:"level"` // "low" or "high"
	Message string `json:"message"`
}

// limit is a field's physiological limits (refused outside) and normal adult range (flagged).
type limit struct {
	field              string
	min, max           float64
	normalLo, normalHi float64
	unit               string
}

var limits = map[string]limit{
	"systolic_bp":       {"systolic_bp", 50, 300, 90, 140, "mmHg"},
	"diastolic_bp":      {"diastolic_bp", 20, 200, 60, 90, "mmHg"},
	"heart_rate":        {"heart_rate", 20, 300, 60, 100, "/min"},
	"respiratory_rate":  {"respiratory_rate", 4, 80, 12, 20, "/min"},
	"temperature":       {"temperature", 30, 45, 36.0, 37.5, "°C"},
	"oxygen_saturation": {"oxygen_saturation", 50, 100, 95, 100, "%"},
	"height":            {"height", 20, 250, 0, math.Inf(1), "cm"},
	"weight":            {"weight", 0.3, 400, 0, math.Inf(1), "kg"},
	"bmi":               {"bmi", 0, math.Inf(1), 18.5, 25, "kg/m²"},
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// Normalize converts a reading to canonical units, refuses what cannot be a living person's
// value (every bad field at once), computes the BMI from height and weight, and flags the
// values outside the normal adult range.
func (in VitalsInput) Normalize(u Units) (Vitals, []Flag, error) {
	var f apperr.Fields
	var v Vitals
	required := func(field string, p any) bool {
		missing := false
		switch x := p.(type) {
		case *int:
			missing = x == nil
		case *float64:
			missing = x == nil
		}
		if missing {
			f.Add(field, apperr.CodeRequired, "This value is required.")
		}
		return !missing
	}
	check := func(field string, val float64) bool {
		l := limits[field]
		if math.IsNaN(val) || val < l.min || val > l.max {
			f.Add(field, apperr.CodeOutOfRange, fmt.Sprintf("Must be between %g and %g %s.", l.min, l.max, l.unit))
			return false
		}
		return true
	}
	if required("systolic_bp", in.SystolicBP) && check("systolic_bp", float64(*in.SystolicBP)) {
		v.SystolicBP = *in.SystolicBP
	}
	if required("diastolic_bp", in.DiastolicBP) && check("diastolic_bp", float64(*in.DiastolicBP)) {
		v.DiastolicBP = *in.DiastolicBP
		if v.SystolicBP != 0 && v.DiastolicBP >= v.SystolicBP {
			f.Add("diastolic_bp", apperr.CodeOutOfRange, "The diastolic pressure must be below the systolic.")
		}
	}
	if required("heart_rate", in.HeartRate) && check("heart_rate", float64(*in.HeartRate)) {
		v.HeartRate = *in.HeartRate
	}
	if required("respiratory_rate", in.RespiratoryRate) && check("respiratory_rate", float64(*in.RespiratoryRate)) {
		v.RespiratoryRate = *in.RespiratoryRate
	}
	if required("temperature", in.Temperature) {
		t := *in.Temperature
		switch u.Temperature {
		case "", "C":
		case "F":
			t = (t - 32) * 5 / 9
		default:
			return v, nil, fmt.Errorf("temperature unit %q is not C or F", u.Temperature)
		}
		if t = round(t, 1); check("temperature", t) {
			v.Temperature = t
		}
	}
	if required("oxygen_saturation", in.OxygenSaturation) && check("oxygen_saturation", *in.OxygenSaturation) {
		v.OxygenSaturation = round(*in.OxygenSaturation, 2)
	}
	if in.Height != nil {
		if h := round(*in.Height, 1); check("height", h) {
			v.Height = &h
		}
	}
	if in.Weight != nil {
		w := *in.Weight
		switch u.Weight {
		case "", "kg":
		case "lb":
			w *= 0.45359237
		default:
			return v, nil, fmt.Errorf("weight unit %q is not kg or lb", u.Weight)
		}
		if w = round(w, 1); check("weight", w) {
			v.Weight = &w
		}
	}
	if err := f.Err(); err != nil {
		return Vitals{}, nil, err
	}
	if v.Height != nil && v.Weight != nil {
		m := *v.Height / 100
		bmi := round(*v.Weight/(m*m), 1)
		v.BMI = &bmi
	}
	return v, flags(v), nil
}

// flags lists the values outside the normal adult range.
func flags(v Vitals) []Flag {
	var out []Flag
	add := func(field string, val float64) {
		l := limits[field]
		switch {
		case val < l.normalLo:
			out = append(out, Flag{field, "low", fmt.Sprintf("Below the normal adult range (%g-%g %s).", l.normalLo, l.normalHi, l.unit)})
		case val > l.normalHi:
			out = append(out, Flag{field, "high", fmt.Sprintf("Above the normal adult range (%g-%g %s).", l.normalLo, l.normalHi, l.unit)})
		}
	}
	add("systolic_bp", float64(v.SystolicBP))
	add("diastolic_bp", float64(v.DiastolicBP))
	add("heart_rate", float64(v.HeartRate))
	add("respiratory_rate", float64(v.RespiratoryRate))
	add("temperature", v.Temperature)
	add("oxygen_saturation", v.OxygenSaturation)
	if v.BMI != nil {
		add("bmi", *v.BMI)
	}
	return out
}
