// Package billing owns the clinic's money: the service catalog and its prices, bills and their
// lines, payments, receipts and the day's cash report. Amounts are exact decimals (Money),
// never floats. The database keeps each bill's total equal to the sum of its lines and its
// paid amount equal to the sum of its payments (migration 0010); this package checks the
// rules first so that a user gets a clear answer, and locks the bill row (SELECT ... FOR
// UPDATE) around every change so two cashiers never overpay one bill.
package billing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/handover"
	"chelal/internal/patients"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// Statuses of a bill. The database derives pending, partially_paid and paid from the amounts.
const (
	StatusPending       = "pending"
	StatusPartiallyPaid = "partially_paid"
	StatusPaid          = "paid"
	StatusCancelled     = "cancelled"
)

// Kinds of bill line.
const (
	KindService      = "service"      // a catalog service charged by a user
	KindConsultation = "consultation" // the consultation fee charged when an encounter closes
	KindMedication   = "medication"   // a dispensed medication
	KindCredit       = "credit"       // a correction: a negative line
)

// MaxItems bounds the lines of one request.
const MaxItems = 1000

// MaxQuantity bounds one line's quantity.
const MaxQuantity = 100000

// Service is the billing domain.
type Service struct {
	db  *db.DB
	now func() time.Time
}

// NewService returns the billing service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// Bill is a patient's bill. Balance is total_amount - paid_amount.
type Bill struct {
	ID              int64      `json:"id"`
	PatientID       int64      `json:"patient_id"`
	PatientName     string     `json:"patient_name"`
	PatientUniqueID string     `json:"patient_unique_id"`
	TotalAmount     Money      `json:"total_amount"`
	PaidAmount      Money      `json:"paid_amount"`
	Balance         Money      `json:"balance"`
	Status          string     `json:"status" enum:"pending,partially_paid,paid,cancelled"`
	DueDate         string     `json:"due_date"`
	CreatedAt       time.Time  `json:"created_at"`
	CreatedBy       *int64     `json:"created_by"`
	CreatedByName   string     `json:"created_by_name"`
	CancelReason    string     `json:"cancel_reason"`
	CancelledAt     *time.Time `json:"cancelled_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	Version         int64      `json:"version"`
}

// BillDetail is a bill with its lines and payments, oldest first.
type BillDetail struct {
	Bill
	Items    []Item    `json:"items"`
	Payments []Payment `json:"payments"`
}

// Item is one line of a bill. Lines are never changed: a correction is a credit line.
type Item struct {
	ID               int64     `json:"id"`
	BillID           int64     `json:"bill_id"`
	Kind             string    `json:"kind" enum:"service,consultation,medication,credit"`
	ServiceCatalogID *int64    `json:"service_catalog_id"`
	ServiceCode      string    `json:"service_code"`
	Description      string    `json:"description" doc:"the service's name, or the line's own description"`
	Quantity         int64     `json:"quantity"`
	UnitPrice        Money     `json:"unit_price"`
	TotalPrice       Money     `json:"total_price"`
	Source           *string   `json:"source" doc:"encounter or dispense, for an automatic line"`
	SourceID         *int64    `json:"source_id"`
	CreatedAt        time.Time `json:"created_at"`
	CreatedByName    string    `json:"created_by_name"`
}

const selectBill = `
	SELECT b.id, b.patient_id, p.first_name || ' ' || p.last_name, p.unique_id, b.total_amount::text,
	       b.paid_amount::text, b.status, b.due_date::text, b.created_at, b.created_by,
	       coalesce(nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.username, ''),
	       coalesce(b.cancel_reason, ''), b.cancelled_at, b.updated_at, b.version
	  FROM core_bill b
	  JOIN core_patient p ON p.id = b.patient_id
	  LEFT JOIN auth_user u ON u.id = b.created_by`

func scanBill(r pgx.Row) (Bill, error) {
	var b Bill
	err := r.Scan(&b.ID, &b.PatientID, &b.PatientName, &b.PatientUniqueID, &b.TotalAmount, &b.PaidAmount, &b.Status,
		&b.DueDate, &b.CreatedAt, &b.CreatedBy, &b.CreatedByName, &b.CancelReason, &b.CancelledAt, &b.UpdatedAt, &b.Version)
	b.Balance = b.TotalAmount.Sub(b.PaidAmount)
	b.CreatedAt, b.UpdatedAt = b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	if b.CancelledAt != nil {
		t := b.CancelledAt.UTC()
		b.CancelledAt = &t
	}
	return b, err
}

const selectItem = `
	SELECT i.id, i.bill_id, i.kind, i.service_catalog_id, coalesce(c.code, ''),
	       coalesce(nullif(i.description, ''), c.name, ''), i.quantity, i.unit_price::text, i.total_price::text,
	       i.source, i.source_id, i.created_at,
	       coalesce(nullif(trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), ''), u.username, '')
	  FROM core_billitem i
	  LEFT JOIN core_servicecatalog c ON c.id = i.service_catalog_id
	  LEFT JOIN auth_user u ON u.id = i.created_by`

func scanItem(r pgx.Row) (Item, error) {
	var it Item
	err := r.Scan(&it.ID, &it.BillID, &it.Kind, &it.ServiceCatalogID, &it.ServiceCode, &it.Description, &it.Quantity,
		&it.UnitPrice, &it.TotalPrice, &it.Source, &it.SourceID, &it.CreatedAt, &it.CreatedByName)
	it.CreatedAt = it.CreatedAt.UTC()
	return it, err
}

// detail reads a bill with its lines and payments.
func detail(ctx context.Context, q db.Querier, id int64) (BillDetail, error) {
	b, err := scanBill(q.QueryRow(ctx, selectBill+` WHERE b.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return BillDetail{}, apperr.ErrNotFound
	}
	if err != nil {
		return BillDetail{}, fmt.Errorf("bill %d: %w", id, err)
	}
	d := BillDetail{Bill: b}
	d.Items, err = db.QueryAll(ctx, q, func(r pgx.CollectableRow) (Item, error) { return scanItem(r) },
		selectItem+` WHERE i.bill_id = $1 ORDER BY i.id`, id)
	if err != nil {
		return BillDetail{}, fmt.Errorf("bill %d items: %w", id, err)
	}
	if d.Payments, err = billPayments(ctx, q, id); err != nil {
		return BillDetail{}, fmt.Errorf("bill %d payments: %w", id, err)
	}
	return d, nil
}

// billPayments reads a bill's payments, in the order received.
func billPayments(ctx context.Context, q db.Querier, billID int64) ([]Payment, error) {
	return db.QueryAll(ctx, q, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r) },
		selectPayment+` WHERE pm.bill_id = $1 ORDER BY pm.id`, billID)
}

// lockBill reads a bill FOR UPDATE: the changes of one bill happen one after the other.
func lockBill(ctx context.Context, tx pgx.Tx, id int64) (Bill, error) {
	b, err := scanBill(tx.QueryRow(ctx, selectBill+` WHERE b.id = $1 FOR UPDATE OF b`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return b, apperr.ErrNotFound
	}
	if err != nil {
		return b, fmt.Errorf("lock bill %d: %w", id, err)
	}
	return b, nil
}

// ItemParams is one line to charge: a catalog service and a quantity (default 1), or, with
// kind "credit", a correction of amount with a description saying why. The price always
// comes from the catalog: a client cannot set it, nor any total.
type ItemParams struct {
	Kind        string `json:"kind,omitempty" enum:"service,credit" doc:"service (default) or credit"`
	ServiceID   int64  `json:"service_id,omitempty" doc:"the catalog service (kind service)"`
	Quantity    int64  `json:"quantity,omitempty" validate:"min=0,max=100000" doc:"default 1"`
	Amount      string `json:"amount,omitempty" doc:"kind credit: the amount taken off, a positive string with two decimals at most"`
	Description string `json:"description,omitempty" validate:"max=500" doc:"a note on the line; required for a credit (why)"`
}

// CreateBillParams opens a bill for a patient with its first lines.
type CreateBillParams struct {
	PatientID int64        `json:"patient_id"`
	DueDate   string       `json:"due_date,omitempty" doc:"YYYY-MM-DD; default today"`
	Items     []ItemParams `json:"items"`
}

// Validate reports every bad field that needs no catalog at once: the patient, the due date,
// and the lines' count and limits. The lines are priced and checked against the catalog in
// the transaction (checkItems).
func (p CreateBillParams) Validate() error {
	f := validate.Struct(p)
	if p.PatientID <= 0 {
		f.Add("patient_id", apperr.CodeRequired, "Choose the patient.")
	}
	if p.DueDate != "" {
		checkDueDate(&f, p.DueDate)
	}
	checkItemCount(&f, p.Items)
	return f.Err()
}

// checkItemCount adds a field error unless there are 1 to MaxItems lines.
func checkItemCount(f *apperr.Fields, items []ItemParams) {
	if len(items) == 0 {
		f.Add("items", apperr.CodeRequired, "Add at least one line.")
	} else if len(items) > MaxItems {
		f.Add("items", apperr.CodeOutOfRange, fmt.Sprintf("At most %d lines at once.", MaxItems))
	}
}

// trimItems trims the lines' descriptions, before they are checked.
func trimItems(items []ItemParams) {
	for i := range items {
		items[i].Description = strings.TrimSpace(items[i].Description)
	}
}

// line is a checked line, ready to insert.
type line struct {
	kind        string
	serviceID   *int64
	quantity    int64
	unitPrice   Money
	description string
}

// checkItems checks lines against the catalog and prices them from it (inside tx), once
// their Validate passed. With credits false, credit lines are refused (a new bill has nothing
// to correct).
func checkItems(ctx context.Context, tx pgx.Tx, items []ItemParams, credits bool) ([]line, error) {
	var f apperr.Fields
	var ids []int64
	for _, it := range items {
		if it.ServiceID > 0 {
			ids = append(ids, it.ServiceID)
		}
	}
	type svc struct {
		price  Money
		active bool
	}
	catalog := map[int64]svc{}
	if len(ids) > 0 {
		rows, err := tx.Query(ctx, `SELECT id, price::text, is_active FROM core_servicecatalog WHERE id = ANY($1)`, ids)
		if err != nil {
			return nil, fmt.Errorf("price lines: %w", err)
		}
		for rows.Next() {
			var id int64
			var s svc
			if err := rows.Scan(&id, &s.price, &s.active); err != nil {
				rows.Close()
				return nil, fmt.Errorf("price lines: %w", err)
			}
			catalog[id] = s
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, fmt.Errorf("price lines: %w", err)
		}
	}
	out := make([]line, 0, len(items))
	for i, it := range items {
		field := func(name string) string { return fmt.Sprintf("items.%d.%s", i, name) }
		desc := it.Description
		switch it.Kind {
		case "", KindService:
			l := line{kind: KindService, quantity: it.Quantity, description: desc}
			if l.quantity == 0 {
				l.quantity = 1
			}
			if it.Amount != "" {
				f.Add(field("amount"), apperr.CodeInvalid, "A service is charged at its catalog price; leave amount out.")
			}
			s, ok := catalog[it.ServiceID]
			switch {
			case it.ServiceID <= 0:
				f.Add(field("service_id"), apperr.CodeRequired, "Choose a service from the catalog.")
			case !ok:
				f.Add(field("service_id"), apperr.CodeInvalid, "There is no such service.")
			case !s.active:
				f.Add(field("service_id"), apperr.CodeInvalid, "This service is no longer offered.")
			default:
				id := it.ServiceID
				l.serviceID, l.unitPrice = &id, s.price
			}
			out = append(out, l)
		case KindCredit:
			if !credits {
				f.Add(field("kind"), apperr.CodeInvalid, "A new bill has nothing to credit; add a credit to an existing bill.")
				continue
			}
			if it.ServiceID != 0 || (it.Quantity != 0 && it.Quantity != 1) {
				f.Add(field("kind"), apperr.CodeInvalid, "A credit is an amount with a reason: leave service_id and quantity out.")
			}
			if desc == "" {
				f.Add(field("description"), apperr.CodeRequired, "Say why the credit is given.")
			}
			if m, ok := parseAmount(&f, field("amount"), it.Amount, true); ok {
				out = append(out, line{kind: KindCredit, quantity: 1, unitPrice: m.Neg(), description: desc})
			}
		default:
			f.Add(field("kind"), apperr.CodeInvalid, "A line is a service or a credit.")
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// insertLines adds lines to a bill in one statement (the database then sets its total once).
func insertLines(ctx context.Context, tx pgx.Tx, billID int64, lines []line) error {
	kinds := make([]string, len(lines))
	services := make([]*int64, len(lines))
	qty := make([]int64, len(lines))
	prices := make([]string, len(lines))
	descs := make([]string, len(lines))
	for i, l := range lines {
		kinds[i], services[i], qty[i], prices[i], descs[i] = l.kind, l.serviceID, l.quantity, l.unitPrice.String(), l.description
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO core_billitem (bill_id, kind, service_catalog_id, quantity, unit_price, total_price, description, created_by)
		SELECT $1, k, s, q, p::numeric, q * p::numeric, nullif(d, ''), NULLIF(current_setting('chelal.user_id', true), '')::integer
		  FROM unnest($2::text[], $3::integer[], $4::integer[], $5::text[], $6::text[]) WITH ORDINALITY AS t(k, s, q, p, d, n)
		 ORDER BY n`, billID, kinds, services, qty, prices, descs)
	return mapBillError(err)
}

// mapBillError turns the database's refusals of a bill change into answers for the user. The
// checks before the change make these rare: they are the last line of defence.
func mapBillError(err error) error {
	if err == nil {
		return nil
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch {
		case pg.Code == "22003": // numeric_value_out_of_range
			return apperr.Invalid(apperr.FieldError{Field: "items", Code: apperr.CodeOutOfRange,
				Message: "The bill's total would be larger than the largest amount the clinic can record (" + MaxMoney.String() + ")."})
		case db.IsCheck(err, "core_bill_paid_amount_check", "core_bill_total_amount_check"):
			return apperr.Invalid(apperr.FieldError{Field: "amount", Code: apperr.CodeOutOfRange,
				Message: "That is more than the balance of the bill."})
		case pg.Code == "55000": // object_not_in_prerequisite_state: cancelled, or paid and not a credit
			return apperr.New(apperr.ErrConflict, "The bill changed meanwhile (cancelled or paid); reload it.").WithCode("bill-changed")
		}
	}
	return fmt.Errorf("save bill: %w", err)
}

// today is the clinic's date now.
func (s *Service) today(ctx context.Context, q db.Querier) (string, error) {
	d, err := settings.Today(ctx, q, s.now())
	return d.Format(time.DateOnly), err
}

func checkDueDate(f *apperr.Fields, v string) {
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		f.Add("due_date", apperr.CodeInvalid, "The due date must be YYYY-MM-DD.")
	} else if d.Year() < 2000 || d.Year() > 2200 {
		f.Add("due_date", apperr.CodeOutOfRange, "The due date is not a plausible date.")
	}
}

// CreateBill opens a bill for a patient with its lines, priced from the catalog.
func (s *Service) CreateBill(ctx context.Context, actor db.Actor, p CreateBillParams) (BillDetail, error) {
	trimItems(p.Items)
	if err := p.Validate(); err != nil {
		return BillDetail{}, err
	}
	var out BillDetail
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		ok, err := patients.Exists(ctx, tx, p.PatientID)
		if err != nil {
			return err
		}
		if !ok {
			return apperr.Invalid(apperr.FieldError{Field: "patient_id", Code: apperr.CodeInvalid, Message: "There is no such patient."})
		}
		lines, err := checkItems(ctx, tx, p.Items, false)
		if err != nil {
			return err
		}
		due := p.DueDate
		if due == "" {
			if due, err = s.today(ctx, tx); err != nil {
				return err
			}
		}
		id, err := insertBill(ctx, tx, p.PatientID, due)
		if err != nil {
			return err
		}
		if err := insertLines(ctx, tx, id, lines); err != nil {
			return err
		}
		if err := handover.BillReady(ctx, tx, id); err != nil {
			return err
		}
		out, err = detail(ctx, tx, id)
		return err
	})
	return out, err
}

func insertBill(ctx context.Context, tx pgx.Tx, patientID int64, due string) (int64, error) {
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO core_bill (patient_id, total_amount, due_date, created_by)
		VALUES ($1, 0, $2, NULLIF(current_setting('chelal.user_id', true), '')::integer) RETURNING id`,
		patientID, due).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("insert bill: %w", err)
	}
	return id, nil
}

// AddItemsParams adds lines to a bill: services while nothing is paid, credits at any time
// (at most the balance: a credit never makes the bill owe the patient).
type AddItemsParams struct {
	Items []ItemParams `json:"items"`
}

// Validate reports every bad field that needs no catalog at once: the lines' count and limits.
func (p AddItemsParams) Validate() error {
	f := validate.Struct(p)
	checkItemCount(&f, p.Items)
	return f.Err()
}

// AddItems adds lines to a bill. Once a payment was taken only credits may be added.
func (s *Service) AddItems(ctx context.Context, actor db.Actor, billID int64, p AddItemsParams) (BillDetail, error) {
	trimItems(p.Items)
	if err := p.Validate(); err != nil {
		return BillDetail{}, err
	}
	var out BillDetail
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		b, err := lockBill(ctx, tx, billID)
		if err != nil {
			return err
		}
		if b.Status == StatusCancelled {
			return apperr.New(apperr.ErrConflict, "This bill is cancelled; open a new one.").WithCode("bill-cancelled")
		}
		lines, err := checkItems(ctx, tx, p.Items, true)
		if err != nil {
			return err
		}
		var f apperr.Fields
		credit := Zero
		for i, l := range lines {
			if l.kind == KindCredit {
				credit = credit.Sub(l.unitPrice)
			} else if !b.PaidAmount.IsZero() {
				f.Add(fmt.Sprintf("items.%d.kind", i), apperr.CodeInvalid,
					"This bill already has payments: add the service to a new bill, or correct it with a credit.")
			}
		}
		if err := f.Err(); err != nil {
			return err
		}
		if credit.Sign() > 0 {
			// Charges in the same request raise the balance first.
			balance := b.Balance
			for _, l := range lines {
				if l.kind != KindCredit {
					balance = balance.Add(l.unitPrice.Mul(l.quantity))
				}
			}
			if credit.Cmp(balance) > 0 {
				return apperr.Invalid(apperr.FieldError{Field: "items", Code: apperr.CodeOutOfRange,
					Message: fmt.Sprintf("Credits of %s are more than the balance of %s; a credit cannot make the clinic owe the patient.", credit, balance)}).
					WithDetails(map[string]string{"balance": balance.String()})
			}
		}
		if err := insertLines(ctx, tx, billID, lines); err != nil {
			return err
		}
		out, err = detail(ctx, tx, billID)
		return err
	})
	return out, err
}

// BillEdit changes a bill made on Version: its due date, or cancels it (status "cancelled"
// with a cancel_reason; only while nothing is paid).
type BillEdit struct {
	Version      int64   `json:"version,omitempty" doc:"or If-Match"`
	Status       *string `json:"status,omitempty" enum:"cancelled" doc:"only cancelled: the other statuses follow the payments"`
	CancelReason *string `json:"cancel_reason,omitempty" validate:"max=1000"`
	DueDate      *string `json:"due_date,omitempty"`
}

// Validate reports every bad field at once: the version, the due date, and a cancellation
// that comes with a reason (and a reason only with one).
func (e BillEdit) Validate() error {
	f := validate.Struct(e)
	apperr.CheckVersion(&f, e.Version)
	if e.DueDate != nil {
		checkDueDate(&f, *e.DueDate)
	}
	cancel := e.cancels()
	if e.Status != nil && !cancel {
		f.Add("status", apperr.CodeInvalid, "A bill can only be cancelled; its other statuses follow its payments.")
	}
	if e.CancelReason != nil && !cancel {
		f.Add("cancel_reason", apperr.CodeInvalid, "A reason goes with status cancelled.")
	}
	if cancel && (e.CancelReason == nil || *e.CancelReason == "") {
		f.Add("cancel_reason", apperr.CodeRequired, "Say why the bill is cancelled.")
	}
	return f.Err()
}

func (e BillEdit) cancels() bool { return e.Status != nil && *e.Status == StatusCancelled }

// UpdateBill applies an edit. A stale version is a conflict (409).
func (s *Service) UpdateBill(ctx context.Context, actor db.Actor, id int64, e BillEdit) (BillDetail, error) {
	reason := ""
	if e.CancelReason != nil {
		reason = strings.TrimSpace(*e.CancelReason)
		e.CancelReason = &reason
	}
	if err := e.Validate(); err != nil {
		return BillDetail{}, err
	}
	cancel := e.cancels()
	lock := func(ctx context.Context, tx pgx.Tx) (Bill, error) {
		b, err := lockBill(ctx, tx, id)
		if err == nil && b.Version != e.Version {
			err = apperr.Stale("bill")
		}
		return b, err
	}
	change := func(ctx context.Context, tx pgx.Tx, b Bill) error {
		if b.Status == StatusCancelled {
			return apperr.New(apperr.ErrConflict, "This bill is cancelled and can no longer change.").WithCode("bill-cancelled")
		}
		if cancel && !b.PaidAmount.IsZero() {
			return apperr.Invalid(apperr.FieldError{Field: "status", Code: apperr.CodeInvalid,
				Message: "A bill with payments cannot be cancelled; correct it with a credit line."}).WithCode("bill-has-payments")
		}
		due := b.DueDate
		if e.DueDate != nil {
			due = *e.DueDate
		}
		_, err := tx.Exec(ctx, `
			UPDATE core_bill SET due_date = $2,
			       status = CASE WHEN $3 THEN 'cancelled' ELSE status END,
			       cancel_reason = CASE WHEN $3 THEN $4 ELSE cancel_reason END,
			       cancelled_at = CASE WHEN $3 THEN now() ELSE cancelled_at END,
			       cancelled_by = CASE WHEN $3 THEN NULLIF(current_setting('chelal.user_id', true), '')::integer ELSE cancelled_by END
			 WHERE id = $1`, id, due, cancel, reason)
		return mapBillError(err)
	}
	return db.Edit(ctx, s.db, actor, lock, change, func(ctx context.Context, tx pgx.Tx) (BillDetail, error) { return detail(ctx, tx, id) })
}

// GetBill returns a bill with its lines and payments, or apperr.ErrNotFound.
func (s *Service) GetBill(ctx context.Context, id int64) (BillDetail, error) {
	return detail(ctx, s.db.Pool, id)
}

// Bill list filters' status values besides the bill statuses: open is pending or partially paid.
const StatusOpen = "open"

// BillFilter selects bills, newest first: a patient, a status (or "open"), a search over
// the patient's name and record number.
type BillFilter struct {
	PatientID int64
	Status    string
	Q         string
	Limit     int
	Cursor    string
}

// BillPage is one page of bills, newest first.
type BillPage = db.Page[Bill]

// listRequest checks a list's search text (at most 100 characters) with the list's other
// filters already in fe, then reads the page asked; every bad filter is reported at once.
func listRequest(fe *apperr.Fields, q string, limit int, cursor string) (int, int64, error) {
	if utf8.RuneCountInString(q) > 100 {
		fe.Add("q", apperr.CodeTooLong, "At most 100 characters.")
	}
	if err := fe.Err(); err != nil {
		return 0, 0, err
	}
	return db.PageRequest(limit, cursor)
}

// ListBills returns the bills of a filter, newest first.
func (s *Service) ListBills(ctx context.Context, bf BillFilter) (BillPage, error) {
	var fe apperr.Fields
	statuses := []string{StatusPending, StatusPartiallyPaid, StatusPaid, StatusCancelled, StatusOpen}
	if bf.Status != "" && !slices.Contains(statuses, bf.Status) {
		fe.Add("status", apperr.CodeInvalid, "Unknown status; use "+strings.Join(statuses, ", ")+".")
	}
	q := strings.TrimSpace(bf.Q)
	limit, before, err := listRequest(&fe, q, bf.Limit, bf.Cursor)
	if err != nil {
		return BillPage{}, err
	}
	var w db.Where
	w.Filter("b.id < $?", before) // 0 or a valid id (db.DecodeCursor)
	w.Filter("b.patient_id = $?", bf.PatientID)
	switch bf.Status {
	case "":
	case StatusOpen:
		w.Cond("b.status IN ('pending', 'partially_paid')")
	default:
		w.Add("b.status = $?", bf.Status)
	}
	if q != "" {
		// The patients' search table and its trigram index (internal/patients): each word typed
		// is part of the name, in any order; or the record number begins with what was typed.
		// A bill search stays quick with a million patients.
		var conds []string
		for i, word := range strings.Fields(strings.ToLower(q)) {
			if i == 4 {
				break
			}
			conds = append(conds, "s.name LIKE chelal_unaccent("+w.Arg("%"+db.EscapeLike(word)+"%")+")")
		}
		w.Cond(`b.patient_id IN (SELECT s.patient_id FROM core_patientsearch s WHERE ` + strings.Join(conds, " AND ") + `
			UNION ALL SELECT p2.id FROM core_patient p2 WHERE upper(p2.unique_id) LIKE ` + w.Arg(strings.ToUpper(db.EscapeLike(q))+"%") + `)`)
	}
	sql := selectBill + w.SQL() + " ORDER BY b.id DESC LIMIT " + w.Arg(limit+1)
	page, err := db.QueryPage(ctx, s.db.Pool, limit, func(r pgx.CollectableRow) (Bill, error) { return scanBill(r) },
		func(b Bill) string { return db.EncodeCursor(b.ID) }, sql, w.Args()...)
	if err != nil {
		return page, fmt.Errorf("list bills: %w", err)
	}
	return page, nil
}
