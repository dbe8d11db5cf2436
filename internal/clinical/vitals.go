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

// Vitals is a reading in canonical units (°C, kg, cm), rounded as stored, with its BMI. A nurse
// records what she measured: any measure may be missing (nil), but not all of them.
type Vitals struct {
	SystolicBP       *int     `json:"systolic_bp"`
	DiastolicBP      *int     `json:"diastolic_bp"`
	HeartRate        *int     `json:"heart_rate"`
	RespiratoryRate  *int     `json:"respiratory_rate"`
	Temperature      *float64 `json:"temperature"`
	OxygenSaturation *float64 `json:"oxygen_saturation"`
	Height           *float64 `json:"height"`
	Weight           *float64 `json:"weight"`
	BMI              *float64 `json:"bmi"`
}

// Flag marks a value outside the normal range for the patient's age: accepted, but to be
// looked at.
type Flag struct {
	Field   string `json:"field"`
	Level   string `json:"level"` // "low" or "high"
	Message string `json:"message"`
}

// limit is a field's physiological limits: outside, a value is a typing error and refused.
type limit struct {
	min, max float64
	unit     string
}

var limits = map[string]limit{
	"systolic_bp":       {50, 300, "mmHg"},
	"diastolic_bp":      {20, 200, "mmHg"},
	"heart_rate":        {20, 300, "/min"},
	"respiratory_rate":  {4, 80, "/min"},
	"temperature":       {30, 45, "°C"},
	"oxygen_saturation": {50, 100, "%"},
	"height":            {20, 250, "cm"},
	"weight":            {0.3, 400, "kg"},
}

func round(v float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(v*p) / p
}

// measureFields are the measures of a reading, in the order of the form.
var measureFields = []string{"systolic_bp", "diastolic_bp", "heart_rate", "respiratory_rate", "temperature", "oxygen_saturation", "height", "weight"}

// Validate reports every bad field of a reading at once, in the clinic's units u: what
// Normalize refuses.
func (in VitalsInput) Validate(u Units) error {
	_, err := in.Normalize(u)
	return err
}

// Normalize converts a reading to canonical units, refuses what cannot be a living person's
// value (every bad field at once) and a reading without any measure, and computes the BMI when
// both height and weight are there. A blood pressure is both pressures or neither. The flags
// need the patient's age and sex: see Flags.
func (in VitalsInput) Normalize(u Units) (Vitals, error) {
	var f apperr.Fields
	var v Vitals
	check := func(field string, val float64) bool {
		l := limits[field]
		if math.IsNaN(val) || val < l.min || val > l.max {
			f.Add(field, apperr.CodeOutOfRange, fmt.Sprintf("Must be between %g and %g %s.", l.min, l.max, l.unit))
			return false
		}
		return true
	}
	integer := func(field string, p *int, dst **int) {
		if p != nil && check(field, float64(*p)) {
			x := *p
			*dst = &x
		}
	}
	if in.SystolicBP == nil && in.DiastolicBP == nil && in.HeartRate == nil && in.RespiratoryRate == nil &&
		in.Temperature == nil && in.OxygenSaturation == nil && in.Height == nil && in.Weight == nil {
		for _, field := range measureFields {
			f.Add(field, apperr.CodeRequired, "Record at least one measure.")
		}
		return Vitals{}, f.Err()
	}
	switch {
	case in.SystolicBP == nil && in.DiastolicBP != nil:
		f.Add("systolic_bp", apperr.CodeRequired, "A blood pressure needs both the systolic and the diastolic value.")
	case in.SystolicBP != nil && in.DiastolicBP == nil:
		f.Add("diastolic_bp", apperr.CodeRequired, "A blood pressure needs both the systolic and the diastolic value.")
	}
	integer("systolic_bp", in.SystolicBP, &v.SystolicBP)
	integer("diastolic_bp", in.DiastolicBP, &v.DiastolicBP)
	if v.SystolicBP != nil && v.DiastolicBP != nil && *v.DiastolicBP >= *v.SystolicBP {
		f.Add("diastolic_bp", apperr.CodeOutOfRange, "The diastolic pressure must be below the systolic.")
	}
	integer("heart_rate", in.HeartRate, &v.HeartRate)
	integer("respiratory_rate", in.RespiratoryRate, &v.RespiratoryRate)
	if in.Temperature != nil {
		t := *in.Temperature
		switch u.Temperature {
		case "", "C":
		case "F":
			t = (t - 32) * 5 / 9
		default:
			return Vitals{}, fmt.Errorf("temperature unit %q is not C or F", u.Temperature)
		}
		if t = round(t, 1); check("temperature", t) {
			v.Temperature = &t
		}
	}
	if in.OxygenSaturation != nil && check("oxygen_saturation", *in.OxygenSaturation) {
		o := round(*in.OxygenSaturation, 2)
		v.OxygenSaturation = &o
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
			return Vitals{}, fmt.Errorf("weight unit %q is not kg or lb", u.Weight)
		}
		if w = round(w, 1); check("weight", w) {
			v.Weight = &w
		}
	}
	if err := f.Err(); err != nil {
		return Vitals{}, err
	}
	if v.Height != nil && v.Weight != nil {
		m := *v.Height / 100
		bmi := round(*v.Weight/(m*m), 1)
		v.BMI = &bmi
	}
	return v, nil
}
