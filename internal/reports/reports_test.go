package reports_test

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/i18n"
	"chelal/internal/reports"
)

// env is a clinic in Nairobi (UTC+3) with one doctor, its reports read on 2 December 2026.
type env struct {
	t      *testing.T
	d      *db.DB
	s      *reports.Service
	doctor int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	e := &env{t: t, d: d, s: reports.NewService(d)}
	e.s.SetClock(func() time.Time { return time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC) })
	e.exec(`INSERT INTO core_setting (key, value) VALUES ('timezone', '"Africa/Nairobi"')`)
	e.doctor = dbtest.User(t, d, "doctor", "doc1", "Baraka", "Mwangi")
	return e
}

func (e *env) exec(sql string, args ...any) {
	e.t.Helper()
	if _, err := e.d.Pool.Exec(context.Background(), sql, args...); err != nil {
		e.t.Fatalf("%s: %v", sql, err)
	}
}

func (e *env) patient(mrn, dob, gender string, estimated bool) int64 {
	e.t.Helper()
	return dbtest.ID(e.t, e.d, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, birth_date_estimated)
		VALUES ($1, 'A', 'B', $2, $3, $4) RETURNING id`, mrn, dob, gender, estimated)
}

// encounter opens an encounter at a Nairobi wall-clock time ("2026-11-30 23:30").
func (e *env) encounter(patient int64, local string) int64 {
	e.t.Helper()
	return dbtest.ID(e.t, e.d, `INSERT INTO core_encounter (patient_id, doctor_id, notes, created_at)
		VALUES ($1, $2, '', ($3::timestamp AT TIME ZONE 'Africa/Nairobi')) RETURNING id`, patient, e.doctor, local)
}

func (e *env) build(kind string, q reports.PeriodQuery) reports.Report {
	e.t.Helper()
	r, err := e.s.Build(context.Background(), kind, q, i18n.EN)
	if err != nil {
		e.t.Fatalf("%s: %v", kind, err)
	}
	return r
}

func cell(t *testing.T, r reports.Report, section, row, col string) string {
	t.Helper()
	v, ok := r.Cell(section, row, col)
	if !ok {
		t.Fatalf("%s: no cell %s/%s/%s", r.Kind, section, row, col)
	}
	return v
}

var november = reports.PeriodQuery{Kind: reports.Month, Date: "2026-11-15"}

func TestAttendanceBoundaries(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	// Five years old on the period's last day, seen that day at 23:30 Nairobi (20:30 UTC):
	// November, and in the 5-14 group.
	a := e.patient("P1", "2021-11-30", "male", false)
	e.encounter(a, "2026-11-30 23:30")
	// One year old on 1 December (an estimated birth date counts as given): under one all
	// November; a new visit, then a repeat.
	b := e.patient("P2", "2025-12-01", "female", true)
	e.encounter(b, "2026-11-15 10:00")
	e.encounter(b, "2026-11-20 10:00")
	// 00:30 on 1 December Nairobi is still 30 November in UTC: December's, not November's.
	c := e.patient("P3", "1980-05-05", "female", false)
	e.encounter(c, "2026-12-01 00:30")
	// 00:10 on 1 November Nairobi is 31 October in UTC: November's. Its patient came in
	// October too, so it is a repeat visit.
	d := e.patient("P4", "1950-01-01", "unknown", false)
	e.encounter(d, "2026-10-10 09:00")
	e.encounter(d, "2026-11-01 00:10")

	r := e.build(reports.Attendance, november)
	for key, want := range map[string]string{"visits": "4", "new": "2", "repeat": "2", "patients": "3"} {
		if got := cell(t, r, "figures", "total", key); got != want {
			t.Errorf("figure %s = %s, want %s", key, got, want)
		}
	}
	for _, c := range []struct{ row, col, want string }{
		{"5-14", "new_male", "1"}, {"1-4", "total", "0"},
		{"0-0", "new_female", "1"}, {"0-0", "repeat_female", "1"}, {"0-0", "total", "2"},
		{"50+", "repeat_other", "1"}, {"50+", "new_other", "0"}, {"25-49", "total", "0"},
	} {
		if got := cell(t, r, "age_sex", c.row, c.col); got != c.want {
			t.Errorf("age_sex %s/%s = %s, want %s", c.row, c.col, got, c.want)
		}
	}
	if got := cell(t, r, "day", "2026-11-30", "total"); got != "1" {
		t.Errorf("30 November: %s visits, want 1 (the 23:30 one)", got)
	}
	if got := cell(t, r, "day", "2026-11-01", "repeat"); got != "1" {
		t.Errorf("1 November: %s repeat visits, want 1 (the 00:10 one)", got)
	}
	if rows := r.Section("day").Rows; len(rows) != 30 {
		t.Errorf("%d days, want 30", len(rows))
	}
	if got := cell(t, r, "doctor", itoa(e.doctor), "total"); got != "4" {
		t.Errorf("doctor: %s", got)
	}
	// December holds the 00:30 visit, a new one.
	dec := e.build(reports.Attendance, reports.PeriodQuery{Kind: reports.Day, Date: "2026-12-01"})
	if got := cell(t, dec, "age_sex", "25-49", "new_female"); got != "1" {
		t.Errorf("1 December 25-49 new female = %s, want 1", got)
	}
	// The age groups are a clinic setting: <5 and 5+ only.
	e.exec(`INSERT INTO core_setting (key, value) VALUES ('report_age_bands', '[0, 5]')`)
	r = e.build(reports.Attendance, november)
	if got, rows := cell(t, r, "age_sex", "5+", "total"), len(r.Section("age_sex").Rows); got != "2" || rows != 2 {
		t.Errorf("bands [0,5]: 5+ = %s in %d rows, want 2 in 2", got, rows)
	}
	// The CSV and the PDF carry the same figures.
	fr, err := e.s.Build(context.Background(), reports.Attendance, november, i18n.FR)
	if err != nil {
		t.Fatal(err)
	}
	csv, err := fr.CSV(i18n.FR)
	if err != nil || !strings.Contains(string(csv), "Par tranche d'âge et sexe") || !strings.Contains(string(csv), "5+,2,") {
		t.Errorf("CSV: %v\n%s", err, csv)
	}
	pdf, err := r.PDF("Clinic", i18n.EN, time.Now())
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Errorf("PDF: %v", err)
	}
}

func itoa(v int64) string { b, _ := json.Marshal(v); return string(b) }

func TestMorbidityReturn(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.exec(`INSERT INTO core_icd10code (code, title_en, title_fr) VALUES
		('B54', 'Unspecified malaria', 'Paludisme, sans précision'), ('J06', 'Acute upper respiratory infections', NULL)
		ON CONFLICT (code) DO UPDATE SET title_en = EXCLUDED.title_en, title_fr = EXCLUDED.title_fr`) // the bundled list has them (in French)
	child := e.patient("C1", "2021-12-01", "female", true) // four on 30 November, five on 1 December
	adult := e.patient("A1", "1990-01-01", "male", false)
	diag := func(enc int64, code, episode string) {
		e.exec(`INSERT INTO core_encounterdiagnosis (encounter_id, code, rank, certainty, episode, created_by_id)
			VALUES ($1, $2, 'secondary', 'confirmed', $3, $4)`, enc, code, episode, e.doctor)
	}
	diag(e.encounter(child, "2026-11-30 23:30"), "B54", "new")
	diag(e.encounter(adult, "2026-11-03 09:00"), "B54", "new")
	enc := e.encounter(adult, "2026-11-10 09:00")
	diag(enc, "B54", "follow_up")
	diag(enc, "J06", "new")
	diag(e.encounter(child, "2026-12-01 08:00"), "J06", "new") // December's, five years old
	e.exec(`INSERT INTO core_encounter (patient_id, doctor_id, notes, diagnosis, created_at)
		VALUES ($1, $2, '', 'fever', '2026-11-12 08:00+03')`, adult, e.doctor) // free text only: uncoded

	r := e.build(reports.Morbidity, november)
	for _, c := range []struct{ sec, row, col, want string }{
		{"figures", "total", "diagnoses", "4"}, {"figures", "total", "new_cases", "3"}, {"figures", "total", "follow_ups", "1"},
		{"figures", "total", "uncoded", "1"},
		{"return", "B54", "total", "3"}, {"return", "B54", "under5_female", "1"}, {"return", "B54", "over5_male", "2"},
		{"return", "B54", "age_1-4", "1"}, {"return", "B54", "age_25-49", "2"},
		{"return", "B54", "new", "2"}, {"return", "B54", "follow_up", "1"},
		{"return", "J06", "total", "1"}, {"return", "J06", "under5_female", "0"},
		{"return", "A00", "total", "0"}, // a code nobody had counts zero
		{"top", "B54", "total", "3"},
	} {
		if got := cell(t, r, c.sec, c.row, c.col); got != c.want {
			t.Errorf("%s/%s/%s = %s, want %s", c.sec, c.row, c.col, got, c.want)
		}
	}
	if top := r.Section("top").Rows; len(top) != 2 || top[0].Key != "B54" || top[0].Label != "B54 Unspecified malaria" {
		t.Errorf("top: %+v", top)
	}
	fr, err := e.s.Build(context.Background(), reports.Morbidity, november, i18n.FR)
	if err != nil || fr.Section("top").Rows[0].Label != "B54 Paludisme, sans précision" {
		t.Errorf("French titles: %v %+v", err, fr.Section("top"))
	}
	dec := e.build(reports.Morbidity, reports.PeriodQuery{Kind: reports.Month, Date: "2026-12-01"})
	if got := cell(t, dec, "return", "J06", "over5_female"); got != "1" {
		t.Errorf("December J06 over5_female = %s, want 1 (five on the day)", got)
	}
}

func TestDHIS2Export(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := db.Actor{UserID: e.doctor}
	if _, err := e.s.Export(ctx, november); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("export without a mapping: %v, want a conflict", err)
	}
	p := e.patient("P1", "2024-01-01", "female", false)
	e.encounter(p, "2026-11-05 10:00")
	e.encounter(p, "2026-11-06 10:00")
	m := reports.DHIS2Mapping{DataSet: "pBOMPrpg1QX", OrgUnit: "DiszpKrYNg8", Cells: []reports.DHIS2Cell{
		{Report: "attendance", Section: "figures", Row: "total", Column: "visits", DataElement: "GieVkTxp4HH"},
		{Report: "attendance", Section: "age_sex", Row: "1-4", Column: "new_female", DataElement: "x3Do5e7g4Qo", CategoryOptionCombo: "Prlt0C1RF0s"},
		{Report: "attendance", Section: "age_sex", Row: "1-4", Column: "repeat_female", DataElement: "x3Do5e7g4Qo", CategoryOptionCombo: "V6L425pT3A0"},
		{Report: "morbidity", Section: "return", Row: "B54", Column: "total", DataElement: "hfdmMSPBgLG"},
	}}
	bad := m
	bad.OrgUnit = "not a uid"
	if _, err := e.s.SaveMapping(ctx, admin, bad); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("bad uid: %v", err)
	}
	saved, err := e.s.SaveMapping(ctx, admin, m)
	if err != nil || saved.Version != 1 || len(saved.Cells) != 4 {
		t.Fatalf("save: %+v %v", saved, err)
	}
	if _, err := e.s.SaveMapping(ctx, admin, m); apperr.KindOf(err) != apperr.ErrConflict { // version 0 again
		t.Fatalf("stale save: %v", err)
	}
	var audited int
	if err := e.d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_dhis2mapping'`).Scan(&audited); err != nil || audited != 1 {
		t.Errorf("audit rows: %d %v", audited, err)
	}
	set, err := e.s.Export(ctx, november)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(set)
	want := `{"dataSet":"pBOMPrpg1QX","period":"202611","orgUnit":"DiszpKrYNg8","completeDate":"2026-12-02","dataValues":[` +
		`{"dataElement":"GieVkTxp4HH","value":"2"},{"dataElement":"hfdmMSPBgLG","value":"0"},` +
		`{"dataElement":"x3Do5e7g4Qo","categoryOptionCombo":"Prlt0C1RF0s","value":"1"},` +
		`{"dataElement":"x3Do5e7g4Qo","categoryOptionCombo":"V6L425pT3A0","value":"1"}]}`
	if string(got) != want {
		t.Errorf("export:\n%s\nwant\n%s", got, want)
	}
	if _, err := e.s.Export(ctx, reports.PeriodQuery{Kind: reports.Custom, From: "2026-11-01", To: "2026-11-10"}); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Errorf("custom period: %v", err)
	}
	// A cell no report has is refused, not exported as nothing.
	saved.Cells = append(saved.Cells, reports.DHIS2Cell{Report: "attendance", Section: "age_sex", Row: "1-4", Column: "nope", DataElement: "abcdefghijk"})
	if _, err := e.s.SaveMapping(ctx, admin, saved); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Export(ctx, november); apperr.KindOf(err) != apperr.ErrConflict {
		t.Errorf("unknown cell: %v", err)
	}
	// The example file in docs/ is a mapping the server takes, every cell of which exists.
	raw, err := os.ReadFile("../../docs/dhis2-mapping.example.json")
	if err != nil {
		t.Fatal(err)
	}
	var example reports.DHIS2Mapping
	if err := json.Unmarshal(raw, &example); err != nil {
		t.Fatal(err)
	}
	example.Version = saved.Version + 1
	if _, err := e.s.SaveMapping(ctx, admin, example); err != nil {
		t.Fatalf("the example mapping: %v", err)
	}
	set, err = e.s.Export(ctx, november)
	if err != nil || len(set.DataValues) != len(example.Cells) {
		t.Fatalf("the example's export: %v %+v", err, set)
	}
}
