package server

import (
	"fmt"
	"strings"
	"testing"
)

func codesOf(m map[string]any) []string {
	var out []string
	for _, it := range m["items"].([]any) {
		out = append(out, it.(map[string]any)["code"].(string))
	}
	return out
}

func hasCode(m map[string]any, code string) bool {
	for _, c := range codesOf(m) {
		if c == code {
			return true
		}
	}
	return false
}

// TestICD10Search: the bundled list is loaded; a code or its beginning (with or without the
// dot, any case) finds it; words find titles without their accents, with a typo, in French
// for a French-speaking user.
func TestICD10Search(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	if n := c.a.count(`SELECT count(*) FROM core_icd10code`); n < 14000 {
		t.Fatalf("core_icd10code has %d codes; the bundled list has 14331", n)
	}
	if n := c.a.count(`SELECT count(*) FROM core_icd10code WHERE search = ''`); n != 0 {
		t.Errorf("%d codes without search text", n)
	}
	get := func(cl *client, q string) map[string]any {
		t.Helper()
		return expect(t, cl.do("GET", "/api/v1/icd10?q="+strings.ReplaceAll(q, " ", "+"), nil), 200)
	}
	// by code
	if got := codesOf(get(c.doc, "b509")); len(got) != 1 || got[0] != "B50.9" {
		t.Errorf("b509: %v", got)
	}
	got := codesOf(get(c.doc, "J06"))
	if len(got) < 3 || got[0] != "J06" || !hasCode(get(c.doc, "J06"), "J06.9") {
		t.Errorf("J06: %v", got)
	}
	for _, code := range got {
		if !strings.HasPrefix(code, "J06") {
			t.Errorf("J06 found %s", code)
		}
	}
	// by words, accents ignored (the title is "Paludisme, sans précision")
	if m := get(c.doc, "paludisme sans precision"); !hasCode(m, "B54") {
		t.Errorf("paludisme sans precision: %v", codesOf(m))
	}
	// a typo: "paludysme" for "paludisme", "hypertention" for "hypertension"
	if m := get(c.doc, "paludysme"); !hasCode(m, "B54") && !hasCode(m, "B50.9") {
		t.Errorf("paludysme (typo): %v", codesOf(m))
	}
	if m := get(c.doc, "hypertention essentielle"); !hasCode(m, "I10") {
		t.Errorf("hypertention essentielle (typo): %v", codesOf(m))
	}
	// the title is in the user's language where the list has it (French here)
	me := expect(t, c.doc.do("GET", "/api/v1/auth/me", nil), 200)
	ver := userVersion(t, me)
	expect(t, c.doc.do("PATCH", "/api/v1/auth/me", map[string]any{"version": ver, "language_preference": "fr"}), 200)
	items := get(c.doc, "I10")["items"].([]any)
	if len(items) != 1 || !strings.Contains(items[0].(map[string]any)["title"].(string), "Hypertension essentielle") ||
		items[0].(map[string]any)["chapter"] != "IX" {
		t.Errorf("I10 in French: %v", items)
	}
	// nothing, limits, a long query
	if got := codesOf(get(c.doc, "")); len(got) != 0 {
		t.Errorf("empty query: %v", got)
	}
	if got := codesOf(expect(t, c.doc.do("GET", "/api/v1/icd10?q=A&limit=5", nil), 200)); len(got) != 0 {
		t.Errorf("one letter: %v", got)
	}
	if got := codesOf(expect(t, c.doc.do("GET", "/api/v1/icd10?q=A0&limit=5", nil), 200)); len(got) != 5 {
		t.Errorf("limit 5: %v", got)
	}
	expect(t, c.doc.do("GET", "/api/v1/icd10?q="+strings.Repeat("x", 5000), nil), 200)
	problemOf(t, c.doc.do("GET", "/api/v1/icd10?q=a&limit=abc", nil), 422)
	problemOf(t, c.desk.do("GET", "/api/v1/icd10?q=B54", nil), 403)
}

// TestEncounterDiagnoses: a doctor codes diagnoses on an encounter: the episode's default (new,
// then follow_up for the same patient's same code), one primary, a code once, free text beside
// a code or alone, a closed encounter coded later (an old free-text diagnosis) but its
// diagnoses not removed; a stale edit refused; a nurse reads, does not write; bad inputs.
func TestEncounterDiagnoses(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	enc := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": c.patient["id"],
		"notes": "Fever three days", "diagnosis": "malaria?"}), 201)
	url := fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc))

	d1 := expect(t, c.doc.do("POST", url, map[string]any{"code": "b54", "rank": "primary", "certainty": "provisional"}), 201)
	if d1["code"] != "B54" || d1["episode"] != "new" || d1["rank"] != "primary" || d1["encounter_id"] != enc["id"] ||
		d1["patient_id"] != c.patient["id"] || d1["title"] == nil || d1["version"] != 1.0 || d1["created_by"] != float64(c.docID) {
		t.Errorf("first diagnosis: %v", d1)
	}
	// a second primary: a clear conflict
	w := c.doc.do("POST", url, map[string]any{"code": "J06.9", "rank": "primary", "certainty": "confirmed"})
	if w.Code != 409 || problemType(t, w) != "primary-exists" {
		t.Errorf("second primary: %d %s", w.Code, w.Body)
	}
	// the same code twice
	w = c.doc.do("POST", url, map[string]any{"code": "B54", "rank": "secondary", "certainty": "confirmed"})
	if m := expect(t, w, 422); !hasFieldError(m, "code", "duplicate") {
		t.Errorf("code twice: %v", m)
	}
	// free text beside a code, and free text alone
	d2 := expect(t, c.doc.do("POST", url, map[string]any{"code": "J06.9", "text": "  sore throat ", "rank": "secondary", "certainty": "confirmed"}), 201)
	if d2["text"] != "sore throat" {
		t.Errorf("text: %v", d2)
	}
	d3 := expect(t, c.doc.do("POST", url, map[string]any{"text": "worried about school", "rank": "secondary", "certainty": "provisional"}), 201)
	if d3["code"] != nil || d3["title"] != nil || d3["episode"] != "new" {
		t.Errorf("text only: %v", d3)
	}
	list := expect(t, c.nurse.do("GET", url, nil), 200)
	if got := list["items"].([]any); len(got) != 3 || got[0].(map[string]any)["rank"] != "primary" {
		t.Errorf("list: %v", got)
	}
	// the nurse reads, never writes; the receptionist does neither
	problemOf(t, c.nurse.do("POST", url, map[string]any{"code": "B54", "rank": "secondary", "certainty": "provisional"}), 403)
	problemOf(t, c.desk.do("GET", url, nil), 403)

	// an edit on a stale version, then on the current one: demote the primary, promote another
	durl := fmt.Sprintf("/api/v1/diagnoses/%d", idOf(d1))
	problemOf(t, c.doc.do("PATCH", durl, map[string]any{"version": 7, "certainty": "confirmed"}), 409)
	up := expect(t, c.doc.do("PATCH", durl, map[string]any{"version": 1, "certainty": "confirmed", "rank": "secondary"}), 200)
	if up["version"] != 2.0 || up["certainty"] != "confirmed" || up["rank"] != "secondary" {
		t.Errorf("edit: %v", up)
	}
	expect(t, c.doc.do("PATCH", fmt.Sprintf("/api/v1/diagnoses/%d", idOf(d2)), map[string]any{"version": 1, "rank": "primary"}), 200)
	if m := expect(t, c.doc.do("PATCH", durl, map[string]any{"version": 2, "code": "ZZZ.9"}), 422); !hasFieldError(m, "code", "invalid") {
		t.Errorf("unknown code in an edit: %v", m)
	}
	// removed while the encounter is open
	expect(t, c.doc.do("DELETE", fmt.Sprintf("/api/v1/diagnoses/%d", idOf(d3)), nil), 204)

	// close it; a later encounter of the same patient with the same code is a follow-up
	cur := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(enc)), nil), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/close", idOf(enc)), map[string]any{"version": cur["version"]}), 200)
	enc2 := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": c.patient["id"], "notes": "Review"}), 201)
	f := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc2)),
		map[string]any{"code": "B54", "rank": "primary", "certainty": "confirmed"}), 201)
	if f["episode"] != "follow_up" {
		t.Errorf("same code again: episode %v, want follow_up", f["episode"])
	}
	g := expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc2)),
		map[string]any{"code": "A09", "rank": "secondary", "certainty": "confirmed", "episode": "follow_up"}), 201)
	if g["episode"] != "follow_up" {
		t.Errorf("episode given: %v", g["episode"])
	}

	// the closed encounter: coded later by another doctor (its free text stays), not removable
	enc3 := expect(t, c.doc.do("POST", "/api/v1/encounters", map[string]any{"patient_id": c.patient["id"], "notes": "Old visit", "diagnosis": "hypertension"}), 201)
	cur = expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(enc3)), nil), 200)
	expect(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/close", idOf(enc3)), map[string]any{"version": cur["version"]}), 200)
	late := expect(t, c.doc2.do("POST", fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc3)),
		map[string]any{"code": "I10", "text": "hypertension", "rank": "primary", "certainty": "confirmed"}), 201)
	after := expect(t, c.doc.do("GET", fmt.Sprintf("/api/v1/encounters/%d", idOf(enc3)), nil), 200)
	if after["diagnosis"] != "hypertension" || after["status"] != "closed" {
		t.Errorf("the encounter's own free text: %v", after)
	}
	w = c.doc.do("DELETE", fmt.Sprintf("/api/v1/diagnoses/%d", idOf(late)), nil)
	if w.Code != 409 || problemType(t, w) != "encounter-closed" {
		t.Errorf("delete on a closed encounter: %d %s", w.Code, w.Body)
	}
	// the chart: every coded diagnosis of the patient
	chart := expect(t, c.nurse.do("GET", fmt.Sprintf("/api/v1/patients/%d/diagnoses", idOf(c.patient)), nil), 200)
	if n := len(chart["items"].([]any)); n != 5 {
		t.Errorf("patient's diagnoses: %d, want 5", n)
	}
	// every change is audited
	if n := c.a.count(`SELECT count(*) FROM core_auditlog WHERE model_name = 'core_encounterdiagnosis'`); n < 8 {
		t.Errorf("audit rows: %d", n)
	}

	// bad inputs: each refused with the field named, nothing written
	before := c.a.count(`SELECT count(*) FROM core_encounterdiagnosis`)
	for _, tc := range []struct {
		body  any
		field string
	}{
		{map[string]any{"code": "Q99.99", "rank": "secondary", "certainty": "confirmed"}, "code"},
		{map[string]any{"code": "not a code", "rank": "secondary", "certainty": "confirmed"}, "code"},
		{map[string]any{"rank": "secondary", "certainty": "confirmed"}, "code"},
		{map[string]any{"text": "   ", "rank": "secondary", "certainty": "confirmed"}, "code"},
		{map[string]any{"text": strings.Repeat("x", 501), "rank": "secondary", "certainty": "confirmed"}, "text"},
		{map[string]any{"code": "B54", "rank": "main", "certainty": "confirmed"}, "rank"},
		{map[string]any{"code": "B54", "certainty": "confirmed"}, "rank"},
		{map[string]any{"code": "B54", "rank": "secondary", "certainty": "sure"}, "certainty"},
		{map[string]any{"code": "B54", "rank": "secondary", "certainty": "confirmed", "episode": "old"}, "episode"},
		{map[string]any{"code": 54, "rank": "secondary", "certainty": "confirmed"}, "code"},
		{map[string]any{"code": "B54", "rank": true, "certainty": "confirmed"}, "rank"},
		{`{"code": "B54", "rank": "secondary", "certainty": "confirmed", "extra": 1}`, "extra"},
	} {
		w := c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc2)), tc.body)
		if w.Code != 422 && w.Code != 400 {
			t.Errorf("%v: status %d: %s", tc.body, w.Code, w.Body)
			continue
		}
		if m := decodeBody(t, w); !hasFieldError(m, tc.field, "") {
			t.Errorf("%v: no error on %s: %v", tc.body, tc.field, m)
		}
	}
	problemOf(t, c.doc.do("POST", fmt.Sprintf("/api/v1/encounters/%d/diagnoses", idOf(enc2)), "{not json"), 400)
	problemOf(t, c.doc.do("POST", "/api/v1/encounters/999999/diagnoses", map[string]any{"code": "B54", "rank": "secondary", "certainty": "confirmed"}), 404)
	problemOf(t, c.doc.do("GET", "/api/v1/encounters/999999/diagnoses", nil), 404)
	problemOf(t, c.doc.do("PATCH", "/api/v1/diagnoses/999999", map[string]any{"version": 1}), 404)
	if got := c.a.count(`SELECT count(*) FROM core_encounterdiagnosis`); got != before {
		t.Errorf("bad inputs wrote %d rows", got-before)
	}
}

// TestDiagnosisFavourites: an administrator or a doctor sets the clinic's ordered favourites;
// every clinical role reads them; unknown and repeated codes are refused, each named.
func TestDiagnosisFavourites(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	fav := expect(t, c.admin.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": []string{"b54", "J06.9", "A09"}}), 200)
	if got := codesOf(fav); strings.Join(got, ",") != "B54,J06.9,A09" {
		t.Errorf("favourites: %v", got)
	}
	fav = expect(t, c.doc.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": []string{"A09", "I10", "B54"}}), 200)
	if got := codesOf(expect(t, c.nurse.do("GET", "/api/v1/diagnosis-favourites", nil), 200)); strings.Join(got, ",") != "A09,I10,B54" {
		t.Errorf("reordered: %v (put answered %v)", got, codesOf(fav))
	}
	m := expect(t, c.doc.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": []string{"A09", "XYZ", "a09"}}), 422)
	if !hasFieldError(m, "codes.1", "invalid") || !hasFieldError(m, "codes.2", "duplicate") {
		t.Errorf("bad codes: %v", m)
	}
	many := make([]string, 21)
	for i := range many {
		many[i] = fmt.Sprintf("A0%d", i%10)
	}
	problemOf(t, c.doc.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": many}), 422)
	problemOf(t, c.nurse.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": []string{}}), 403)
	if got := codesOf(expect(t, c.doc.do("GET", "/api/v1/diagnosis-favourites", nil), 200)); strings.Join(got, ",") != "A09,I10,B54" {
		t.Errorf("refused changes changed the list: %v", got)
	}
	expect(t, c.doc.do("PUT", "/api/v1/diagnosis-favourites", map[string]any{"codes": []string{}}), 200)
	if got := codesOf(expect(t, c.doc.do("GET", "/api/v1/diagnosis-favourites", nil), 200)); len(got) != 0 {
		t.Errorf("emptied: %v", got)
	}
}
