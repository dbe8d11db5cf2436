package clinical

import (
	"strings"
	"testing"
	"time"

	"chelal/internal/i18n"
)

// prescriptionEnglish are the English words a prescription prints (labels, not data).
var prescriptionEnglish = []string{"Prescription", "Date", "Patient", "Age", "sex", "about", "years", "female",
	"Known allergies", "Prescriber", "Medication", "Dose", "Frequency", "Duration", "Qty", "ALLERGY WARNING",
	"Prescribed despite it", "DISCONTINUED", "do not dispense", "December", "No medication was prescribed"}

// TestPrescriptionPDFLanguages: the prescription printed in French and in Swahili has none of
// the English words (the same render in English has them all, so the list is the right one),
// and the PDF is made.
func TestPrescriptionPDFLanguages(t *testing.T) {
	t.Parallel()
	nairobi := time.FixedZone("EAT", 3*3600)
	stopped := time.Date(2026, 12, 2, 9, 15, 0, 0, time.UTC)
	data := prescriptionPrint{
		enc: Encounter{PatientName: "Amina Otieno", PatientUniqueID: "P-000123", KnownAllergies: "Pénicilline",
			DoctorName: "Dr Juma Were", CreatedAt: time.Date(2026, 12, 2, 8, 30, 0, 0, time.UTC)},
		items: []Prescription{
			{MedicationName: "Amoxicilline", Strength: "500 mg", Form: "gélule", Dosage: "500 mg", Frequency: "3×/j", Duration: "7 j",
				Quantity: 21, AllergyWarning: "Pénicilline ~ Amoxicilline", AllergyOverrideReason: "Tolérée en 2024"},
			{MedicationName: "Paracétamol", Dosage: "1 g", Frequency: "3×/j", Duration: "3 j", Quantity: 9,
				DiscontinuedAt: &stopped, DiscontinueReason: "Fièvre tombée"},
		},
		clinic: "Kliniki Afya", dob: time.Date(1990, 4, 2, 0, 0, 0, 0, time.UTC), estimated: true, gender: "female", loc: nairobi,
	}
	empty := data
	empty.items = nil
	text := func(l i18n.Lang) string {
		return prescriptionDoc(l, data).Text() + "\n" + prescriptionDoc(l, empty).Text()
	}
	if missing := len(prescriptionEnglish) - len(i18n.EnglishLeft(text(i18n.EN), prescriptionEnglish, nil)); missing != 0 {
		t.Fatalf("the English prescription lacks %d of the listed words: %q", missing, text(i18n.EN))
	}
	for _, tc := range []struct {
		lang    i18n.Lang
		allowed []string // words the language shares with English
		want    []string // bits of the translation, in their format
	}{
		{i18n.FR, []string{"Date", "Patient"}, []string{"Ordonnance", "2 décembre 2026, 11:30", "environ 36 ans, féminin", "ARRÊTÉ le 2 décembre 2026, 12:15"}},
		{i18n.SW, nil, []string{"Agizo la dawa", "2 Desemba 2026, 11:30", "takriban miaka 36, mwanamke", "ONYO LA MZIO"}},
	} {
		t.Run(string(tc.lang), func(t *testing.T) {
			t.Parallel()
			got := text(tc.lang)
			if left := i18n.EnglishLeft(got, prescriptionEnglish, tc.allowed); len(left) > 0 {
				t.Errorf("English left in the %s prescription: %q\n%s", tc.lang, left, got)
			}
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("%s prescription lacks %q:\n%s", tc.lang, w, got)
				}
			}
			if pdf, err := prescriptionDoc(tc.lang, data).Bytes(); err != nil || len(pdf) < 1000 {
				t.Errorf("PDF: %d bytes, %v", len(pdf), err)
			}
		})
	}
}

// TestAllergyWarningsLanguages: the allergy warnings a French prescriber reads (and that are
// kept with the prescription they confirm) are in French.
func TestAllergyWarningsLanguages(t *testing.T) {
	t.Parallel()
	fr := AllergyWarningsIn(i18n.FR, "Pénicilline (éruption)", "Amoxicillin", "Penicillins")
	if len(fr) != 1 || fr[0] != "Le patient est allergique à « penicilline », qui désigne la catégorie Penicillins de Amoxicillin." {
		t.Errorf("French warnings: %q", fr)
	}
	en := FreeTextWarnings("Penicillin", "Amoxicillin 500 mg", []CatalogMedication{{Name: "Amoxicillin", Category: "Penicillins"}})
	if len(en) != 1 || en[0] != `The patient is allergic to "penicillin", which matches Amoxicillin's category Penicillins.` {
		t.Errorf("English warnings: %q", en)
	}
}
