// Package stats holds the benches' summaries of measured latencies.
package stats

import (
	"slices"
	"time"
)

// Pct is the p-quantile (0 <= p <= 1; 1: the largest) of d in milliseconds: the element at
// index p*len(d) of d sorted, the last for p = 1 (d itself is left as it is); 0 when d is empty.
func Pct(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := slices.Clone(d)
	slices.Sort(s)
	return float64(s[min(len(s)-1, int(p*float64(len(s))))].Microseconds()) / 1000
}
