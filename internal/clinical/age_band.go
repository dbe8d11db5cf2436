package clinical

import (
	"strings"
	"time"
)

// AgeBands are the names of the vitals' age bands, youngest first ("newborn", "infant",
// "toddler", "child_3_5", "child_6_9", "child_10_11", "adolescent", "adult"): other domains
// (the laboratory's reference ranges) key their ranges by them, so a patient is in the same
// band everywhere.
var AgeBands = func() []string {
	out := make([]string, len(bands))
	for i, b := range bands {
		out[i] = strings.TrimPrefix(b.name, "band.")
	}
	return out
}()

// AgeBandAt is the index in AgeBands of the band of a person born on birth, at t.
func AgeBandAt(birth, t time.Time) int {
	b := bandOf(AgeAt(birth, t))
	for i, x := range bands {
		if x.name == b.name {
			return i
		}
	}
	return len(bands) - 1
}
