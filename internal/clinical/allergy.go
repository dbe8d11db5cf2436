package clinical

import (
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"

	"chelal/internal/i18n"
)

// fold lowers s and strips its accents, so "Pénicilline" and "penicilline" compare equal.
func fold(s string) string {
	t := transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn)), norm.NFC)
	out, _, err := transform.String(t, strings.ToLower(s))
	if err != nil {
		return strings.ToLower(s)
	}
	return out
}

// noAllergy are what a receptionist types when the patient has none.
var noAllergy = map[string]bool{
	"none": true, "nil": true, "nka": true, "nkda": true, "no known allergies": true,
	"no known drug allergies": true, "no allergies": true, "unknown": true, "n/a": true,
}

// allergyTerms splits a patient's free-text allergies into the substances named: "Penicillin;
// sulfa drugs (rash)" gives [penicillin] and [sulfa drugs, sulfa] (each entry with its first
// word as a fallback). Words shorter than three letters and "none"-like entries are dropped.
func allergyTerms(known string) [][]string {
	var terms [][]string
	split := strings.FieldsFunc(fold(known), func(r rune) bool {
		return r == ',' || r == ';' || r == '\n' || r == '\r' || r == '/' || r == '|' || r == '(' || r == ')'
	})
	for _, part := range split {
		part = strings.TrimSpace(part)
		for _, p := range []string{"allergic to ", "allergy to ", "allergies: ", "allergy: "} {
			part = strings.TrimPrefix(part, p)
		}
		part = strings.TrimSuffix(strings.TrimSuffix(part, " allergy"), " allergies")
		part = strings.Trim(part, " .:-")
		if len([]rune(part)) < 3 || noAllergy[part] {
			continue
		}
		t := []string{part}
		if first, _, ok := strings.Cut(part, " "); ok && len([]rune(first)) >= 4 {
			t = append(t, first)
		}
		terms = append(terms, t)
	}
	return terms
}

// singular drops a plural s: "penicillins" -> "penicillin", "nsaids" -> "nsaid".
func singular(s string) string {
	if len(s) > 4 && strings.HasSuffix(s, "s") && !strings.HasSuffix(s, "ss") {
		return s[:len(s)-1]
	}
	return s
}

// AllergyWarnings lists how a medication (its name, and its catalog category when known) matches
// the patient's known allergies, one warning per allergy entry: a term contained in the name or
// category ("penicillin" in the category "Penicillins"), or the category contained in a term.
// Empty when nothing matches. The warnings are in English; AllergyWarningsIn writes them in
// another language.
func AllergyWarnings(knownAllergies, medication, category string) []string {
	return AllergyWarningsIn(i18n.EN, knownAllergies, medication, category)
}

// AllergyWarningsIn is AllergyWarnings in language l (the prescriber's: the warnings are shown
// to them and kept with a prescription they confirm).
func AllergyWarningsIn(l i18n.Lang, knownAllergies, medication, category string) []string {
	return render(l, allergyMatches(knownAllergies, medication, "", category))
}

// CatalogAllergyWarningsIn is AllergyWarningsIn for a catalog medication: its generic name is
// matched as well, so a patient allergic to amoxicillin is warned of "Augmentin" when the
// catalog gives its generic name as amoxicillin/clavulanate.
func CatalogAllergyWarningsIn(l i18n.Lang, knownAllergies string, m CatalogMedication) []string {
	return render(l, allergyMatches(knownAllergies, m.Name, m.GenericName, m.Category))
}

func render(l i18n.Lang, ms []allergyMatch) []string {
	var out []string
	for _, m := range ms {
		out = append(out, l.Render(m.warning))
	}
	return out
}

// allergyMatch is one allergy entry that a medication matches, and the warning saying how.
type allergyMatch struct {
	entry   string
	warning i18n.Msg
}

// allergyMatches matches each allergy entry against a medication's name, its generic name (when
// known) and its category.
func allergyMatches(knownAllergies, medication, generic, category string) []allergyMatch {
	name, gen, cat := fold(medication), fold(generic), fold(category)
	var out []allergyMatch
	for _, entry := range allergyTerms(knownAllergies) {
		for _, term := range entry {
			t := singular(term)
			var what i18n.Msg
			switch {
			case strings.Contains(name, t):
				what = i18n.M("allergy.matches_name", "allergy", entry[0], "medication", medication)
			case gen != "" && (strings.Contains(gen, t) || containsWordOf(term, gen)):
				what = i18n.M("allergy.matches_generic", "allergy", entry[0], "medication", medication, "generic", generic)
			case cat != "" && strings.Contains(cat, t):
				what = i18n.M("allergy.matches_category", "allergy", entry[0], "medication", medication, "category", category)
			case len(cat) >= 4 && strings.Contains(term, singular(cat)):
				what = i18n.M("allergy.names_category", "allergy", entry[0], "medication", medication, "category", category)
			default:
				continue
			}
			out = append(out, allergyMatch{entry[0], what})
			break
		}
	}
	return out
}

// containsWordOf reports whether term contains one of the words (five letters or more) of a
// generic name: "amoxicilline" (French) contains "amoxicillin" of "amoxicillin/clavulanate".
func containsWordOf(term, generic string) bool {
	for _, w := range words(generic) {
		if len([]rune(w)) >= 5 && strings.Contains(term, w) {
			return true
		}
	}
	return false
}

// CatalogMedication is what the allergy check knows of a catalog medication: its name, its
// category and its generic name (since migration 0030; empty when the catalog does not give
// it), in loadCatalog's column order.
type CatalogMedication struct {
	ID          int64
	Name        string
	Category    string
	GenericName string
}

// words splits folded text into its runs of letters and digits.
func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
}

// NamesMedication reports whether free text (a prescription typed by hand) names the catalog
// medication called name, accent- and case-insensitive: the name's words appear in the text in
// a row, the last one as a word or the start of one ("Amoxicillin 500 mg" and "amoxicilline"
// name "Amoxicillin"). A name of one word also matches when a text word of five letters or more
// is its beginning ("amoxi 500 mg"), because a warning too many is cheaper than an allergy.
func NamesMedication(text, name string) bool {
	tw, nw := words(fold(text)), words(fold(name))
	if len(nw) == 0 {
		return false
	}
	for i := 0; i+len(nw) <= len(tw); i++ {
		ok := true
		for j, w := range nw {
			t := tw[i+j]
			if t != w && (j != len(nw)-1 || !strings.HasPrefix(t, w)) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	if len(nw) == 1 {
		for _, t := range tw {
			if len([]rune(t)) >= 5 && strings.HasPrefix(nw[0], t) && !isNumber(t) {
				return true
			}
		}
	}
	return false
}

func isNumber(s string) bool {
	for _, r := range s {
		if !unicode.IsDigit(r) {
			return false
		}
	}
	return true
}

// FreeTextWarnings is the allergy check of a free-text prescription: the patient's allergies
// against the text itself, and against every catalog medication the text names by its name or
// its generic name (matched on its name, generic name and category, so "Amoxicillin 500 mg"
// warns a patient allergic to penicillins when the catalog files Amoxicillin under Penicillins,
// and "Augmentin 625" warns one allergic to amoxicillin when the catalog's Augmentin has the
// generic name amoxicillin/clavulanate). One warning per allergy entry, like AllergyWarnings,
// in English; FreeTextWarningsIn writes them in another language.
func FreeTextWarnings(knownAllergies, text string, catalog []CatalogMedication) []string {
	return FreeTextWarningsIn(i18n.EN, knownAllergies, text, catalog)
}

// FreeTextWarningsIn is FreeTextWarnings in language l.
func FreeTextWarningsIn(l i18n.Lang, knownAllergies, text string, catalog []CatalogMedication) []string {
	matches := allergyMatches(knownAllergies, text, "", "")
	for _, m := range catalog {
		if NamesMedication(text, m.Name) || (m.GenericName != "" && NamesMedication(text, m.GenericName)) {
			matches = append(matches, allergyMatches(knownAllergies, m.Name, m.GenericName, m.Category)...)
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, m := range matches {
		if !seen[m.entry] {
			seen[m.entry] = true
			out = append(out, l.Render(m.warning))
		}
	}
	return out
}
