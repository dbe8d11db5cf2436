package pharmacy

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// fixture is a clinic with a pharmacist, an administrator, a doctor, a patient in an open
// encounter and a medication category.
type fixture struct {
	t          *testing.T
	s          *Service
	db         *db.DB
	pharmacist db.Actor
	admin      int64
	doctor     int64
	patient    int64
	encounter  int64
	category   int64
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := dbtest.New(t)
	f := &fixture{t: t, s: NewService(d), db: d}
	user := func(name, role string) int64 { return dbtest.User(t, d, role, name, "Test", role) }
	f.pharmacist = db.Actor{UserID: user("pharm", "pharmacist")}
	f.admin = user("boss", "admin")
	f.doctor = user("doc", "doctor")
	f.patient = f.id(`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, known_allergies)
		VALUES ('CHL-0001', 'Amina', 'Otieno', '1990-04-02', 'female', 'Penicillin') RETURNING id`)
	f.encounter = f.id(`INSERT INTO core_encounter (patient_id, doctor_id, notes) VALUES ($1, $2, 'cough') RETURNING id`, f.patient, f.doctor)
	f.category = f.id(`INSERT INTO core_medicationcategory (name) VALUES ('Antibiotics') RETURNING id`)
	return f
}

func (f *fixture) id(sql string, args ...any) int64 {
	f.t.Helper()
	return dbtest.ID(f.t, f.db, sql, args...)
}

func (f *fixture) medication(name string, reorder int64) int64 {
	f.t.Helper()
	m, err := f.s.CreateMedication(context.Background(), f.pharmacist, MedicationParams{Name: name, CategoryID: f.category,
		Strength: "500 mg", Form: "capsule", UnitPrice: "12.50", ReorderLevel: &reorder})
	if err != nil {
		f.t.Fatalf("create medication: %v", err)
	}
	return m.ID
}

func (f *fixture) receive(med int64, batch string, expiry time.Time, qty int64) int64 {
	f.t.Helper()
	c, err := f.s.Receive(context.Background(), f.pharmacist, med, ReceiveParams{BatchNumber: batch,
		ExpiryDate: expiry.Format(time.DateOnly), Quantity: qty, UnitCost: "4.20"})
	if err != nil {
		f.t.Fatalf("receive: %v", err)
	}
	return c.Batch.ID
}

// stocked creates a medication with qty in stock, one batch good for a year.
func (f *fixture) stocked(name string, reorder, qty int64) int64 {
	f.t.Helper()
	med := f.medication(name, reorder)
	f.receive(med, "B1", today().AddDate(1, 0, 0), qty)
	return med
}

// prescribed is a medication with stock in stock and a prescription of quantity units of it.
func (f *fixture) prescribed(name string, reorder, stock, quantity int64) (med, rx int64) {
	f.t.Helper()
	med = f.stocked(name, reorder, stock)
	return med, f.prescription(med, quantity)
}

// prescription writes a prescription of quantity units of med (0: free text).
func (f *fixture) prescription(med, quantity int64) int64 {
	f.t.Helper()
	var m *int64
	if med != 0 {
		m = &med
	}
	return f.id(`INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, medication_id, quantity, allergy_warning, allergy_override_reason)
		VALUES ($1, 'Amoxicillin', '500 mg', 'tds', $2, $3, 'Penicillin allergy', 'tolerated before') RETURNING id`, f.encounter, m, quantity)
}

// stock reads a medication's stock, the sum of its ledger and of its batches.
func (f *fixture) stock(med int64) (stock, ledger, batches int64) {
	f.t.Helper()
	err := f.db.Pool.QueryRow(context.Background(), `
		SELECT m.stock_quantity,
		       coalesce((SELECT sum(quantity_change) FROM core_stockmovement WHERE medication_id = m.id), 0),
		       coalesce((SELECT sum(quantity_left) FROM core_stockbatch WHERE medication_id = m.id), 0)
		  FROM core_medicationitem m WHERE m.id = $1`, med).Scan(&stock, &ledger, &batches)
	if err != nil {
		f.t.Fatal(err)
	}
	return
}

func (f *fixture) wantStock(med, want int64) {
	f.t.Helper()
	stock, ledger, batches := f.stock(med)
	if stock != want || ledger != want || batches != want {
		f.t.Fatalf("stock %d, ledger sum %d, batches sum %d; want all %d", stock, ledger, batches, want)
	}
}

func (f *fixture) count(sql string, args ...any) int64 {
	f.t.Helper()
	return f.id(sql, args...)
}

func today() time.Time { return time.Now() }

// 50 dispenses of 1 race for a stock of 10: exactly 10 succeed, 40 are told there is not
// enough, and the stock ends at 0, equal to its ledger.
func TestConcurrentDispensesNeverOversell(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	med := f.stocked("Amoxicillin", 2, 10)
	rx := make([]int64, 50)
	for i := range rx {
		rx[i] = f.prescription(med, 1)
	}
	var (
		wg                sync.WaitGroup
		mu                sync.Mutex
		ok, short, others int
	)
	start := make(chan struct{})
	for i := range rx {
		wg.Go(func() {
			<-start
			_, err := f.s.Dispense(context.Background(), f.pharmacist, rx[i], "", DispenseParams{Quantity: 1})
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case apperr.KindOf(err) == apperr.ErrConflict && apperr.CodeOf(err) == "insufficient-stock":
				short++
				if d, _ := apperr.DetailsOf(err).(map[string]int64); d["available"] != 0 || d["requested"] != 1 {
					t.Errorf("details %v, want available 0, requested 1", apperr.DetailsOf(err))
				}
			default:
				others++
				t.Errorf("dispense: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if ok != 10 || short != 40 || others != 0 {
		t.Fatalf("%d dispensed, %d refused for stock, %d other errors; want 10, 40, 0", ok, short, others)
	}
	f.wantStock(med, 0)
	if n := f.count(`SELECT count(*) FROM core_prescription WHERE dispensed_quantity = 1`); n != 10 {
		t.Fatalf("%d prescriptions marked dispensed, want 10", n)
	}
	if n := f.count(`SELECT count(*) FROM core_stockmovement WHERE kind = 'dispense'`); n != 10 {
		t.Fatalf("%d dispense movements, want 10", n)
	}
	// The balances of the ledger run 9, 8, ..., 0 without a gap or a repeat.
	if n := f.count(`SELECT count(DISTINCT balance_after) FROM core_stockmovement WHERE kind = 'dispense' AND balance_after BETWEEN 0 AND 9`); n != 10 {
		t.Fatalf("%d distinct balances after dispensing, want 10", n)
	}
}

// Dispensing takes the first-expiring batch first and never an expired one.
func TestDispenseFirstExpiringFirstNeverExpired(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	med := f.medication("Paracetamol", 0)
	// An expired batch: received when it was still in date.
	f.s.now = func() time.Time { return time.Now().AddDate(0, 0, -60) }
	expired := f.receive(med, "OLD", today().AddDate(0, 0, -5), 100)
	f.s.now = time.Now
	late := f.receive(med, "LATE", today().AddDate(0, 0, 200), 5)
	early := f.receive(med, "EARLY", today().AddDate(0, 0, 30), 5)

	m, err := f.s.Medication(context.Background(), med)
	if err != nil {
		t.Fatal(err)
	}
	if m.StockQuantity != 110 || m.AvailableQuantity != 10 || m.ExpiredQuantity != 100 || m.ExpiryDate == nil ||
		*m.ExpiryDate != today().AddDate(0, 0, 30).Format(time.DateOnly) || !m.ExpiringSoon {
		t.Fatalf("medication %+v: want stock 110, available 10, expired 100, expiry date the EARLY batch's", m.Medication)
	}

	rx := f.prescription(med, 20)
	d, err := f.s.Dispense(context.Background(), f.pharmacist, rx, "", DispenseParams{Quantity: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Batches) != 2 || d.Batches[0].BatchID != early || d.Batches[0].Quantity != 5 ||
		d.Batches[1].BatchID != late || d.Batches[1].Quantity != 2 {
		t.Fatalf("dispensed from %+v; want 5 from EARLY then 2 from LATE", d.Batches)
	}
	if d.DispensedTotal != 7 || d.FullyDispensed || d.UnitPrice != "12.50" || d.PatientID != f.patient {
		t.Fatalf("dispense %+v", d)
	}
	// Only 3 units in date are left: 4 more is refused though 103 are on the shelf.
	_, err = f.s.Dispense(context.Background(), f.pharmacist, rx, "", DispenseParams{Quantity: 4})
	if apperr.CodeOf(err) != "insufficient-stock" {
		t.Fatalf("dispensing past the stock in date: %v", err)
	}
	if det, _ := apperr.DetailsOf(err).(map[string]int64); det["available"] != 3 {
		t.Fatalf("details %v, want available 3", apperr.DetailsOf(err))
	}
	if n := f.count(`SELECT quantity_left FROM core_stockbatch WHERE id = $1`, expired); n != 100 {
		t.Fatalf("the expired batch holds %d, want 100 untouched", n)
	}
	f.wantStock(med, 103)

	// The expired batch is written off with an expire movement; a batch in date is not.
	if _, err := f.s.WriteOff(context.Background(), f.pharmacist, late, WriteOffParams{}); apperr.CodeOf(err) != "not-expired" {
		t.Fatalf("writing off a batch in date: %v", err)
	}
	c, err := f.s.WriteOff(context.Background(), f.pharmacist, expired, WriteOffParams{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Movements) != 1 || c.Movements[0].Kind != KindExpire || c.Movements[0].QuantityChange != -100 || c.Medication.ExpiredQuantity != 0 {
		t.Fatalf("write-off %+v", c)
	}
	f.wantStock(med, 3)
}

func TestDispenseRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med, other := f.stocked("Ibuprofen", 0, 50), f.stocked("Metformin", 0, 50)
	rx := f.prescription(med, 10)

	for name, tc := range map[string]struct {
		rx   int64
		p    DispenseParams
		kind apperr.Kind
	}{
		"zero":                  {rx, DispenseParams{Quantity: 0}, apperr.ErrInvalid},
		"negative":              {rx, DispenseParams{Quantity: -3}, apperr.ErrInvalid},
		"more than prescribed":  {rx, DispenseParams{Quantity: 11}, apperr.ErrInvalid},
		"another medication":    {rx, DispenseParams{MedicationID: other, Quantity: 1}, apperr.ErrInvalid},
		"unknown prescription":  {999999, DispenseParams{Quantity: 1}, apperr.ErrNotFound},
		"free text, no product": {f.prescription(0, 2), DispenseParams{Quantity: 1}, apperr.ErrInvalid},
	} {
		if _, err := f.s.Dispense(ctx, f.pharmacist, tc.rx, "", tc.p); apperr.KindOf(err) != tc.kind {
			t.Errorf("%s: %v, want %s", name, err, tc.kind)
		}
	}
	f.wantStock(med, 50)
	f.wantStock(other, 50)
	if n := f.count(`SELECT count(*) FROM core_dispense`); n != 0 {
		t.Fatalf("%d dispenses after refused requests", n)
	}

	// Partial, then the rest, then nothing more.
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 7}); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("more than what remains: %v", err)
	}
	d, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 6})
	if err != nil || !d.FullyDispensed || d.DispensedTotal != 10 {
		t.Fatalf("the rest: %+v, %v", d, err)
	}
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 1}); apperr.CodeOf(err) != "already-dispensed" {
		t.Fatalf("after full dispensing: %v", err)
	}
	f.wantStock(med, 40)

	// A free-text prescription is linked to the catalog first (the allergy check runs on the
	// link): naming a medication on the dispense is refused; once linked, it is dispensed.
	free := f.prescription(0, 2)
	if _, err := f.s.Dispense(ctx, f.pharmacist, free, "", DispenseParams{MedicationID: other, Quantity: 2}); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("free text dispensed without a link: %v", err)
	}
	f.id(`UPDATE core_prescription SET medication_id = $2, linked_at = now() WHERE id = $1 RETURNING id`, free, other)
	if d, err := f.s.Dispense(ctx, f.pharmacist, free, "", DispenseParams{Quantity: 2}); err != nil || d.MedicationID != other {
		t.Fatalf("free text: %+v, %v", d, err)
	}
	f.wantStock(other, 48)
	// The queue holds only what is still to dispense, with the allergy warning.
	q, err := f.s.Queue(ctx, 0, "", 0, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range q.Items {
		if e.PrescriptionID == rx || e.PrescriptionID == free {
			t.Fatalf("a dispensed prescription is still queued: %+v", e)
		}
		if e.AllergyWarning == nil || *e.AllergyWarning != "Penicillin allergy" || e.KnownAllergies != "Penicillin" {
			t.Fatalf("queue entry without its allergy warning: %+v", e)
		}
	}
	if len(q.Items) != 1 { // the free-text prescription refused above
		t.Fatalf("queue %+v, want 1 entry", q.Items)
	}
}

// The same request retried with one Idempotency-Key, one after the other or all at once,
// is applied once and answered the same.
func TestDispenseIdempotency(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med, rx := f.prescribed("Amoxicillin", 0, 30, 20)

	first, err := f.s.Dispense(ctx, f.pharmacist, rx, "key-1", DispenseParams{Quantity: 3})
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.s.Dispense(ctx, f.pharmacist, rx, "key-1", DispenseParams{Quantity: 3})
	if err != nil || !reflect.DeepEqual(first, again) {
		t.Fatalf("retry: %+v, %v; want %+v", again, err, first)
	}
	f.wantStock(med, 27)
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "key-1", DispenseParams{Quantity: 5}); apperr.CodeOf(err) != "idempotency-key-reused" {
		t.Fatalf("the key reused for another quantity: %v", err)
	}

	// Twenty copies of one request at once.
	var wg sync.WaitGroup
	answers := make([]Dispense, 20)
	errs := make([]error, 20)
	for i := range answers {
		wg.Go(func() {
			answers[i], errs[i] = f.s.Dispense(ctx, f.pharmacist, rx, "key-2", DispenseParams{Quantity: 2})
		})
	}
	wg.Wait()
	for i := range answers {
		if errs[i] != nil || !reflect.DeepEqual(answers[i], answers[0]) {
			t.Fatalf("copy %d: %+v, %v; want %+v", i, answers[i], errs[i], answers[0])
		}
	}
	f.wantStock(med, 25)
	if n := f.count(`SELECT dispensed_quantity FROM core_prescription WHERE id = $1`, rx); n != 5 {
		t.Fatalf("dispensed quantity %d, want 5", n)
	}
}

// OnDispense runs in the dispense's transaction: its failure undoes everything.
func TestOnDispenseHookShareTheTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med, rx := f.prescribed("Amoxicillin", 0, 10, 5)
	var got Dispensed
	f.s.OnDispense.Add(func(ctx context.Context, tx pgx.Tx, d Dispensed) error {
		got = d
		var left int64
		if err := tx.QueryRow(ctx, `SELECT stock_quantity FROM core_medicationitem WHERE id = $1`, d.MedicationID).Scan(&left); err != nil {
			return err
		}
		if left != 10-d.Quantity {
			return fmt.Errorf("the hook sees stock %d", left)
		}
		if d.Quantity == 3 {
			return errors.New("billing refused")
		}
		return nil
	})
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 3}); err == nil || err.Error() != "billing refused" {
		t.Fatalf("a failing hook: %v", err)
	}
	f.wantStock(med, 10)
	if n := f.count(`SELECT dispensed_quantity + (SELECT count(*) FROM core_dispense) FROM core_prescription WHERE id = $1`, rx); n != 0 {
		t.Fatal("a rolled-back dispense left rows")
	}
	d, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 2})
	if err != nil {
		t.Fatal(err)
	}
	if got.PatientID != f.patient || got.PrescriptionID != rx || got.DispenseID != d.ID || got.MedicationName != "Amoxicillin" ||
		got.Quantity != 2 || got.UnitPrice != "12.50" || len(got.MovementIDs) != 1 || got.MovementIDs[0] != d.Batches[0].MovementID {
		t.Fatalf("hook got %+v for %+v", got, d)
	}
	f.wantStock(med, 8)
}

func TestAdjustAndReceiveRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med := f.medication("Amoxicillin", 0)
	b1 := f.receive(med, "B1", today().AddDate(0, 2, 0), 5)
	b2 := f.receive(med, "B2", today().AddDate(0, 6, 0), 5)

	for name, p := range map[string]ReceiveParams{
		"past expiry":   {BatchNumber: "X", ExpiryDate: today().AddDate(0, 0, -1).Format(time.DateOnly), Quantity: 1, UnitCost: "1.00"},
		"zero quantity": {BatchNumber: "X", ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: 0, UnitCost: "1.00"},
		"negative":      {BatchNumber: "X", ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: -4, UnitCost: "1.00"},
		"cost 3 places": {BatchNumber: "X", ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: 1, UnitCost: "1.005"},
		"cost negative": {BatchNumber: "X", ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: 1, UnitCost: "-1.00"},
		"no batch":      {ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: 1, UnitCost: "1.00"},
		"bad date":      {BatchNumber: "X", ExpiryDate: "31/12/2030", Quantity: 1, UnitCost: "1.00"},
	} {
		if _, err := f.s.Receive(ctx, f.pharmacist, med, p); apperr.KindOf(err) != apperr.ErrInvalid {
			t.Errorf("receive %s: %v, want invalid", name, err)
		}
	}
	for name, p := range map[string]AdjustParams{
		"no reason":      {QuantityChange: -1},
		"blank reason":   {QuantityChange: -1, Reason: "   "},
		"zero":           {QuantityChange: 0, Reason: "count"},
		"found, nowhere": {QuantityChange: 2, Reason: "found"},
	} {
		if _, err := f.s.Adjust(ctx, f.pharmacist, med, p); apperr.KindOf(err) != apperr.ErrInvalid {
			t.Errorf("adjust %s: %v, want invalid", name, err)
		}
	}
	if _, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: -11, Reason: "count"}); apperr.CodeOf(err) != "insufficient-stock" {
		t.Fatalf("below zero: %v", err)
	}
	if _, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: -6, Reason: "count", BatchID: b1}); apperr.CodeOf(err) != "insufficient-stock" {
		t.Fatalf("below zero in a batch: %v", err)
	}
	f.wantStock(med, 10)

	c, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: -7, Reason: "water damage"})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Movements) != 2 || c.Movements[0].BatchID != b1 || c.Movements[0].QuantityChange != -5 ||
		c.Movements[1].BatchID != b2 || c.Movements[1].QuantityChange != -2 || c.Movements[1].BalanceAfter != 3 {
		t.Fatalf("negative adjustment, first expiring first: %+v", c.Movements)
	}
	if _, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: 4, Reason: "found in store", BatchID: b2}); err != nil {
		t.Fatal(err)
	}
	f.wantStock(med, 7)
	page, err := f.s.Movements(ctx, med, 2, "")
	if err != nil || len(page.Items) != 2 || page.NextCursor == nil || page.Items[0].Reason != "found in store" {
		t.Fatalf("ledger page 1: %+v, %v", page, err)
	}
	rest, err := f.s.Movements(ctx, med, 10, *page.NextCursor)
	if err != nil || len(rest.Items) != 3 || rest.NextCursor != nil || rest.Items[2].Kind != KindReceive {
		t.Fatalf("ledger page 2: %+v, %v", rest, err)
	}
}

// Crossing the reorder level and a batch entering the expiry window each notify pharmacists
// and administrators, once.
func TestStockNotifications(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med := f.medication("Amoxicillin", 5)
	f.receive(med, "SOON", today().AddDate(0, 0, 20), 8)
	f.receive(med, "LATER", today().AddDate(1, 0, 0), 0+1)
	notes := func(kind string) int64 {
		return f.count(`SELECT count(*) FROM core_notification WHERE notification_type = $1`, kind)
	}
	rx := f.prescription(med, 9)
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 3}); err != nil { // 9 -> 6: above
		t.Fatal(err)
	}
	if n := notes("low_stock"); n != 0 {
		t.Fatalf("%d low-stock notifications above the reorder level", n)
	}
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 2}); err != nil { // 6 -> 4: crosses
		t.Fatal(err)
	}
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 1}); err != nil { // 4 -> 3: already under
		t.Fatal(err)
	}
	if n := notes("low_stock"); n != 2 { // the pharmacist and the administrator
		t.Fatalf("%d low-stock notifications, want 2", n)
	}
	for range 2 {
		if _, err := f.s.CheckExpiry(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := notes("expiry"); n != 2 {
		t.Fatalf("%d expiry notifications after two checks, want 2 (one batch, two users)", n)
	}
	a, err := f.s.Alerts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.LowStock) != 1 || a.LowStock[0].AvailableQuantity != 3 || len(a.Expiring) != 1 || a.Expiring[0].BatchNumber != "SOON" ||
		a.Expiring[0].DaysLeft != 20 || len(a.Expired) != 0 || a.ExpiryWarningDays != DefaultExpiryWarningDays {
		t.Fatalf("alerts %+v", a)
	}
}

func TestCatalogRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	for name, p := range map[string]MedicationParams{
		"negative price":  {Name: "A", CategoryID: f.category, Strength: "1", Form: "tab", UnitPrice: "-1.00"},
		"three decimals":  {Name: "A", CategoryID: f.category, Strength: "1", Form: "tab", UnitPrice: "1.005"},
		"not a number":    {Name: "A", CategoryID: f.category, Strength: "1", Form: "tab", UnitPrice: "abc"},
		"no category":     {Name: "A", Strength: "1", Form: "tab", UnitPrice: "1.00"},
		"unknown cat":     {Name: "A", CategoryID: 99999, Strength: "1", Form: "tab", UnitPrice: "1.00"},
		"name too long":   {Name: string(make([]byte, 256)), CategoryID: f.category, Strength: "1", Form: "tab", UnitPrice: "1.00"},
		"missing strings": {CategoryID: f.category, UnitPrice: "1.00"},
	} {
		if _, err := f.s.CreateMedication(ctx, f.pharmacist, p); apperr.KindOf(err) != apperr.ErrInvalid {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
	m, err := f.s.CreateMedication(ctx, f.pharmacist, MedicationParams{Name: "Zinc", CategoryID: f.category, Strength: "20 mg", Form: "tablet", UnitPrice: "3.5"})
	if err != nil || m.UnitPrice != "3.50" || !m.RequiresPrescription || m.ReorderLevel != 10 {
		t.Fatalf("create: %+v, %v", m, err)
	}
	if _, err := f.s.CreateMedication(ctx, f.pharmacist, MedicationParams{Name: "Zinc", CategoryID: f.category, Strength: "1", Form: "t", UnitPrice: "1"}); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("duplicate name: %v", err)
	}
	price := "4.00"
	if _, err := f.s.UpdateMedication(ctx, f.pharmacist, m.ID, MedicationEdit{Version: m.Version + 1, UnitPrice: &price}); apperr.CodeOf(err) != "stale-version" {
		t.Fatalf("stale edit: %v", err)
	}
	off := false
	u, err := f.s.UpdateMedication(ctx, f.pharmacist, m.ID, MedicationEdit{Version: m.Version, UnitPrice: &price, IsActive: &off})
	if err != nil || u.UnitPrice != "4.00" || u.IsActive || u.Version != m.Version+1 {
		t.Fatalf("edit: %+v, %v", u, err)
	}
	list, err := f.s.Medications(ctx, MedicationFilter{})
	if err != nil || len(list.Items) != 0 {
		t.Fatalf("a deactivated medication is listed: %+v, %v", list, err)
	}
	if _, err := f.s.Receive(ctx, f.pharmacist, m.ID, ReceiveParams{BatchNumber: "B", ExpiryDate: today().AddDate(1, 0, 0).Format(time.DateOnly), Quantity: 1, UnitCost: "1"}); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("receiving a deactivated medication: %v", err)
	}
}

// Receiving or counting a quantity that still leaves the stock at or under the reorder level
// notifies (a stock already low before the change included), and a receipt that brings it above
// does not; a batch received inside the expiry warning window notifies at once, only once.
func TestReceiveAndCountBelowReorderNotify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name      string
		run       func(f *fixture, med int64)
		wantLow   int64
		wantExpir int64
	}{
		{"first receipt under the level", func(f *fixture, med int64) {
			f.receive(med, "A", today().AddDate(1, 0, 0), 3)
		}, 2, 0},
		{"second receipt still under the level", func(f *fixture, med int64) {
			f.receive(med, "A", today().AddDate(1, 0, 0), 2)
			f.receive(med, "B", today().AddDate(1, 0, 0), 2)
		}, 4, 0},
		{"receipt above the level", func(f *fixture, med int64) {
			f.receive(med, "A", today().AddDate(1, 0, 0), 50)
		}, 0, 0},
		{"count found a few more, still under", func(f *fixture, med int64) {
			b := f.receive(med, "A", today().AddDate(1, 0, 0), 50)
			if _, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: -48, Reason: "count", BatchID: b}); err != nil {
				f.t.Fatal(err)
			}
			if _, err := f.s.Adjust(ctx, f.pharmacist, med, AdjustParams{QuantityChange: 1, Reason: "count", BatchID: b}); err != nil {
				f.t.Fatal(err)
			}
		}, 4, 0},
		{"batch received inside the warning window", func(f *fixture, med int64) {
			f.receive(med, "SOON", today().AddDate(0, 0, 10), 50)
			if n, err := f.s.CheckExpiry(ctx); err != nil || n != 0 {
				f.t.Fatalf("the hourly check notified %d batches again (%v)", n, err)
			}
		}, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			med := f.medication("Amoxicillin", 5)
			tc.run(f, med)
			if n := f.count(`SELECT count(*) FROM core_notification WHERE notification_type = 'low_stock'`); n != tc.wantLow {
				t.Errorf("%d low-stock notifications, want %d", n, tc.wantLow)
			}
			if n := f.count(`SELECT count(*) FROM core_notification WHERE notification_type = 'expiry'`); n != tc.wantExpir {
				t.Errorf("%d expiry notifications, want %d", n, tc.wantExpir)
			}
		})
	}
}

// The ledger names the patient each dispense went to.
func TestLedgerNamesThePatient(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med, rx := f.prescribed("Amoxicillin", 5, 20, 4)
	if _, err := f.s.Dispense(ctx, f.pharmacist, rx, "", DispenseParams{Quantity: 4}); err != nil {
		t.Fatal(err)
	}
	page, err := f.s.Movements(ctx, med, 10, "")
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("ledger %+v, %v", page, err)
	}
	d, r := page.Items[0], page.Items[1]
	if d.Kind != KindDispense || d.PatientID == nil || *d.PatientID != f.patient || d.PatientName == nil ||
		*d.PatientName != "Amina Otieno" || d.PatientUniqueID == nil || *d.PatientUniqueID != "CHL-0001" {
		t.Fatalf("dispense movement %+v", d)
	}
	if r.Kind != KindReceive || r.PatientID != nil || r.PatientName != nil {
		t.Fatalf("receive movement %+v", r)
	}
}
