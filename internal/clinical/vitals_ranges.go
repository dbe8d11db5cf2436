package clinical

import (
	"math"
	"time"

	"chelal/internal/i18n"
)

// Subject is what the flags of a reading need to know of the patient: the age at the reading
// (from the birth date, estimated or not) and the sex.
type Subject struct {
	BirthDate time.Time // a date (midnight UTC)
	Sex       string    // "male", "female", "other" or "unknown"
	At        time.Time // when the reading was taken
}

// Age is a completed age: whole months and, for the first month, days.
type Age struct {
	Days   int // days since birth
	Months int // completed months
}

// AgeAt is the completed age at t of a person born on birth (a date; t's calendar date in UTC
// is used, which is off by at most a day around midnight).
func AgeAt(birth, t time.Time) Age {
	y, m, d := t.UTC().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	by, bm, bd := birth.Date()
	born := time.Date(by, bm, bd, 0, 0, 0, 0, time.UTC)
	months := (y-by)*12 + int(m) - int(bm)
	if d < bd {
		months--
	}
	days := int(today.Sub(born).Hours() / 24)
	return Age{Days: max(days, 0), Months: max(months, 0)}
}

// band is an age band's normal ranges. lo/hi pairs; the band holds from its minimum age
// (inclusive) to the next band's.
//
// Sources, by column:
//   - heart rate (awake), respiratory rate, systolic and diastolic pressure, newborn to
//     adolescent: American Heart Association, Pediatric Advanced Life Support (PALS) Provider
//     Manual 2020, tables "Normal Heart Rates", "Normal Respiratory Rates" and "Normal Blood
//     Pressures" (the newborn's pressure is the 96-hour neonate's row; school age 6-9 y and
//     preadolescent 10-12 y have their own pressure rows and share the school-age rates).
//   - temperature: 36.5-37.5 °C for the newborn (WHO, Thermal protection of the newborn: a
//     practical guide, 1997); 36.0-37.5 °C from one month on, as for adults.
//   - oxygen saturation: 95 % and above at every age (WHO, Oxygen therapy for children, 2016,
//     takes below 90 % as hypoxaemia; the flag warns earlier, as for adults).
//   - adults: the clinic's usual adult ranges (systolic 90-140, diastolic 60-90 mmHg, heart
//     rate 60-100 /min, respiratory rate 12-20 /min).
//
// With these a 7-year-old's heart rate of 105 (school age 75-118) and respiratory rate of 24
// (18-25) are normal, where the adult ranges flagged both.
type band struct {
	name           string // the catalog key of its name, shown in the flag's message
	fromDays       int    // the band starts at this age in days (inclusive)
	fromMonths     int    // ... or in months, whichever is set (fromDays for the first month)
	hrLo, hrHi     float64
	rrLo, rrHi     float64
	sbpLo, sbpHi   float64
	dbpLo, dbpHi   float64
	tempLo, tempHi float64
}

var bands = []band{
	{"band.newborn", 0, 0, 100, 205, 30, 53, 67, 84, 35, 53, 36.5, 37.5},
	{"band.infant", 28, 0, 100, 180, 30, 53, 72, 104, 37, 56, 36.0, 37.5},
	{"band.toddler", 0, 12, 98, 140, 22, 37, 86, 106, 42, 63, 36.0, 37.5},
	{"band.child_3_5", 0, 36, 80, 120, 20, 28, 89, 112, 46, 72, 36.0, 37.5},
	{"band.child_6_9", 0, 72, 75, 118, 18, 25, 97, 115, 57, 76, 36.0, 37.5},
	{"band.child_10_11", 0, 120, 75, 118, 18, 25, 102, 120, 61, 80, 36.0, 37.5},
	{"band.adolescent", 0, 144, 60, 100, 12, 20, 110, 131, 64, 83, 36.0, 37.5},
	{"band.adult", 0, 216, 60, 100, 12, 20, 90, 140, 60, 90, 36.0, 37.5},
}

// bandOf is the age band of an age.
func bandOf(a Age) band {
	b := bands[0]
	for _, x := range bands[1:] {
		if (x.fromMonths > 0 && a.Months >= x.fromMonths) || (x.fromMonths == 0 && a.Days >= x.fromDays) {
			b = x
		}
	}
	return b
}

// Oxygen saturation below this is flagged at every age.
const spo2Low = 95

// Flags lists the values of a reading outside the normal range for the patient's age (see
// band) and, from two years on, a BMI-for-age outside the WHO cut-offs (see bmiFlag). Under two
// years the BMI is not flagged: the WHO judges an infant by weight-for-length instead. The
// messages are in English; FlagsIn writes them in another language.
func Flags(v Vitals, s Subject) []Flag { return FlagsIn(i18n.EN, v, s) }

// FlagsIn is Flags with the messages in l, numbers in l's format ("37,5" in French).
func FlagsIn(l i18n.Lang, v Vitals, s Subject) []Flag {
	age := AgeAt(s.BirthDate, s.At)
	b := bandOf(age)
	var out []Flag
	add := func(field string, val, lo, hi float64, unit string) {
		switch {
		case val < lo:
			out = append(out, Flag{field, "low", l.T("flag.below_band", "band", i18n.M(b.name), "lo", lo, "hi", hi, "unit", unit)})
		case val > hi:
			out = append(out, Flag{field, "high", l.T("flag.above_band", "band", i18n.M(b.name), "lo", lo, "hi", hi, "unit", unit)})
		}
	}
	if v.SystolicBP != nil {
		add("systolic_bp", float64(*v.SystolicBP), b.sbpLo, b.sbpHi, "mmHg")
	}
	if v.DiastolicBP != nil {
		add("diastolic_bp", float64(*v.DiastolicBP), b.dbpLo, b.dbpHi, "mmHg")
	}
	if v.HeartRate != nil {
		add("heart_rate", float64(*v.HeartRate), b.hrLo, b.hrHi, "/min")
	}
	if v.RespiratoryRate != nil {
		add("respiratory_rate", float64(*v.RespiratoryRate), b.rrLo, b.rrHi, "/min")
	}
	if v.Temperature != nil {
		add("temperature", *v.Temperature, b.tempLo, b.tempHi, "°C")
	}
	if v.OxygenSaturation != nil && *v.OxygenSaturation < spo2Low {
		out = append(out, Flag{"oxygen_saturation", "low", l.T("flag.spo2_low", "lo", spo2Low)})
	}
	if v.BMI != nil {
		if f, ok := bmiFlag(l, *v.BMI, age, s.Sex); ok {
			out = append(out, f)
		}
	}
	return out
}

// The adult BMI cut-offs (WHO): under 18.5 underweight, 25 and over overweight.
const adultBMILow, adultBMIHigh float64 = 18.5, 25

// bmiFlag judges a BMI by age. Under 24 months: no flag. 24-60 months, by the WHO Child
// Growth Standards' BMI-for-age z-score: below -2 thinness (wasted), above +2 overweight,
// above +3 obesity. 61 months to 19 years, by the WHO Growth Reference 2007: below -2
// thinness, above +1 overweight, above +2 obesity. From 19 years, the adult cut-offs. The
// reference is by sex: for a patient recorded as neither male nor female the flag is raised
// only when the boys' and the girls' references both call for it.
func bmiFlag(l i18n.Lang, bmi float64, age Age, sex string) (Flag, bool) {
	switch {
	case age.Months < 24:
		return Flag{}, false
	case age.Months >= 228:
		switch {
		case bmi < adultBMILow:
			return Flag{"bmi", "low", l.T("flag.bmi_adult_low", "lo", adultBMILow, "hi", adultBMIHigh)}, true
		case bmi > adultBMIHigh:
			return Flag{"bmi", "high", l.T("flag.bmi_adult_high", "lo", adultBMILow, "hi", adultBMIHigh)}, true
		}
		return Flag{}, false
	}
	var z float64
	switch sex {
	case "male":
		z = bmiZ(bmi, float64(age.Months), bmiForAgeBoys)
	case "female":
		z = bmiZ(bmi, float64(age.Months), bmiForAgeGirls)
	default:
		zb, zg := bmiZ(bmi, float64(age.Months), bmiForAgeBoys), bmiZ(bmi, float64(age.Months), bmiForAgeGirls)
		switch {
		case zb > 0 && zg > 0:
			z = math.Min(zb, zg)
		case zb < 0 && zg < 0:
			z = math.Max(zb, zg)
		}
	}
	over, obese, source := 1.0, 2.0, "source.who_reference"
	if age.Months <= 60 {
		over, obese, source = 2, 3, "source.who_standards"
	}
	bmiMsg := func(key string, cut float64) string {
		return l.T(key, "z", l.Number(z, 1), "cut", l.Signed(cut), "source", i18n.M(source))
	}
	switch {
	case z < -2:
		return Flag{"bmi", "low", bmiMsg("flag.bmi_thinness", -2)}, true
	case z > obese:
		return Flag{"bmi", "high", bmiMsg("flag.bmi_obesity", obese)}, true
	case z > over:
		return Flag{"bmi", "high", bmiMsg("flag.bmi_overweight", over)}, true
	}
	return Flag{}, false
}

// bmiZ is the BMI-for-age z-score at an age in months, L, M and S interpolated between the
// table's rows.
func bmiZ(bmi, months float64, table []lms) float64 {
	r := table[len(table)-1]
	for i := 1; i < len(table); i++ {
		if months <= table[i].months {
			a, b := table[i-1], table[i]
			t := math.Max(0, (months-a.months)/(b.months-a.months))
			r = lms{months, a.l + t*(b.l-a.l), a.m + t*(b.m-a.m), a.s + t*(b.s-a.s)}
			break
		}
	}
	if r.l == 0 {
		return math.Log(bmi/r.m) / r.s
	}
	return (math.Pow(bmi/r.m, r.l) - 1) / (r.l * r.s)
}
