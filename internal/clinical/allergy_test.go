package clinical

import "testing"

func TestAllergyWarnings(t *testing.T) {
	cases := []struct {
		allergies, medication, category string
		want                            int
	}{
		{"Penicillin", "Amoxicillin 500 mg", "Penicillins", 1},
		{"penicillin (rash)", "Benzylpenicillin", "", 1},
		{"Pénicilline", "Amoxicillin", "Pénicillines", 1}, // accents and French plural
		{"sulfa drugs; latex", "Sulfamethoxazole/trimethoprim", "Sulfonamides", 1},
		{"allergic to NSAIDs", "Ibuprofen", "NSAIDs", 1},
		{"Penicillin, aspirin", "Aspirin", "Penicillins", 2}, // both entries match
		{"None", "Amoxicillin", "Penicillins", 0},
		{"NKDA", "Paracetamol", "Analgesics", 0},
		{"", "Amoxicillin", "Penicillins", 0},
		{"peanuts", "Amoxicillin", "Penicillins", 0},
		{"penicillin", "Paracetamol", "Analgesics", 0},
		{"ab", "Abacavir", "Antiretrovirals", 0}, // too short to mean anything
	}
	for _, c := range cases {
		got := AllergyWarnings(c.allergies, c.medication, c.category)
		if len(got) != c.want {
			t.Errorf("AllergyWarnings(%q, %q, %q) = %q, want %d warning(s)", c.allergies, c.medication, c.category, got, c.want)
		}
	}
}
