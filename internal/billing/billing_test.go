package billing_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/billing"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// env is a billing service on its own database, with a cashier and a patient.
type env struct {
	t       *testing.T
	d       *db.DB
	s       *billing.Service
	cashier db.Actor
	patient int64
}

func newEnv(t *testing.T) *env {
	t.Helper()
	d := dbtest.New(t)
	e := &env{t: t, d: d, s: billing.NewService(d)}
	e.cashier = db.Actor{UserID: dbtest.User(t, d, "cashier", "cash1", "Neema", "Cashier")}
	e.patient = e.newPatient("P-0001", "Amina", "Otieno")
	return e
}

func (e *env) newPatient(uniqueID, first, last string) int64 {
	e.t.Helper()
	return dbtest.Patient(e.t, e.d, uniqueID, first, last, "1990-04-02", "female")
}

func (e *env) service(code, price string) int64 {
	e.t.Helper()
	c, err := e.s.CreateService(context.Background(), e.cashier, billing.ServiceParams{Name: "Service " + code, Code: code, Category: "procedure", Price: price})
	if err != nil {
		e.t.Fatalf("service %s: %v", code, err)
	}
	return c.ID
}

func (e *env) bill(items ...billing.ItemParams) billing.BillDetail {
	e.t.Helper()
	b, err := e.s.CreateBill(context.Background(), e.cashier, billing.CreateBillParams{PatientID: e.patient, Items: items})
	if err != nil {
		e.t.Fatalf("create bill: %v", err)
	}
	return b
}

// serviceBill is a new service at price and a bill of one line of it.
func (e *env) serviceBill(code, price string) (billing.BillDetail, int64) {
	e.t.Helper()
	svc := e.service(code, price)
	return e.bill(billing.ItemParams{ServiceID: svc}), svc
}

// sums reads a bill's amounts and the sums of its lines and payments from the database.
func (e *env) sums(id int64) (total, paid, items, payments, status string) {
	e.t.Helper()
	err := e.d.Pool.QueryRow(context.Background(), `
		SELECT total_amount::text, paid_amount::text,
		       (SELECT coalesce(sum(total_price), 0)::numeric(12,2)::text FROM core_billitem WHERE bill_id = b.id),
		       (SELECT coalesce(sum(amount), 0)::numeric(12,2)::text FROM core_payment WHERE bill_id = b.id), status
		  FROM core_bill b WHERE id = $1`, id).Scan(&total, &paid, &items, &payments, &status)
	if err != nil {
		e.t.Fatal(err)
	}
	return
}

func fieldCodes(err error) map[string]string {
	out := map[string]string{}
	for _, f := range apperr.FieldsOf(err) {
		out[f.Field] = f.Code
	}
	return out
}

func TestMoneyAddsUpExactly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	a, b := e.service("A", "0.10"), e.service("B", "0.20")
	bill := e.bill(billing.ItemParams{ServiceID: a}, billing.ItemParams{ServiceID: b})
	if got := bill.TotalAmount.String(); got != "0.30" {
		t.Fatalf("0.10 + 0.20 = %s, want 0.30", got)
	}
	if total, _, items, _, _ := e.sums(bill.ID); total != "0.30" || items != "0.30" {
		t.Fatalf("stored total %s, items %s; want 0.30", total, items)
	}

	cent := e.service("CENT", "0.01")
	many := make([]billing.ItemParams, 1000)
	for i := range many {
		many[i] = billing.ItemParams{ServiceID: cent}
	}
	big := e.bill(many...)
	if got := big.TotalAmount.String(); got != "10.00" || len(big.Items) != 1000 {
		t.Fatalf("1000 x 0.01 = %s (%d lines), want 10.00", got, len(big.Items))
	}
	if total, _, _, _, _ := e.sums(big.ID); total != "10.00" {
		t.Fatalf("stored total %s, want 10.00", total)
	}
	// A quantity multiplies exactly too.
	q := e.bill(billing.ItemParams{ServiceID: b, Quantity: 3})
	if got := q.TotalAmount.String(); got != "0.60" || q.Items[0].TotalPrice.String() != "0.60" {
		t.Fatalf("3 x 0.20 = %s, want 0.60", got)
	}
}

func TestBadAmountsAreRefusedAndChangeNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bill, _ := e.serviceBill("CONS", "100.00")
	for _, amount := range []string{"10.005", "-5.00", "-0.01", "ten", "1e3", "0x10", "1,000.00", "", " ", "0", "0.00",
		"10000000000.00", "99999999999", "NaN", "Infinity", "5.", ".5"} {
		t.Run(amount, func(t *testing.T) {
			_, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: amount, PaymentMethod: "cash"})
			if apperr.KindOf(err) != apperr.ErrInvalid || fieldCodes(err)["amount"] == "" {
				t.Fatalf("pay %q: %v, want a field error on amount", amount, err)
			}
			_, err = e.s.CreateService(ctx, e.cashier, billing.ServiceParams{Name: "X", Code: "X" + fmt.Sprint(len(amount)), Category: "lab", Price: amount})
			if amount != "0" && amount != "0.00" && (apperr.KindOf(err) != apperr.ErrInvalid || fieldCodes(err)["price"] == "") {
				t.Fatalf("price %q: %v, want a field error on price", amount, err)
			}
		})
	}
	if _, paid, _, payments, _ := e.sums(bill.ID); paid != "0.00" || payments != "0.00" {
		t.Fatalf("after refused payments: paid %s, payments %s", paid, payments)
	}
	var n int
	if err := e.d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_servicecatalog WHERE code LIKE 'X%'`).Scan(&n); err != nil || n != 2 {
		// "0" and "0.00" are valid prices (a free service) and were created.
		t.Fatalf("services created by the bad prices: %d (%v), want the 2 free ones", n, err)
	}
	// The largest amount NUMERIC(12,2) holds is accepted as a price.
	if _, err := e.s.CreateService(ctx, e.cashier, billing.ServiceParams{Name: "Max", Code: "MAX", Category: "other", Price: "9999999999.99"}); err != nil {
		t.Fatalf("largest price: %v", err)
	}
}

func TestBillTotalBeyondNumericIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	max := e.service("MAX", "9999999999.99")
	_, err := e.s.CreateBill(context.Background(), e.cashier, billing.CreateBillParams{PatientID: e.patient,
		Items: []billing.ItemParams{{ServiceID: max}, {ServiceID: max}}})
	if apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("two lines over NUMERIC(12,2): %v, want invalid", err)
	}
	var n int
	if err := e.d.Pool.QueryRow(context.Background(), `SELECT count(*) FROM core_bill`).Scan(&n); err != nil || n != 0 {
		t.Fatalf("bills after the refusal: %d (%v), want 0", n, err)
	}
}

func TestPaymentsMoveTheStatusAndNeverExceedTheBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bill := e.bill(billing.ItemParams{ServiceID: e.service("CONS", "1500.00")})
	if bill.Status != billing.StatusPending {
		t.Fatalf("new bill %s", bill.Status)
	}
	p, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "500.00", PaymentMethod: "cash"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.ReceiptNumber, "R-") || p.ReceivedBy == nil || *p.ReceivedBy != e.cashier.UserID || p.ReceivedByName != "Neema Cashier" {
		t.Fatalf("payment %+v", p)
	}
	got, _ := e.s.GetBill(ctx, bill.ID)
	if got.Status != billing.StatusPartiallyPaid || got.Balance.String() != "1000.00" {
		t.Fatalf("after 500: %s balance %s", got.Status, got.Balance)
	}
	_, err = e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "1000.01", PaymentMethod: "cash"})
	if apperr.KindOf(err) != apperr.ErrInvalid || fieldCodes(err)["amount"] != apperr.CodeOutOfRange {
		t.Fatalf("over the balance: %v", err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "1000", PaymentMethod: "mobile_money", TransactionID: "MP123"}); err != nil {
		t.Fatal(err)
	}
	got, _ = e.s.GetBill(ctx, bill.ID)
	if got.Status != billing.StatusPaid || !got.Balance.IsZero() || len(got.Payments) != 2 {
		t.Fatalf("after full payment: %s balance %s, %d payments", got.Status, got.Balance, len(got.Payments))
	}
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "0.01", PaymentMethod: "cash"}); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("paying a paid bill: %v", err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, 999999, "", billing.PaymentParams{Amount: "1.00", PaymentMethod: "cash"}); !errors.Is(err, apperr.ErrNotFound) {
		t.Fatalf("unknown bill: %v", err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "1.00", PaymentMethod: "bitcoin"}); fieldCodes(err)["payment_method"] == "" {
		t.Fatalf("unknown method: %v", err)
	}
}

func TestParallelPaymentsCannotOverpay(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	for round := range 5 {
		bill := e.bill(billing.ItemParams{ServiceID: e.service(fmt.Sprintf("S%d", round), "100.00")})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "60.00", PaymentMethod: "cash"})
			}()
		}
		close(start)
		wg.Wait()
		ok, refused := 0, 0
		for _, err := range errs {
			switch {
			case err == nil:
				ok++
			case apperr.KindOf(err) == apperr.ErrInvalid && fieldCodes(err)["amount"] == apperr.CodeOutOfRange:
				refused++
			default:
				t.Fatalf("round %d: unexpected error %v", round, err)
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("round %d: %d paid, %d refused; want 1 and 1", round, ok, refused)
		}
		if _, paid, _, payments, status := e.sums(bill.ID); paid != "60.00" || payments != "60.00" || status != billing.StatusPartiallyPaid {
			t.Fatalf("round %d: paid %s, sum of payments %s, %s", round, paid, payments, status)
		}
	}
}

func TestIdempotencyKeyPaysOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bill := e.bill(billing.ItemParams{ServiceID: e.service("CONS", "100.00")})
	pay := billing.PaymentParams{Amount: "30.00", PaymentMethod: "cash"}
	first, err := e.s.Pay(ctx, e.cashier, bill.ID, "key-1", pay)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.s.Pay(ctx, e.cashier, bill.ID, "key-1", pay)
	if err != nil || again.ID != first.ID || again.ReceiptNumber != first.ReceiptNumber {
		t.Fatalf("retry: %+v %v; want payment %d again", again, err, first.ID)
	}
	// Concurrently: ten retries of a new key make one payment.
	var wg sync.WaitGroup
	ids := make([]int64, 10)
	errs := make([]error, 10)
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := e.s.Pay(ctx, e.cashier, bill.ID, "key-2", pay)
			ids[i], errs[i] = p.ID, err
		}()
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("concurrent retry %d: payment %d, %v; want %d", i, ids[i], errs[i], ids[0])
		}
	}
	if _, paid, _, _, _ := e.sums(bill.ID); paid != "60.00" {
		t.Fatalf("paid %s, want 60.00 (two payments)", paid)
	}
	// The same key for a different payment is a conflict, and pays nothing.
	_, err = e.s.Pay(ctx, e.cashier, bill.ID, "key-1", billing.PaymentParams{Amount: "31.00", PaymentMethod: "cash"})
	if apperr.KindOf(err) != apperr.ErrConflict || apperr.CodeOf(err) != "idempotency-key-reused" {
		t.Fatalf("reused key: %v", err)
	}
	other := e.bill(billing.ItemParams{ServiceID: e.service("LAB", "10.00")})
	if _, err = e.s.Pay(ctx, e.cashier, other.ID, "key-1", pay); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("key reused on another bill: %v", err)
	}
	if _, paid, _, _, _ := e.sums(bill.ID); paid != "60.00" {
		t.Fatalf("paid %s, want 60.00", paid)
	}
}

func TestLinesAfterPaymentAreCreditsOnly(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	cons, lab := e.service("CONS", "100.00"), e.service("LAB", "40.00")
	bill := e.bill(billing.ItemParams{ServiceID: cons})
	// Before any payment, services may be added.
	b, err := e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{ServiceID: lab, Quantity: 2}}})
	if err != nil || b.TotalAmount.String() != "180.00" {
		t.Fatalf("add before payment: %v %v", b.TotalAmount, err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "50.00", PaymentMethod: "card"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{ServiceID: lab}}})
	if apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("a service after a payment: %v, want invalid", err)
	}
	// A credit needs a reason and at most the balance (130.00).
	_, err = e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{Kind: "credit", Amount: "10.00"}}})
	if fieldCodes(err)["items.0.description"] != apperr.CodeRequired {
		t.Fatalf("credit without a reason: %v", err)
	}
	_, err = e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{Kind: "credit", Amount: "130.01", Description: "x"}}})
	if apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("credit over the balance: %v", err)
	}
	b, err = e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{Kind: "credit", Amount: "40.00", Description: "lab test not done"}}})
	if err != nil {
		t.Fatal(err)
	}
	last := b.Items[len(b.Items)-1]
	if b.TotalAmount.String() != "140.00" || last.Kind != "credit" || last.TotalPrice.String() != "-40.00" || b.Balance.String() != "90.00" {
		t.Fatalf("after credit: total %s balance %s, line %+v", b.TotalAmount, b.Balance, last)
	}
	// Crediting the whole balance makes the bill paid.
	b, err = e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{Kind: "credit", Amount: "90.00", Description: "waived"}}})
	if err != nil || b.Status != billing.StatusPaid {
		t.Fatalf("credit of the balance: %s %v", b.Status, err)
	}
	// A price change does not touch the lines already charged.
	if _, err := e.s.UpdateService(ctx, e.cashier, cons, billing.ServiceEdit{Version: 1, Price: ptr("999.00")}); err != nil {
		t.Fatal(err)
	}
	b, _ = e.s.GetBill(ctx, bill.ID)
	if b.Items[0].UnitPrice.String() != "100.00" || b.TotalAmount.String() != "50.00" {
		t.Fatalf("after a price change: line %s, total %s", b.Items[0].UnitPrice, b.TotalAmount)
	}
}

func ptr[T any](v T) *T { return &v }

func TestCancelOnlyWithoutPayments(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bill, svc := e.serviceBill("CONS", "100.00")
	_, err := e.s.UpdateBill(ctx, e.cashier, bill.ID, billing.BillEdit{Version: bill.Version, Status: ptr("cancelled")})
	if fieldCodes(err)["cancel_reason"] != apperr.CodeRequired {
		t.Fatalf("cancel without a reason: %v", err)
	}
	_, err = e.s.UpdateBill(ctx, e.cashier, bill.ID, billing.BillEdit{Version: bill.Version + 5, Status: ptr("cancelled"), CancelReason: ptr("duplicate")})
	if apperr.CodeOf(err) != "stale-version" {
		t.Fatalf("stale version: %v", err)
	}
	c, err := e.s.UpdateBill(ctx, e.cashier, bill.ID, billing.BillEdit{Version: bill.Version, Status: ptr("cancelled"), CancelReason: ptr("duplicate")})
	if err != nil || c.Status != billing.StatusCancelled || c.CancelReason != "duplicate" || c.CancelledAt == nil {
		t.Fatalf("cancel: %+v %v", c.Bill, err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "1.00", PaymentMethod: "cash"}); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("paying a cancelled bill: %v", err)
	}
	if _, err := e.s.AddItems(ctx, e.cashier, bill.ID, billing.AddItemsParams{Items: []billing.ItemParams{{ServiceID: svc}}}); apperr.KindOf(err) != apperr.ErrConflict {
		t.Fatalf("adding to a cancelled bill: %v", err)
	}

	paid := e.bill(billing.ItemParams{ServiceID: svc})
	if _, err := e.s.Pay(ctx, e.cashier, paid.ID, "", billing.PaymentParams{Amount: "1.00", PaymentMethod: "cash"}); err != nil {
		t.Fatal(err)
	}
	cur, _ := e.s.GetBill(ctx, paid.ID)
	_, err = e.s.UpdateBill(ctx, e.cashier, paid.ID, billing.BillEdit{Version: cur.Version, Status: ptr("cancelled"), CancelReason: ptr("oops")})
	if apperr.CodeOf(err) != "bill-has-payments" {
		t.Fatalf("cancel with payments: %v", err)
	}
}

// The database itself refuses amounts that are not the sums, and any edit of history.
func TestDatabaseKeepsTheSums(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	bill := e.bill(billing.ItemParams{ServiceID: e.service("CONS", "100.00")})
	if _, err := e.s.Pay(ctx, e.cashier, bill.ID, "", billing.PaymentParams{Amount: "10.00", PaymentMethod: "cash"}); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`UPDATE core_bill SET total_amount = 90.00 WHERE id = $1`,
		`UPDATE core_bill SET paid_amount = 20.00 WHERE id = $1`,
		`UPDATE core_billitem SET unit_price = 1.00, total_price = 1.00 WHERE bill_id = $1`,
		`DELETE FROM core_payment WHERE bill_id = $1`,
		`DELETE FROM core_billitem WHERE bill_id = $1`,
		`UPDATE core_payment SET amount = 5.00 WHERE bill_id = $1`,
		`INSERT INTO core_billitem (bill_id, service_catalog_id, unit_price, total_price) SELECT $1, id, 5, 5 FROM core_servicecatalog`,
		`UPDATE core_bill SET status = 'cancelled', cancel_reason = 'x', cancelled_at = now() WHERE id = $1`,
		`INSERT INTO core_bill (patient_id, total_amount, due_date) SELECT patient_id, 50, due_date FROM core_bill WHERE id = $1`,
	} {
		err := e.d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, sql, bill.ID)
			return err
		})
		if err == nil {
			t.Errorf("%s: accepted", sql)
		}
	}
	if total, paid, items, payments, status := e.sums(bill.ID); total != "100.00" || paid != "10.00" || items != total || payments != paid || status != "partially_paid" {
		t.Fatalf("after the attempts: total %s paid %s items %s payments %s %s", total, paid, items, payments, status)
	}
}

func TestListBills(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	svc := e.service("CONS", "10.00")
	other := e.newPatient("P-0002", "Baraka", "Mwangi")
	var ids []int64
	for range 3 {
		ids = append(ids, e.bill(billing.ItemParams{ServiceID: svc}).ID)
	}
	b2, err := e.s.CreateBill(ctx, e.cashier, billing.CreateBillParams{PatientID: other, Items: []billing.ItemParams{{ServiceID: svc}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Pay(ctx, e.cashier, ids[0], "", billing.PaymentParams{Amount: "10.00", PaymentMethod: "cash"}); err != nil {
		t.Fatal(err)
	}
	page, err := e.s.ListBills(ctx, billing.BillFilter{Status: "open", Limit: 2})
	if err != nil || len(page.Items) != 2 || page.Items[0].ID != b2.ID || page.NextCursor == nil {
		t.Fatalf("open bills page 1: %+v %v", page, err)
	}
	page, err = e.s.ListBills(ctx, billing.BillFilter{Status: "open", Limit: 2, Cursor: *page.NextCursor})
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != ids[1] || page.NextCursor != nil {
		t.Fatalf("open bills page 2: %+v %v", page, err)
	}
	for q, want := range map[string]int{"baraka": 1, "mwangi bar": 1, "zzz": 0, "Mwangi Baraka": 1, "P-0001": 3, "otieno": 3, "%": 0} {
		page, err := e.s.ListBills(ctx, billing.BillFilter{Q: q})
		if err != nil || len(page.Items) != want {
			t.Errorf("q=%q: %d bills (%v), want %d", q, len(page.Items), err, want)
		}
	}
	if _, err := e.s.ListBills(ctx, billing.BillFilter{Status: "overdue"}); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("unknown status: %v", err)
	}
}
