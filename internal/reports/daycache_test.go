package reports_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync"
	"testing"

	"chelal/internal/db/dbtest"
	"chelal/internal/i18n"
	"chelal/internal/reports"
)

// TestDayCacheEqualsPlain builds random visits, then reads the cached kinds through the cache
// and plainly over several periods, after each change a figure depends on: they must agree,
// and the cache must have been used (its rows exist).
func TestDayCacheEqualsPlain(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rng := rand.New(rand.NewPCG(19, 40))
	var patients []int64
	for i := range 40 {
		dob := fmt.Sprintf("%d-%02d-%02d", 1950+rng.IntN(76), 1+rng.IntN(12), 1+rng.IntN(28))
		patients = append(patients, e.patient(fmt.Sprintf("R%03d", i), dob, []string{"male", "female", "other"}[rng.IntN(3)], rng.IntN(4) == 0))
	}
	var encounters []int64
	for range 300 {
		// From 2025-10 to today (2026-12-02 Nairobi), at any hour: midnight edges included.
		local := fmt.Sprintf("2026-%02d-%02d %02d:%02d", 1+rng.IntN(11), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60))
		if rng.IntN(6) == 0 {
			local = fmt.Sprintf("2026-12-0%d %02d:10", 1+rng.IntN(2), rng.IntN(24))
		}
		encounters = append(encounters, e.encounter(patients[rng.IntN(len(patients))], local))
	}
	// Coded diagnoses on most encounters, free text only on some.
	e.exec(`INSERT INTO core_icd10code (code, title_en) VALUES ('B54', 'Malaria'), ('J06', 'URTI'), ('A09', 'Diarrhoea')
		ON CONFLICT (code) DO NOTHING`)
	codes := []string{"B54", "J06", "A09"}
	diag := func(enc int64, code, episode string) {
		e.exec(`INSERT INTO core_encounterdiagnosis (encounter_id, code, rank, certainty, episode, created_by_id)
			VALUES ($1, $2, 'primary', 'confirmed', $3, $4)`, enc, code, episode, e.doctor)
	}
	var freeText []int64
	for _, enc := range encounters {
		switch rng.IntN(5) {
		case 0, 1, 2:
			diag(enc, codes[rng.IntN(len(codes))], []string{"new", "follow_up"}[rng.IntN(2)])
		case 3:
			e.exec(`UPDATE core_encounter SET diagnosis = 'fever' WHERE id = $1`, enc)
			freeText = append(freeText, enc)
		}
	}
	// A bill of one or two lines for most encounters (at its time), paid in part or fully
	// later by one of two cashiers.
	cashier := dbtest.ID(t, e.d, `INSERT INTO auth_user (username, email, password, first_name, last_name, role_id)
		VALUES ('cash1', 'cash1@clinic.test', 'x', 'Neema', 'Otieno', (SELECT id FROM core_role WHERE name = 'cashier')) RETURNING id`)
	e.exec(`INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('Consultation', 'RCONS', 'consultation', 500),
		('Malaria test', 'RRDT', 'lab', 300.50)`)
	var bills []int64
	for i, enc := range encounters {
		if rng.IntN(4) == 0 {
			continue
		}
		bill := dbtest.ID(t, e.d, `INSERT INTO core_bill (patient_id, total_amount, status, created_at, due_date)
			SELECT patient_id, 0, 'pending', created_at, (created_at AT TIME ZONE 'Africa/Nairobi')::date + 30 FROM core_encounter WHERE id = $1
			RETURNING id`, enc)
		bills = append(bills, bill)
		e.exec(`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description, kind, created_at)
			SELECT $1, s.id, $3::int, s.price, s.price * $3::int, s.name, 'service', b.created_at + interval '5 minutes'
			  FROM core_servicecatalog s, core_bill b WHERE s.code = $2 AND b.id = $1`, bill, []string{"RCONS", "RRDT"}[i%2], 1+rng.IntN(3))
		e.exec(`UPDATE core_bill SET total_amount = (SELECT sum(total_price) FROM core_billitem WHERE bill_id = $1) WHERE id = $1`, bill)
		if rng.IntN(3) > 0 {
			e.exec(`INSERT INTO core_payment (bill_id, amount, payment_method, payment_date, received_by)
				SELECT id, total_amount, $2, created_at + $3 * interval '1 hour', $4 FROM core_bill WHERE id = $1`,
				bill, []string{"cash", "mobile_money", "card"}[rng.IntN(3)], rng.IntN(30), []any{cashier, e.doctor}[rng.IntN(2)])
		}
	}
	periods := []reports.PeriodQuery{
		november,
		{Kind: reports.Year, Date: "2026-06-01"},
		{Kind: reports.Month, Date: "2026-12-01"},
		{Kind: reports.Custom, From: "2026-02-27", To: "2026-03-02"},
	}
	steps := 0
	check := func(step string) {
		t.Helper()
		// Every other step, the cache is filled ahead (as the server does in the background)
		// before the readers come; the others leave the filling to the first read.
		if steps++; steps%2 == 1 {
			n, err := e.s.FillAhead(context.Background())
			if err != nil {
				t.Fatalf("%s: fill ahead: %v", step, err)
			}
			if steps == 1 && n < 3*300 {
				t.Fatalf("%s: fill ahead stored %d days, want the three kinds' past days", step, n)
			}
		}
		// Concurrent readers of one report share a computation: each gets the plain report.
		year := reports.PeriodQuery{Kind: reports.Year, Date: "2026-06-01"}
		want, err := e.s.BuildPlain(context.Background(), reports.Morbidity, year, i18n.EN)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		got := make([]reports.Report, 6)
		errs := make([]error, len(got))
		for i := range got {
			wg.Go(func() { got[i], errs[i] = e.s.Build(context.Background(), reports.Morbidity, year, i18n.EN) })
		}
		wg.Wait()
		for i := range got {
			if errs[i] != nil || !reflect.DeepEqual(got[i], want) {
				t.Fatalf("%s: concurrent reader %d: %v\n%+v\nplain\n%+v", step, i, errs[i], got[i], want)
			}
		}
		for _, kind := range []string{reports.Attendance, reports.Morbidity, reports.Revenue} {
			for _, q := range periods {
				for range 2 { // the first read fills the cache, the second reads it
					got, err := e.s.Build(context.Background(), kind, q, i18n.EN)
					if err != nil {
						t.Fatalf("%s: %s %v: %v", step, kind, q, err)
					}
					want, err := e.s.BuildPlain(context.Background(), kind, q, i18n.EN)
					if err != nil {
						t.Fatal(err)
					}
					if !reflect.DeepEqual(got, want) {
						t.Fatalf("%s: %s %v: cached\n%+v\nplain\n%+v", step, kind, q, got, want)
					}
				}
			}
		}
		var days int
		if err := e.d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM core_reportday WHERE day < '2026-12-02'`).Scan(&days); err != nil {
			t.Fatal(err)
		}
		if days < 300 {
			t.Fatalf("%s: %d cached days, want the year's past days", step, days)
		}
	}
	check("random visits")

	// A birth date corrected: the patient moves age group on every day of their encounters.
	e.exec(`UPDATE core_patient SET date_of_birth = '2026-01-15', gender = 'female' WHERE id = $1`, patients[3])
	check("birth date and sex corrected")
	// A visit today forgets no closed day (a visit changes its patient's later days only).
	cachedDays := func() (n int) {
		if err := e.d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM core_reportday`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := cachedDays()
	e.encounter(patients[4], "2026-12-02 09:00")
	if after := cachedDays(); after != before {
		t.Fatalf("a visit today forgot %d cached days", before-after)
	}
	check("a visit today")
	// A backdated encounter: the patient's earlier first visit makes a later new visit a repeat.
	e.encounter(patients[5], "2025-12-31 23:59")
	e.encounter(patients[6], "2026-03-01 00:00")
	check("backdated encounters")
	// An encounter moved to another day, another given to another patient.
	e.exec(`UPDATE core_encounter SET created_at = created_at - interval '40 days' WHERE id = $1`, encounters[10])
	e.exec(`UPDATE core_encounter SET patient_id = $2 WHERE id = $1`, encounters[11], patients[7])
	check("encounter moved and reassigned")
	// A free-text diagnosis coded weeks later, an episode corrected, free text added.
	diag(freeText[0], "A09", "new")
	e.exec(`UPDATE core_encounterdiagnosis SET episode = CASE episode WHEN 'new' THEN 'follow_up' ELSE 'new' END
		WHERE id = (SELECT min(id) FROM core_encounterdiagnosis)`)
	e.exec(`UPDATE core_encounter SET diagnosis = 'cough' WHERE id = $1`, encounters[20])
	check("diagnoses coded and corrected")
	// A payment backdated into the year, a bill cancelled, a service
	// renamed and moved to another category.
	e.exec(`INSERT INTO core_payment (bill_id, amount, payment_method, payment_date, received_by)
		VALUES ($1, 0.25, 'card', '2026-11-30 21:00+00', $2)`, bills[1], cashier)
	dbtest.ID(t, e.d, `UPDATE core_bill SET status = 'cancelled', cancelled_at = now(), cancel_reason = 'duplicate'
		WHERE id = (SELECT min(id) FROM core_bill WHERE paid_amount = 0 AND created_at >= '2026-03-01') RETURNING id`)
	e.exec(`UPDATE core_servicecatalog SET name = 'RDT', category = 'procedure' WHERE code = 'RRDT'`)
	check("payments, a cancelled bill, a renamed service")
	// The age groups changed in the settings.
	e.exec(`INSERT INTO core_setting (key, value) VALUES ('report_age_bands', '[0, 5, 18, 60]')
		ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`)
	check("age groups changed")
	// The time zone changed: days are cut elsewhere.
	e.exec(`UPDATE core_setting SET value = '"America/New_York"' WHERE key = 'timezone'`)
	check("time zone changed")
}
