package clinical

import (
	"strings"
	"testing"
	"time"

	"chelal/internal/i18n"
)

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

func TestFreeTextWarnings(t *testing.T) {
	t.Parallel()
	catalog := []CatalogMedication{
		{ID: 1, Name: "Amoxicillin", Category: "Penicillins"},
		{ID: 2, Name: "Paracetamol", Category: "Analgesics"},
		{ID: 3, Name: "Co-trimoxazole", Category: "Sulfa antibiotics"},
		{ID: 4, Name: "Ibuprofen", Category: "NSAIDs"},
	}
	cases := []struct {
		allergies, text string
		want            int
	}{
		{"Penicillin", "Amoxicillin 500 mg", 1},                 // the catalog's category
		{"penicillin", "AMOXICILLIN 500mg caps", 1},             // case
		{"Pénicilline", "amoxicilline 500 mg", 1},               // accents, French name: the catalog name is its start
		{"penicillins", "Amoxi 250 mg syrup", 1},                // a typed beginning of the name
		{"Penicillin", "Benzylpenicillin injection", 1},         // the allergy word in the text itself
		{"sulfa", "co trimoxazole 960 mg", 1},                   // a name of two words
		{"Aspirin; NSAIDs", "ibuprofen 400", 1},                 // the category names the allergy
		{"Penicillin", "Paracetamol 1 g", 0},                    // unrelated
		{"Penicillin", "Amox", 0},                               // four letters are too few to guess
		{"None", "Amoxicillin 500 mg", 0},                       // no allergy
		{"Penicillin", "Clamoxyl 500", 0},                       // not at a word's start
		{"Penicillin, amoxicillin", "Amoxicillin 500 mg", 2},    // each allergy entry once
		{"Penicillin", "Paracetamol and amoxicillin 500 mg", 1}, // anywhere in the text
	}
	for _, c := range cases {
		got := FreeTextWarnings(c.allergies, c.text, catalog)
		if len(got) != c.want {
			t.Errorf("FreeTextWarnings(%q, %q) = %q, want %d warning(s)", c.allergies, c.text, got, c.want)
		}
	}
}

// The printed prescription (and its PDF) carries the allergy override and a discontinuation in
// full, as the dispensing queue does.
func TestPrescriptionRowsShowOverrideAndDiscontinuation(t *testing.T) {
	t.Parallel()
	stopped := time.Date(2026, 11, 30, 9, 15, 0, 0, time.UTC)
	long := "The patient is allergic to \"penicillin\", which matches Amoxicillin's category Penicillins."
	rows := prescriptionRows(i18n.EN, []Prescription{
		{MedicationName: "Amoxicillin", Strength: "500 mg", Dosage: "500 mg", Frequency: "tds", Quantity: 15,
			AllergyWarning: long, AllergyOverrideReason: "Tolerated in 2024"},
		{MedicationName: "Paracetamol", Dosage: "1 g", Frequency: "tds", Quantity: 12, DiscontinuedAt: &stopped, DiscontinueReason: "Fever gone"},
	}, time.UTC)
	if len(rows) != 2 {
		t.Fatalf("rows %q", rows)
	}
	if !strings.Contains(rows[0][0], long) || !strings.Contains(rows[0][0], "Tolerated in 2024") {
		t.Errorf("override not printed in full: %q", rows[0][0])
	}
	if !strings.Contains(rows[1][0], "DISCONTINUED 30 November 2026, 09:15: Fever gone") {
		t.Errorf("discontinuation not printed: %q", rows[1][0])
	}
}

// TestGenericNameAllergy: a brand in the catalog whose generic name is the allergy warns, by
// free text naming the brand or by the catalog medication itself; without the generic name
// (the catalog before 0030) the same prescription passes unwarned.
func TestGenericNameAllergy(t *testing.T) {
	t.Parallel()
	augmentin := CatalogMedication{ID: 7, Name: "Augmentin", Category: "Antibiotics", GenericName: "Amoxicillin/clavulanate"}
	noGeneric := augmentin
	noGeneric.GenericName = ""
	cases := []struct {
		name, allergies, text string
		catalog               CatalogMedication
		want                  int
	}{
		{"brand names its generic", "Amoxicillin (rash)", "Augmentin 625 mg", augmentin, 1},
		{"accents and case", "AMOXICILLINE", "augmentin 1 g", augmentin, 1},
		{"typed as the generic", "Amoxicillin", "amoxicillin/clavulanate 625", augmentin, 1},
		{"without the generic name", "Amoxicillin (rash)", "Augmentin 625 mg", noGeneric, 0},
		{"unrelated allergy", "Sulfa", "Augmentin 625 mg", augmentin, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := FreeTextWarnings(c.allergies, c.text, []CatalogMedication{c.catalog})
			if len(got) != c.want {
				t.Errorf("FreeTextWarnings(%q, %q) = %q, want %d warning(s)", c.allergies, c.text, got, c.want)
			}
			if c.want > 0 && c.catalog.GenericName != "" && !strings.Contains(got[0], c.catalog.GenericName) && !strings.Contains(strings.ToLower(got[0]), "amoxicillin") {
				t.Errorf("warning %q does not say what matched", got[0])
			}
		})
	}
	if got := CatalogAllergyWarningsIn(i18n.FR, "amoxicilline", augmentin); len(got) != 1 || !strings.Contains(got[0], "nom générique Amoxicillin/clavulanate") {
		t.Errorf("catalog Augmentin, French: %q", got)
	}
	if got := AllergyWarnings("amoxicillin", "Augmentin", "Antibiotics"); len(got) != 0 {
		t.Errorf("without the generic name the name alone warns: %q", got)
	}
}
