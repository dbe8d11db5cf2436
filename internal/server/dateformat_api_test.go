package server

import "testing"

// TestDateFormatSetting: date fields show and read DD/MM/YYYY until an administrator chooses
// another of the formats offered; anything else is refused.
func TestDateFormatSetting(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	got := expect(t, c.cashier.do("GET", "/api/v1/settings", nil), 200)
	if got["date_format"] != "DD/MM/YYYY" {
		t.Fatalf("default date format: %v", got["date_format"])
	}
	for _, bad := range []any{"DD.MM.YY", "", "dd/mm/yyyy", 3} {
		expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": got["version"], "date_format": bad}), 422)
	}
	expect(t, c.doc.do("PATCH", "/api/v1/settings", map[string]any{"version": got["version"], "date_format": "MM/DD/YYYY"}), 403)
	after := expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": got["version"], "date_format": "MM/DD/YYYY"}), 200)
	if after["date_format"] != "MM/DD/YYYY" {
		t.Fatalf("after the change: %v", after)
	}
	if again := expect(t, c.nurse.do("GET", "/api/v1/settings", nil), 200); again["date_format"] != "MM/DD/YYYY" {
		t.Errorf("read back: %v", again["date_format"])
	}
}
