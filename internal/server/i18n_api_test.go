package server

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"
)

// setLanguage sets the client's user's language preference.
func setLanguage(t *testing.T, c *client, lang string) {
	t.Helper()
	me := expect(t, c.do("GET", "/api/v1/auth/me", nil), 200)
	expect(t, c.do("PATCH", "/api/v1/auth/me", map[string]any{"language_preference": lang, "version": userVersion(t, me)}), 200)
}

// notificationTexts are the titles and messages of the client's notifications, one string.
func notificationTexts(t *testing.T, c *client) string {
	t.Helper()
	var b strings.Builder
	for _, it := range expect(t, c.do("GET", "/api/v1/notifications", nil), 200)["items"].([]any) {
		n := it.(map[string]any)
		fmt.Fprintf(&b, "%s | %s\n", n["title"], n["message"])
	}
	return b.String()
}

// TestServerTextInUserLanguage: what the server writes comes in each user's language: problem
// details (allergy warning, insufficient stock, the generic kinds, by Accept-Language without
// a session), vitals flags and timeline measures with French numbers, notifications in the
// recipient's language (each recipient of one event in their own), the CSV's headers.
func TestServerTextInUserLanguage(t *testing.T) {
	t.Parallel()
	c, amox, e := rxClinic(t, "Penicillin")
	setLanguage(t, c.doc, "fr")
	setLanguage(t, c.nurse, "fr")
	setLanguage(t, c.pha, "sw")
	setLanguage(t, c.cashier, "fr")

	// Allergy warning in French for the French doctor; the problem type stays the same.
	rxPath := fmt.Sprintf("/api/v1/encounters/%d/prescriptions", idOf(e))
	w := c.doc.do("POST", rxPath, map[string]any{"medication_id": amox, "dosage": "500 mg", "frequency": "tds", "quantity": 15})
	if w.Code != 409 || problemType(t, w) != "allergy-warning" {
		t.Fatalf("allergy: %d %s", w.Code, w.Body)
	}
	if d := expect(t, w, 409)["detail"].(string); !strings.HasPrefix(d, "Ce médicament correspond aux allergies connues du patient") ||
		!strings.Contains(d, "Le patient est allergique à « penicillin »") ||
		!strings.Contains(d, "Confirmez avec un motif") || strings.Contains(d, "Confirm with a reason") {
		t.Errorf("allergy detail in French: %q", d)
	}

	// Not enough stock, in Swahili for the pharmacist, with the numbers.
	w = c.pha.do("POST", fmt.Sprintf("/api/v1/medications/%d/stock-adjustments", amox), map[string]any{"quantity_change": -500, "reason": "count"})
	if w.Code != 409 || problemType(t, w) != "insufficient-stock" {
		t.Fatalf("stock: %d %s", w.Code, w.Body)
	}
	if d := expect(t, w, 409)["detail"].(string); d != "Hakuna akiba ya kutosha: 200 zinapatikana, 500 zimeombwa." {
		t.Errorf("stock detail in Swahili: %q", d)
	}

	// The generic details: a French user's 404; an anonymous French browser's 401.
	if d := expect(t, c.doc.do("GET", "/api/v1/encounters/999999", nil), 404)["detail"]; d != "L'enregistrement demandé n'existe pas." {
		t.Errorf("404 detail in French: %q", d)
	}
	if d := expect(t, c.a.anonymous("10.0.0.9").do("GET", "/api/v1/patients", nil, "Accept-Language", "fr-FR,fr;q=0.9"), 401)["detail"]; d != "Connectez-vous pour continuer." {
		t.Errorf("401 detail by Accept-Language: %q", d)
	}
	if d := expect(t, c.admin.do("GET", "/api/v1/encounters/999999", nil), 404)["detail"]; d != "The requested record does not exist." {
		t.Errorf("404 detail in English: %q", d)
	}

	// Vitals: the French nurse reads flags in French, with a decimal comma.
	vit := expect(t, c.nurse.do("POST", fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(e)), map[string]any{"temperature": 38.6}), 201)
	flags := fmt.Sprint(vit["flags"])
	if !strings.Contains(flags, "Au-dessus des valeurs normales pour un adulte (36-37,5 °C).") || strings.Contains(flags, "Above") {
		t.Errorf("flags in French: %s", flags)
	}
	list := expect(t, c.admin.do("GET", fmt.Sprintf("/api/v1/encounters/%d/vitals", idOf(e)), nil), 200)
	if f := fmt.Sprint(list["items"]); !strings.Contains(f, "Above the normal range for an adult (36-37.5 °C).") {
		t.Errorf("flags in English for the administrator: %s", f)
	}

	// Timeline: the measure with a French decimal comma, the status in French.
	tl := fmt.Sprint(expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/patients/%d/timeline", idOf(c.patient)), nil), 200)["items"])
	if !strings.Contains(tl, "T 38,6 °C") || !strings.Contains(tl, "En cours") {
		t.Errorf("timeline in French: %s", tl)
	}
	if tl := fmt.Sprint(expect(t, c.admin.do("GET", fmt.Sprintf("/api/v1/patients/%d/timeline", idOf(c.patient)), nil), 200)["items"]); !strings.Contains(tl, "T 38.6 °C") {
		t.Errorf("timeline in English: %s", tl)
	}

	// Notifications: the French doctor is told of a prescription sent back in French; the low
	// stock reaches the Swahili pharmacist in Swahili and the English administrator in English.
	p := expect(t, c.doc.do("POST", rxPath, map[string]any{"medication_name": "Paracetamol 1 g", "dosage": "1 g", "frequency": "tds", "quantity": 12}), 201)
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/prescriptions/%d/return-to-prescriber", idOf(p)), map[string]any{"reason": "Dose illisible"}), 200)
	if n := notificationTexts(t, c.doc); !strings.Contains(n, "Ordonnance renvoyée par la pharmacie | Paracetamol 1 g pour Amina Otieno (consultation") {
		t.Errorf("doctor's notification in French: %s", n)
	}
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/medications/%d/stock-adjustments", amox), map[string]any{"quantity_change": -198, "reason": "count"}), 201)
	if n := notificationTexts(t, c.pha); !strings.Contains(n, "Akiba ndogo: Amoxicillin") {
		t.Errorf("pharmacist's notification in Swahili: %s", n)
	}
	if n := notificationTexts(t, c.admin); !strings.Contains(n, "Low stock: Amoxicillin | Amoxicillin: 2 left in date") {
		t.Errorf("administrator's notification in English: %s", n)
	}

	// The daily report's CSV headers in French.
	rows, err := csv.NewReader(c.cashier.do("GET", "/api/v1/reports/daily.csv", nil).Body).ReadAll()
	if err != nil || len(rows) == 0 || strings.Join(rows[0], ",") != "rubrique,élément,nombre,montant" {
		t.Errorf("CSV headers in French: %v %v", rows, err)
	}
}
