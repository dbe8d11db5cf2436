package lab_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/billing"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/lab"
)

type env struct {
	t                *testing.T
	d                *db.DB
	s                *lab.Service
	doctor, tech, t2 db.Actor
	patient, enc     int64
	tests            map[string]int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	e := &env{t: t, d: d, s: lab.NewService(d), tests: map[string]int64{}}
	billing.NewService(d).WireLab(e.s)
	ctx := context.Background()
	user := func(name, role string) db.Actor { return db.Actor{UserID: dbtest.User(t, d, role, name, name, "Test")} }
	e.doctor, e.tech, e.t2 = user("doc", "doctor"), user("tech", "lab"), user("tech2", "lab")
	e.patient = dbtest.Patient(t, d, "P-1", "Amina", "Otieno", "1990-04-02", "female")
	e.enc = dbtest.ID(t, d, `INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'secret notes') RETURNING id`,
		e.patient, e.doctor.UserID)
	list, err := e.s.ListTests(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list.Items {
		e.tests[x.Code] = x.ID
	}
	return e
}

func (e *env) result(o lab.Order, code string) lab.Result {
	e.t.Helper()
	for _, r := range o.Results {
		if r.TestCode == code {
			return r
		}
	}
	e.t.Fatalf("no %s result in %+v", code, o.Results)
	return lab.Result{}
}

func TestOrderBillsOnceAndFlowsToResults(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if len(e.tests) < 11 {
		t.Fatalf("seeded catalog: %v", e.tests)
	}
	o, err := e.s.PlaceOrder(ctx, e.doctor, e.enc, lab.OrderParams{TestIDs: []int64{e.tests["MRDT"], e.tests["HB"], e.tests["FBC"]},
		ClinicalNote: "fever 3 days", Urgency: "urgent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Results) != 5 || o.Status != lab.StatusOrdered { // MRDT, HB, and the panel's HB, WBC, PLT
		t.Fatalf("order: %+v", o)
	}
	// One line per item ordered, priced from the catalog, on one bill.
	var lines, bills int
	var total string
	if err := e.d.Pool.QueryRow(ctx, `SELECT count(*), count(DISTINCT bill_id), sum(total_price)::text FROM core_billitem WHERE source = 'lab'`).
		Scan(&lines, &bills, &total); err != nil {
		t.Fatal(err)
	}
	if lines != 3 || bills != 1 || total != "1350.00" {
		t.Fatalf("bill lines: %d on %d bills, total %s", lines, bills, total)
	}
	// Charging an item again adds nothing.
	res, err := chargeAgain(e, o)
	if err != nil || res.Skipped != billing.SkipAlreadyCharged {
		t.Fatalf("second charge: %+v %v", res, err)
	}

	// Results before the specimen: refused.
	hb := e.result(o, "HB")
	if _, err := e.s.EnterResult(ctx, e.tech, hb.ID, lab.ResultParams{ValueNumeric: ptr(9), Version: hb.Version}); apperr.CodeOf(err) != "lab-not-collected" {
		t.Fatalf("before collection: %v", err)
	}
	if o, err = e.s.Collect(ctx, e.tech, o.ID, lab.ActParams{Version: o.Version}); err != nil || o.CollectedAt == nil {
		t.Fatalf("collect: %+v %v", o, err)
	}
	// Cancelling after collection: refused.
	if _, err := e.s.Cancel(ctx, e.doctor, o.ID, lab.CancelParams{Reason: "x", Version: o.Version}); apperr.CodeOf(err) != "lab-collected" {
		t.Fatalf("cancel after collection: %v", err)
	}
	hb = e.result(o, "HB")
	r, err := e.s.EnterResult(ctx, e.tech, hb.ID, lab.ResultParams{ValueNumeric: ptr(9.1), Version: hb.Version})
	if err != nil || r.Flag != "low" || r.Status != lab.ResultFinal || r.Reference != "12-15.5 g/dL" {
		t.Fatalf("low haemoglobin: %+v %v", r, err)
	}
	rdt := e.result(o, "MRDT")
	if _, err := e.s.EnterResult(ctx, e.tech, rdt.ID, lab.ResultParams{ValueText: "maybe", Version: rdt.Version}); apperr.CodeOf(err) != "" && err == nil {
		t.Fatal("a value outside the choices was accepted")
	}
	if r, err = e.s.EnterResult(ctx, e.tech, rdt.ID, lab.ResultParams{ValueText: "positive", Version: rdt.Version}); err != nil || r.Flag != "abnormal" {
		t.Fatalf("positive RDT: %+v %v", r, err)
	}
	// A critical platelet count tells the doctor at once.
	for _, x := range o.Results[2:] {
		if x.TestCode == "HB" && x.ID == hb.ID {
			continue
		}
		v := map[string]float64{"HB": 13, "WBC": 6, "PLT": 15}[x.TestCode]
		if _, err := e.s.EnterResult(ctx, e.tech, x.ID, lab.ResultParams{ValueNumeric: &v, Version: x.Version}); err != nil {
			t.Fatal(err)
		}
	}
	var critical, ready int
	e.d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE title LIKE 'CRITICAL%'), count(*) FILTER (WHERE title LIKE 'Lab results ready%')
		FROM core_notification WHERE user_id = $1 AND notification_type = 'handover_lab'`, e.doctor.UserID).Scan(&critical, &ready)
	if critical != 1 || ready != 1 {
		t.Fatalf("doctor's notifications: %d critical, %d ready", critical, ready)
	}
	if o, _ = e.s.GetOrder(ctx, o.ID); o.Status != lab.StatusCompleted {
		t.Fatalf("order after its last result: %s", o.Status)
	}
	plt := e.result(o, "PLT")
	if plt.Flag != "critical_low" || plt.AcknowledgedAt != nil {
		t.Fatalf("platelets: %+v", plt)
	}
	if plt, err = e.s.Acknowledge(ctx, e.doctor, plt.ID); err != nil || plt.AcknowledgedAt == nil {
		t.Fatalf("acknowledge: %+v %v", plt, err)
	}
}

func chargeAgain(e *env, o lab.Order) (billing.ChargeResult, error) {
	var item, service int64
	if err := e.d.Pool.QueryRow(context.Background(), `
		SELECT i.id, t.service_id FROM core_laborderitem i JOIN core_labtest t ON t.id = i.test_id WHERE i.order_id = $1 ORDER BY i.id LIMIT 1`, o.ID).
		Scan(&item, &service); err != nil {
		return billing.ChargeResult{}, err
	}
	var res billing.ChargeResult
	err := e.d.InTx(context.Background(), e.doctor, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		res, err = billing.NewService(e.d).ChargeInTx(ctx, tx, billing.Charge{PatientID: o.PatientID, Source: billing.SourceLab, SourceID: item, ServiceID: service})
		return err
	})
	return res, err
}

func TestVerificationAndAmendmentKeepHistory(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.d.Pool.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ('lab_verification', 'true'), ('billing_auto_lab', 'false')`); err != nil {
		t.Fatal(err)
	}
	o, err := e.s.PlaceOrder(ctx, e.doctor, e.enc, lab.OrderParams{TestIDs: []int64{e.tests["GLU"]}, Urgency: "stat"})
	if err != nil {
		t.Fatal(err)
	}
	var lines int
	e.d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_billitem WHERE source = 'lab'`).Scan(&lines)
	if lines != 0 {
		t.Fatalf("billing_auto_lab off, yet %d lines", lines)
	}
	o, _ = e.s.Collect(ctx, e.tech, o.ID, lab.ActParams{Version: o.Version})
	g := o.Results[0]
	r, err := e.s.EnterResult(ctx, e.tech, g.ID, lab.ResultParams{ValueNumeric: ptr(5.5), Version: g.Version})
	if err != nil || r.Status != lab.ResultEntered {
		t.Fatalf("entered: %+v %v", r, err)
	}
	if _, err := e.s.Verify(ctx, e.tech, r.ID, lab.ActParams{Version: r.Version}); apperr.CodeOf(err) != "lab-same-technician" {
		t.Fatalf("self-verification: %v", err)
	}
	if r, err = e.s.Verify(ctx, e.t2, r.ID, lab.ActParams{Version: r.Version}); err != nil || r.Status != lab.ResultFinal || r.VerifiedByName != "tech2 Test" {
		t.Fatalf("verify: %+v %v", r, err)
	}
	// A final result changes only by amendment, with a reason.
	if _, err := e.s.EnterResult(ctx, e.tech, r.ID, lab.ResultParams{ValueNumeric: ptr(9), Version: r.Version}); apperr.CodeOf(err) != "lab-final" {
		t.Fatalf("re-entry of a final result: %v", err)
	}
	if _, err := e.s.Amend(ctx, e.tech, r.ID, lab.ResultParams{ValueNumeric: ptr(9), Version: r.Version}); err == nil {
		t.Fatal("amendment without a reason accepted")
	}
	a, err := e.s.Amend(ctx, e.tech, r.ID, lab.ResultParams{ValueNumeric: ptr(9), Reason: "transcription error", Version: r.Version})
	if err != nil || !a.Amended || *a.ValueNumeric != 9 || a.Flag != "high" || len(a.Amendments) != 1 ||
		*a.Amendments[0].OldNumeric != 5.5 || a.Amendments[0].Reason != "transcription error" {
		t.Fatalf("amended: %+v %v", a, err)
	}
	var audited int
	e.d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_labresultamendment'`).Scan(&audited)
	if audited != 1 {
		t.Fatalf("amendment audit rows: %d", audited)
	}
	// Trend: the final value.
	tr, err := e.s.PatientTrend(ctx, e.patient, e.tests["GLU"])
	if err != nil || len(tr.Points) != 1 || tr.Points[0].Value != 9 {
		t.Fatalf("trend: %+v %v", tr, err)
	}
}

func TestCancelBeforeCollection(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	o, err := e.s.PlaceOrder(ctx, e.doctor, e.enc, lab.OrderParams{TestIDs: []int64{e.tests["HCG"]}, Urgency: "routine"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Cancel(ctx, e.doctor, o.ID, lab.CancelParams{Version: o.Version}); err == nil {
		t.Fatal("cancel without a reason accepted")
	}
	c, err := e.s.Cancel(ctx, e.doctor, o.ID, lab.CancelParams{Reason: "patient left", Version: o.Version})
	if err != nil || c.Status != lab.StatusCancelled || c.CancelReason != "patient left" {
		t.Fatalf("cancel: %+v %v", c, err)
	}
	w, err := e.s.Worklist(ctx, 0, "")
	if err != nil || len(w.Items) != 0 {
		t.Fatalf("worklist after cancel: %+v %v", w, err)
	}
	// The cancelled test is no longer owed: its line is credited on its bill, which owes nothing.
	var billID int64
	var credit, balance string
	if err := e.d.Pool.QueryRow(ctx, `
		SELECT b.id, (SELECT sum(total_price)::text FROM core_billitem WHERE bill_id = b.id AND kind = 'credit'),
		       (b.total_amount - b.paid_amount)::text
		  FROM core_bill b WHERE b.patient_id = $1`, e.patient).Scan(&billID, &credit, &balance); err != nil {
		t.Fatal(err)
	}
	var price string
	e.d.Pool.QueryRow(ctx, `SELECT total_price::text FROM core_billitem WHERE bill_id = $1 AND source = 'lab'`, billID).Scan(&price)
	if price == "" || credit != "-"+price || balance != "0.00" {
		t.Fatalf("after cancel: line %s, credit %s, balance %s", price, credit, balance)
	}

	// Paid before the cancellation: the credit stops at the balance (nothing is owed to the
	// patient by a credit), and says what the cashier refunds.
	o2, err := e.s.PlaceOrder(ctx, e.doctor, e.enc, lab.OrderParams{TestIDs: []int64{e.tests["HB"], e.tests["MRDT"]}, Urgency: "routine"})
	if err != nil {
		t.Fatal(err)
	}
	var bill2 int64
	var owed string
	if err := e.d.Pool.QueryRow(ctx, `SELECT bill_id FROM core_billitem WHERE source = 'lab' ORDER BY id DESC LIMIT 1`).Scan(&bill2); err != nil {
		t.Fatal(err)
	}
	bs := billing.NewService(e.d)
	e.d.Pool.QueryRow(ctx, `SELECT (total_amount - paid_amount)::text FROM core_bill WHERE id = $1`, bill2).Scan(&owed)
	if _, err := bs.Pay(ctx, e.doctor, bill2, "", billing.PaymentParams{Amount: "100.00", PaymentMethod: "cash"}); err != nil {
		t.Fatalf("payment on %s owed: %v", owed, err)
	}
	if _, err := e.s.Cancel(ctx, e.doctor, o2.ID, lab.CancelParams{Reason: "sent elsewhere", Version: o2.Version}); err != nil {
		t.Fatal(err)
	}
	var left string
	var refund bool
	if err := e.d.Pool.QueryRow(ctx, `
		SELECT (total_amount - paid_amount)::text,
		       EXISTS (SELECT 1 FROM core_billitem WHERE bill_id = $1 AND kind = 'credit' AND description LIKE '%refunded%')
		  FROM core_bill WHERE id = $1`, bill2).Scan(&left, &refund); err != nil {
		t.Fatal(err)
	}
	if left != "0.00" || !refund {
		t.Fatalf("cancel after a payment of 100.00 on %s: balance %s, refund noted %v", owed, left, refund)
	}
	// Ordering on a closed encounter: refused.
	e.d.Pool.Exec(ctx, `UPDATE core_encounter SET status = 'closed', closed_at = now() WHERE id = $1`, e.enc)
	if _, err := e.s.PlaceOrder(ctx, e.doctor, e.enc, lab.OrderParams{TestIDs: []int64{e.tests["HCG"]}, Urgency: "routine"}); apperr.CodeOf(err) != "encounter-closed" {
		t.Fatalf("order on a closed encounter: %v", err)
	}
}

func TestCatalogIsEditable(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := e.doctor // the service checks no role: the route does (services.write)
	p := lab.TestParams{Code: "crp", NameEN: "C-reactive protein", NameFR: "Protéine C réactive", Specimen: "serum", ResultType: "numeric",
		Unit: "mg/L", Ranges: []lab.Range{{Sex: "any", Band: "newborn", Lo: 0, Hi: 10}}, CriticalHigh: ptr(200), TurnaroundMinutes: 120}
	x, err := e.s.SaveTest(ctx, admin, 0, p)
	if err != nil || x.Code != "CRP" || x.Version != 1 || x.Ranges[0].Hi != 10 {
		t.Fatalf("create: %+v %v", x, err)
	}
	if _, err := e.s.SaveTest(ctx, admin, 0, p); apperr.CodeOf(err) != "invalid" && !hasField(err, "code") {
		t.Fatalf("duplicate code: %v", err)
	}
	bad := p
	bad.Ranges = []lab.Range{{Sex: "any", Band: "teenager", Lo: 5, Hi: 1}}
	if err := bad.Validate(); !hasField(err, "ranges.0.band") || !hasField(err, "ranges.0.lo") {
		t.Fatalf("bad range: %v", err)
	}
	p.Version = x.Version
	p.Ranges[0].Hi = 5
	y, err := e.s.SaveTest(ctx, admin, x.ID, p)
	if err != nil || y.Version != 2 || y.Ranges[0].Hi != 5 {
		t.Fatalf("update: %+v %v", y, err)
	}
	if _, err := e.s.SaveTest(ctx, admin, x.ID, p); apperr.CodeOf(err) != "stale-version" {
		t.Fatalf("stale update: %v", err)
	}
	// A panel of existing tests.
	panel, err := e.s.SaveTest(ctx, admin, 0, lab.TestParams{Code: "ANC", NameEN: "Antenatal panel", Specimen: "blood", ResultType: "panel",
		Members: []int64{e.tests["HB"], e.tests["HIV"], e.tests["SYPH"]}, TurnaroundMinutes: 60})
	if err != nil || len(panel.Members) != 3 || panel.Members[1] != e.tests["HIV"] {
		t.Fatalf("panel: %+v %v", panel, err)
	}
}

func hasField(err error, field string) bool {
	for _, f := range apperr.FieldsOf(err) {
		if f.Field == field {
			return true
		}
	}
	return false
}
