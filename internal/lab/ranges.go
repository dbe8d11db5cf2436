package lab

import (
	"slices"
	"strconv"
	"time"

	"chelal/internal/clinical"
)

// Flags of a result.
const (
	FlagNone         = ""
	FlagLow          = "low"
	FlagHigh         = "high"
	FlagCriticalLow  = "critical_low"
	FlagCriticalHigh = "critical_high"
	FlagAbnormal     = "abnormal"
)

// Critical says whether a flag calls the doctor at once.
func Critical(flag string) bool { return flag == FlagCriticalLow || flag == FlagCriticalHigh }

// Patient is what a result's flag depends on: the sex and the birth date, at the time of the
// result.
type Patient struct {
	Sex       string
	BirthDate time.Time
	At        time.Time
}

// RangeFor is the reference range of t for p, and whether there is one: of the ranges whose
// band p has reached and whose sex is p's or "any", the latest band's, p's sex before "any".
func (t Test) RangeFor(p Patient) (Range, bool) {
	band := clinical.AgeBandAt(p.BirthDate, p.At)
	best, bestBand, found := Range{}, -1, false
	for _, r := range t.Ranges {
		b := slices.Index(clinical.AgeBands, r.Band)
		if b < 0 || b > band || (r.Sex != "any" && r.Sex != p.Sex) {
			continue
		}
		if b > bestBand || (b == bestBand && r.Sex != "any") {
			best, bestBand, found = r, b, true
		}
	}
	return best, found
}

// Evaluate flags a numeric value of t for p and says the range it was checked against
// ("12-15.5 g/dL"): critical below CriticalLow or above CriticalHigh, else low or high outside
// the range (its limits are normal).
func (t Test) Evaluate(v float64, p Patient) (flag, reference string) {
	r, ok := t.RangeFor(p)
	if ok {
		reference = num(r.Lo) + "-" + num(r.Hi)
		if t.Unit != "" {
			reference += " " + t.Unit
		}
	}
	switch {
	case t.CriticalLow != nil && v < *t.CriticalLow:
		return FlagCriticalLow, reference
	case t.CriticalHigh != nil && v > *t.CriticalHigh:
		return FlagCriticalHigh, reference
	case ok && v < r.Lo:
		return FlagLow, reference
	case ok && v > r.Hi:
		return FlagHigh, reference
	}
	return FlagNone, reference
}

// EvaluateChoice flags a choice value that is one of the test's abnormal ones.
func (t Test) EvaluateChoice(v string) string {
	if slices.Contains(t.AbnormalChoices, v) {
		return FlagAbnormal
	}
	return FlagNone
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
