package diagnoses

import "testing"

func TestOneTypo(t *testing.T) {
	for _, tc := range []struct {
		w, t string
		want bool
	}{
		{"hypertention", "hypertension", true}, // a wrong letter
		{"paludysme", "paludisme", true},
		{"palduisme", "paludisme", true},  // two swapped
		{"paludsme", "paludisme", true},   // one missing
		{"paludiisme", "paludisme", true}, // one added
		{"infectieuze", "infectieuses", true},
		{"diabet", "diabete", true},
		{"hypertention", "hypotension", false}, // two apart
		{"malaria", "paludisme", false},
		{"toux", "taux", true},
		{"abcd", "ab", false},
	} {
		if got := oneTypo(tc.w, tc.t); got != tc.want {
			t.Errorf("oneTypo(%q, %q) = %v, want %v", tc.w, tc.t, got, tc.want)
		}
	}
}

func TestNormalizeCode(t *testing.T) {
	for in, want := range map[string]string{"b509": "B50.9", "B50.9": "B50.9", " j06 ": "J06", "a0": "A0", "Ωμέγα": "ΩΜΈ.ΓΑ"} {
		if got := NormalizeCode(in); got != want {
			t.Errorf("NormalizeCode(%q) = %q, want %q", in, got, want)
		}
	}
}
