package server

import (
	"context"
	"testing"

	"chelal/internal/auth"
)

// TestSetupAsksPrefixAndCurrency: the first run sets the record-number prefix and the currency,
// and the catalog starts with the consultation service automatic billing charges; bad values
// are refused, every one at once, and change nothing.
func TestSetupAsksPrefixAndCurrency(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	anon := a.anonymous("10.0.0.7")
	setup := setupBody()
	bad := map[string]any{"mrn_prefix": "K1", "currency": "KSH", "consultation_fee": "5,00"}
	for k, v := range setup {
		bad[k] = v
	}
	p := expect(t, anon.do("POST", "/api/v1/setup", bad), 422)
	expectFieldErrors(t, "setup", p, "mrn_prefix", "currency", "consultation_fee")

	good := map[string]any{"mrn_prefix": "ksm", "currency": "kes", "consultation_fee": "500"}
	for k, v := range setup {
		good[k] = v
	}
	expect(t, anon.do("POST", "/api/v1/setup", good), 201)
	admin := a.login("admin", "10.0.0.7")
	s := expect(t, admin.do("GET", "/api/v1/settings", nil), 200)
	if s["mrn_prefix"] != "KSM" || s["currency"] != "KES" {
		t.Errorf("after setup: prefix %v, currency %v; want KSM, KES", s["mrn_prefix"], s["currency"])
	}
	var name, category, price string
	if err := a.db.Pool.QueryRow(context.Background(), `
		SELECT name, category, price::text FROM core_servicecatalog WHERE code = $1 AND is_active`,
		s["billing_consultation_code"]).Scan(&name, &category, &price); err != nil {
		t.Fatalf("the consultation billing code %v names no active service: %v", s["billing_consultation_code"], err)
	}
	if category != "consultation" || price != "500.00" {
		t.Errorf("consultation service: %s %s %s", name, category, price)
	}
}

// TestSetupDefaultsAndCurrencySetting: without a prefix or currency the setup keeps CHL and no
// currency; an administrator sets the currency later, and an unknown code is refused.
func TestSetupDefaultsAndCurrencySetting(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	anon := a.anonymous("10.0.0.8")
	expect(t, anon.do("POST", "/api/v1/setup", map[string]any{"clinic_name": "Mwanza", "username": "admin",
		"email": "admin@mwanza.test", "password": testPassword, "first_name": "Juma", "last_name": "Said"}), 201)
	admin := a.login("admin", "10.0.0.8")
	s := expect(t, admin.do("GET", "/api/v1/settings", nil), 200)
	if s["mrn_prefix"] != "CHL" || s["currency"] != "" {
		t.Fatalf("defaults: prefix %v, currency %q", s["mrn_prefix"], s["currency"])
	}
	p := expect(t, admin.do("PATCH", "/api/v1/settings", map[string]any{"version": s["version"], "currency": "XYZ"}), 422)
	if errs := p["errors"].([]any); len(errs) != 1 || errs[0].(map[string]any)["field"] != "currency" {
		t.Errorf("unknown currency: %v", p["errors"])
	}
	s = expect(t, admin.do("PATCH", "/api/v1/settings", map[string]any{"version": s["version"], "currency": "tzs"}), 200)
	if s["currency"] != "TZS" {
		t.Errorf("currency set to %v, want TZS", s["currency"])
	}
}
