package server

import (
	"strings"
	"testing"
)

// TestReportsAPI: the reports over a period as JSON, CSV and PDF (a bad period refused), the
// age groups as a setting (bad ones refused), and the DHIS2 mapping saved on its version and
// exported as a file.
func TestReportsAPI(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	rep := expect(t, c.doc.do("GET", "/api/v1/reports/attendance?period=year&date=2026-05-01", nil), 200)
	if p := rep["period"].(map[string]any); p["from"] != "2026-01-01" || p["to"] != "2026-12-31" || rep["kind"] != "attendance" {
		t.Errorf("period: %v", rep["period"])
	}
	expect(t, c.doc.do("GET", "/api/v1/reports/attendance?period=fortnight", nil), 422)
	expect(t, c.doc.do("GET", "/api/v1/reports/attendance?period=custom&from=2026-05-02&to=2026-05-01", nil), 422)
	csv := c.admin.do("GET", "/api/v1/reports/revenue.csv?period=month&date=2026-11-01", nil)
	if csv.Code != 200 || !strings.HasPrefix(csv.Body.String(), "Revenue,2026-11-01 to 2026-11-30") ||
		csv.Header().Get("Content-Disposition") != `attachment; filename="revenue-2026-11-01-2026-11-30.csv"` {
		t.Errorf("CSV: %d %q %v", csv.Code, csv.Body.String(), csv.Header())
	}
	pdf := c.admin.do("GET", "/api/v1/reports/pharmacy.pdf?period=quarter", nil)
	if pdf.Code != 200 || pdf.Header().Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.Body.String(), "%PDF") {
		t.Errorf("PDF: %d %v", pdf.Code, pdf.Header())
	}

	v := expect(t, c.admin.do("GET", "/api/v1/settings", nil), 200)["version"]
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "report_age_bands": []int{1, 5}}), 422)
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "report_age_bands": []int{0, 5, 5}}), 422)
	expect(t, c.admin.do("PATCH", "/api/v1/settings", map[string]any{"version": v, "report_age_bands": []int{0, 5}}), 200)
	rep = expect(t, c.doc.do("GET", "/api/v1/reports/morbidity", nil), 200)
	cols := rep["sections"].([]any)[1].(map[string]any)["columns"].([]any)
	if got := cols[len(cols)-3].(map[string]any)["label"]; got != "5+" {
		t.Errorf("the last age group: %v", got)
	}

	expect(t, c.admin.do("GET", "/api/v1/reports/dhis2.json?period=month", nil), 409) // no mapping yet
	m := expect(t, c.admin.do("GET", "/api/v1/reports/dhis2/mapping", nil), 200)
	if m["version"] != float64(0) {
		t.Fatalf("no mapping: %v", m)
	}
	body := map[string]any{"version": 0, "data_set": "pBOMPrpg1QX", "org_unit": "DiszpKrYNg8",
		"cells": []map[string]any{{"report": "attendance", "section": "figures", "row": "total", "column": "visits", "data_element": "GieVkTxp4HH"}}}
	expect(t, c.admin.do("PUT", "/api/v1/reports/dhis2/mapping", body), 200)
	expect(t, c.admin.do("PUT", "/api/v1/reports/dhis2/mapping", body), 409)
	body["cells"] = []map[string]any{{"report": "lab", "section": "x", "row": "y", "column": "z", "data_element": "bad"}}
	body["version"] = 1
	expect(t, c.admin.do("PUT", "/api/v1/reports/dhis2/mapping", body), 422)
	file := c.admin.do("GET", "/api/v1/reports/dhis2.json?period=month&date=2026-11-01", nil)
	if file.Code != 200 || !strings.Contains(file.Body.String(), `"period": "202611"`) || !strings.Contains(file.Body.String(), `"dataElement": "GieVkTxp4HH"`) {
		t.Errorf("export: %d %s", file.Code, file.Body.String())
	}
	expect(t, c.admin.do("GET", "/api/v1/reports/dhis2.json?period=custom&from=2026-11-01&to=2026-11-03", nil), 422)
	dash := expect(t, c.doc.do("GET", "/api/v1/reports/dashboard", nil), 200)
	if _, ok := dash["top_diagnoses"].([]any); !ok {
		t.Errorf("dashboard: %v", dash)
	}
}
