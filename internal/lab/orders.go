package lab

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/validate"
)

// Order statuses.
const (
	StatusOrdered   = "ordered"
	StatusCollected = "collected"
	StatusCompleted = "completed"
	StatusCancelled = "cancelled"
)

// Order is a lab order with what the lab needs of the patient (identity, sex, age, allergies)
// and the order's clinical note; never the consultation's notes.
type Order struct {
	ID              int64      `json:"id"`
	PatientID       int64      `json:"patient_id"`
	PatientName     string     `json:"patient_name"`
	PatientUniqueID string     `json:"patient_unique_id"`
	PatientSex      string     `json:"patient_sex"`
	PatientBirth    time.Time  `json:"patient_birth_date" format:"date"`
	KnownAllergies  string     `json:"known_allergies"`
	EncounterID     int64      `json:"encounter_id"`
	OrderedByID     int64      `json:"ordered_by_id"`
	OrderedByName   string     `json:"ordered_by_name"`
	ClinicalNote    string     `json:"clinical_note"`
	Urgency         string     `json:"urgency" enum:"routine,urgent,stat"`
	Status          string     `json:"status" enum:"ordered,collected,completed,cancelled"`
	Tests           []string   `json:"tests" doc:"the tests and panels ordered, in the request's language"`
	CollectedAt     *time.Time `json:"collected_at"`
	CollectedByName string     `json:"collected_by_name"`
	CompletedAt     *time.Time `json:"completed_at"`
	CancelledAt     *time.Time `json:"cancelled_at"`
	CancelReason    string     `json:"cancel_reason"`
	CreatedAt       time.Time  `json:"created_at"`
	Version         int64      `json:"version"`
	Results         []Result   `json:"results"`
}

// OrderPage is a page of orders.
type OrderPage = db.Page[Order]

// OrderList is an encounter's orders.
type OrderList struct {
	Items []Order `json:"items"`
}

func userName(alias string) string {
	return fmt.Sprintf(`trim(coalesce(%[1]s.first_name, '') || ' ' || coalesce(%[1]s.last_name, ''))`, alias)
}

// selectOrder reads the orders the inner query picks (its own WHERE, ORDER BY and LIMIT, on
// core_laborder alone), with their patient and users: the joins run on those rows only (by
// primary key), never on the whole patient table. $1 is the language.
var selectOrder = `
	SELECT o.id, o.patient_id, p.first_name || ' ' || p.last_name, p.unique_id, p.gender, p.date_of_birth,
	       coalesce(p.known_allergies, ''), o.encounter_id, o.ordered_by_id, ` + userName("ob") + `, o.clinical_note, o.urgency,
	       o.status, o.collected_at, coalesce(` + userName("cb") + `, ''), o.completed_at, o.cancelled_at, o.cancel_reason,
	       o.created_at, o.version,
	       coalesce((SELECT array_agg(CASE $1::text WHEN 'fr' THEN nullif(t.name_fr, '') WHEN 'sw' THEN nullif(t.name_sw, '') END
	                 ORDER BY i.id) FROM core_laborderitem i JOIN core_labtest t ON t.id = i.test_id WHERE i.order_id = o.id), '{}'),
	       coalesce((SELECT array_agg(t.name_en ORDER BY i.id) FROM core_laborderitem i JOIN core_labtest t ON t.id = i.test_id
	                  WHERE i.order_id = o.id), '{}')
	  FROM (%s) o
	  JOIN core_patient p ON p.id = o.patient_id
	  JOIN auth_user ob ON ob.id = o.ordered_by_id
	  LEFT JOIN auth_user cb ON cb.id = o.collected_by_id`

func scanOrder(r pgx.CollectableRow) (Order, error) {
	var o Order
	var local []*string
	err := r.Scan(&o.ID, &o.PatientID, &o.PatientName, &o.PatientUniqueID, &o.PatientSex, &o.PatientBirth, &o.KnownAllergies,
		&o.EncounterID, &o.OrderedByID, &o.OrderedByName, &o.ClinicalNote, &o.Urgency, &o.Status, &o.CollectedAt, &o.CollectedByName,
		&o.CompletedAt, &o.CancelledAt, &o.CancelReason, &o.CreatedAt, &o.Version, &local, &o.Tests)
	for i := range o.Tests {
		if i < len(local) && local[i] != nil {
			o.Tests[i] = *local[i]
		}
	}
	o.CreatedAt = o.CreatedAt.UTC()
	o.Results = []Result{}
	return o, err
}

// orders reads the orders inner picks from core_laborder o (its parameters from $2), in the
// order outer says, with their results.
func orders(ctx context.Context, q db.Querier, inner, outer string, args ...any) ([]Order, error) {
	lang := i18n.LangOf(ctx)
	out, err := db.QueryAll(ctx, q, scanOrder, fmt.Sprintf(selectOrder, inner)+" "+outer, append([]any{string(lang)}, args...)...)
	if err != nil || len(out) == 0 {
		return []Order{}, err
	}
	ids := make([]int64, len(out))
	for i, o := range out {
		ids[i] = o.ID
	}
	results, err := resultsWhere(ctx, q, `r.order_id IN (SELECT unnest($2::integer[])) ORDER BY r.order_id, r.id`, ids)
	if err != nil {
		return nil, err
	}
	at := map[int64]int{}
	for i, o := range out {
		at[o.ID] = i
	}
	for _, r := range results {
		i := at[r.OrderID]
		out[i].Results = append(out[i].Results, r)
	}
	return out, nil
}

func getOrder(ctx context.Context, q db.Querier, id int64) (Order, error) {
	os, err := orders(ctx, q, `SELECT * FROM core_laborder o WHERE o.id = $2`, "", id)
	if err != nil {
		return Order{}, err
	}
	if len(os) == 0 {
		return Order{}, apperr.ErrNotFound
	}
	return os[0], nil
}

// GetOrder is one order with its results.
func (s *Service) GetOrder(ctx context.Context, id int64) (Order, error) {
	return getOrder(ctx, s.db.Pool, id)
}

// EncounterOrders are the orders of an encounter, oldest first.
func (s *Service) EncounterOrders(ctx context.Context, encounterID int64) (OrderList, error) {
	os, err := orders(ctx, s.db.Pool, `SELECT * FROM core_laborder o WHERE o.encounter_id = $2`, `ORDER BY o.id`, encounterID)
	return OrderList{Items: os}, err
}

// urgencyRank sorts the worklist: stat, urgent, routine.
const urgencyRank = `(CASE o.urgency WHEN 'stat' THEN 0 WHEN 'urgent' THEN 1 ELSE 2 END)`

// Worklist is what the lab still has to do (orders waiting for their specimen or results),
// by urgency, then the longest waiting first; cursor: the last order's "rank.micros.id".
func (s *Service) Worklist(ctx context.Context, limit int, cursor string) (OrderPage, error) {
	var f apperr.Fields
	n := db.CheckPageLimit(&f, limit)
	after := db.CheckKeyCursor(&f, cursor)
	var rank, micros, id int64
	if after != "" {
		parts := strings.Split(after, ".")
		var e1, e2, e3 error
		if len(parts) == 3 {
			rank, e1 = strconv.ParseInt(parts[0], 10, 64)
			micros, e2 = strconv.ParseInt(parts[1], 10, 64)
			id, e3 = strconv.ParseInt(parts[2], 10, 64)
		}
		if len(parts) != 3 || e1 != nil || e2 != nil || e3 != nil {
			f.Add("cursor", apperr.CodeInvalid, "The cursor is not one this list gave.")
		}
	}
	if err := f.Err(); err != nil {
		return OrderPage{}, err
	}
	os, err := orders(ctx, s.db.Pool, `
		SELECT * FROM core_laborder o
		 WHERE o.status IN ('ordered', 'collected')
		   AND ($2::boolean OR (`+urgencyRank+`, o.created_at, o.id) > ($3::integer, to_timestamp($4::bigint / 1e6), $5::integer))
		 ORDER BY `+urgencyRank+`, o.created_at, o.id LIMIT $6`, `ORDER BY `+urgencyRank+`, o.created_at, o.id`, after == "", rank, micros, id, n+1)
	if err != nil {
		return OrderPage{}, err
	}
	return db.NewPage(os, n, func(o Order) string {
		r := slices.Index([]string{"stat", "urgent", "routine"}, o.Urgency)
		return db.EncodeKeyCursor(fmt.Sprintf("%d.%d.%d", r, o.CreatedAt.UnixMicro(), o.ID))
	}), nil
}

// OrderParams is a doctor's order from the open consultation.
type OrderParams struct {
	TestIDs      []int64 `json:"test_ids" doc:"tests or panels of the catalog, 1-20"`
	ClinicalNote string  `json:"clinical_note" validate:"max=2000,text"`
	Urgency      string  `json:"urgency" validate:"required,oneof=routine urgent stat"`
}

// Validate reports every bad field at once.
func (p OrderParams) Validate() error {
	f := validate.Struct(p)
	if len(p.TestIDs) == 0 || len(p.TestIDs) > 20 {
		f.Add("test_ids", apperr.CodeRequired, "Choose 1-20 tests.")
	}
	for i, id := range p.TestIDs {
		if !db.ValidID(id) {
			f.Add(fmt.Sprintf("test_ids.%d", i), apperr.CodeInvalid, "This is not a test of the catalog.")
		}
	}
	return f.Err()
}

// PlaceOrder orders tests on an open encounter: the order, its items and a pending result per
// test (a panel's members each), and through OnOrder the bill lines, in one transaction.
func (s *Service) PlaceOrder(ctx context.Context, actor db.Actor, encounterID int64, p OrderParams) (Order, error) {
	p.ClinicalNote = strings.TrimSpace(p.ClinicalNote)
	if err := p.Validate(); err != nil {
		return Order{}, err
	}
	var out Order
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var patient int64
		var status string
		err := tx.QueryRow(ctx, `SELECT patient_id, status FROM core_encounter WHERE id = $1 FOR SHARE`, encounterID).Scan(&patient, &status)
		if err != nil {
			return db.OrNotFound(err)
		}
		if status != "open" {
			return apperr.New(apperr.ErrConflict, "This encounter is closed: order tests from an open consultation.").WithCode("encounter-closed")
		}
		var orderID int64
		if err := tx.QueryRow(ctx, `
			INSERT INTO core_laborder (patient_id, encounter_id, ordered_by_id, clinical_note, urgency)
			VALUES ($1, $2, $3, $4, $5) RETURNING id`, patient, encounterID, actor.UserID, p.ClinicalNote, p.Urgency).Scan(&orderID); err != nil {
			return err
		}
		for i, tid := range p.TestIDs {
			var itemID int64
			err := tx.QueryRow(ctx, `
				INSERT INTO core_laborderitem (order_id, test_id)
				SELECT $1, t.id FROM core_labtest t WHERE t.id = $2 AND t.is_active
				ON CONFLICT DO NOTHING
				RETURNING id`, orderID, tid).Scan(&itemID)
			if errors.Is(err, pgx.ErrNoRows) {
				var f apperr.Fields
				f.Add(fmt.Sprintf("test_ids.%d", i), apperr.CodeInvalid, "No such active test, or ordered twice.")
				return f.Err()
			}
			if err != nil {
				return err
			}
			// A panel's members each get a result; a test its own.
			if _, err := tx.Exec(ctx, `
				INSERT INTO core_labresult (item_id, order_id, patient_id, test_id)
				SELECT $1, $2, $3, coalesce(m.test_id, t.id)
				  FROM core_labtest t LEFT JOIN core_labpanelmember m ON m.panel_id = t.id
				 WHERE t.id = $4 AND (t.result_type <> 'panel' OR m.test_id IS NOT NULL)
				 ORDER BY m.position, m.id`, itemID, orderID, patient, tid); err != nil {
				return err
			}
		}
		ordered, err := orderedOf(ctx, tx, orderID)
		if err != nil {
			return err
		}
		if err := s.OnOrder.Run(ctx, tx, ordered); err != nil {
			return err
		}
		out, err = getOrder(ctx, tx, orderID)
		return err
	})
	return out, err
}

// orderedOf is an order's patient and items (in the order they were ordered) with the catalog
// service each is billed by: what the hooks of placing and cancelling an order are given.
func orderedOf(ctx context.Context, q db.Querier, id int64) (Ordered, error) {
	o := Ordered{OrderID: id}
	var items, services []int64
	err := q.QueryRow(ctx, `
		SELECT o.patient_id, coalesce(array_agg(i.id ORDER BY i.id) FILTER (WHERE i.id IS NOT NULL), '{}'),
		       coalesce(array_agg(coalesce(t.service_id, 0) ORDER BY i.id) FILTER (WHERE i.id IS NOT NULL), '{}')
		  FROM core_laborder o LEFT JOIN core_laborderitem i ON i.order_id = o.id LEFT JOIN core_labtest t ON t.id = i.test_id
		 WHERE o.id = $1 GROUP BY o.patient_id`, id).Scan(&o.PatientID, &items, &services)
	for i, item := range items {
		o.Items = append(o.Items, OrderedItem{ItemID: item, ServiceID: services[i]})
	}
	return o, db.OrNotFound(err)
}

// CancelParams is an act that needs a reason (a cancellation).
type CancelParams struct {
	Reason  string `json:"reason" validate:"required,max=500,text"`
	Version int64  `json:"version,omitempty" doc:"the version it was made on (or If-Match)"`
}

// Validate reports every bad field at once.
func (p CancelParams) Validate() error {
	return validate.CheckEdit(p, p.Version)
}

// lockOrder locks an order on the version the user saw (0: any) and answers its status.
func lockOrder(ctx context.Context, tx pgx.Tx, id, version int64) (string, error) {
	var status string
	var v int64
	err := tx.QueryRow(ctx, `SELECT status, version FROM core_laborder WHERE id = $1 FOR UPDATE`, id).Scan(&status, &v)
	if version == 0 {
		version = v
	}
	return status, db.AtVersion(err, v, version, "order")
}

// actOnOrder is an act on an order (db.Edit): the order locked on the version the user saw,
// then act with its status, then the order as it stands after.
func (s *Service) actOnOrder(ctx context.Context, actor db.Actor, id, version int64, act func(ctx context.Context, tx pgx.Tx, status string) error) (Order, error) {
	return db.Edit(ctx, s.db, actor,
		func(ctx context.Context, tx pgx.Tx) (string, error) { return lockOrder(ctx, tx, id, version) },
		act,
		func(ctx context.Context, tx pgx.Tx) (Order, error) { return getOrder(ctx, tx, id) })
}

// Cancel cancels an order whose specimen was not collected yet, with a reason.
func (s *Service) Cancel(ctx context.Context, actor db.Actor, id int64, p CancelParams) (Order, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return Order{}, err
	}
	return s.actOnOrder(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, status string) error {
		if status != StatusOrdered {
			return apperr.New(apperr.ErrConflict, "Only an order whose specimen was not collected can be cancelled.").WithCode("lab-collected")
		}
		if _, err := tx.Exec(ctx, `
			UPDATE core_laborder SET status = 'cancelled', cancelled_at = now(), cancelled_by_id = $2, cancel_reason = $3
			 WHERE id = $1`, id, actor.UserID, p.Reason); err != nil {
			return err
		}
		o, err := orderedOf(ctx, tx, id)
		if err != nil {
			return err
		}
		c := Cancelled{OrderID: id, PatientID: o.PatientID, ItemIDs: []int64{}, Reason: p.Reason}
		for _, it := range o.Items {
			c.ItemIDs = append(c.ItemIDs, it.ItemID)
		}
		return s.OnCancel.Run(ctx, tx, c)
	})
}

// ActParams is an act on a version (the specimen's collection).
type ActParams struct {
	Version int64 `json:"version,omitempty" doc:"the version it was made on (or If-Match)"`
}

// Validate checks the version.
func (p ActParams) Validate() error {
	return validate.CheckEdit(p, p.Version)
}

// Collect records that the order's specimen was collected, now, by the actor.
func (s *Service) Collect(ctx context.Context, actor db.Actor, id int64, p ActParams) (Order, error) {
	if err := p.Validate(); err != nil {
		return Order{}, err
	}
	return s.actOnOrder(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, status string) error {
		if status != StatusOrdered {
			return apperr.New(apperr.ErrConflict, "This order's specimen was already collected, or the order was cancelled.").WithCode("lab-not-waiting")
		}
		_, err := tx.Exec(ctx, `UPDATE core_laborder SET status = 'collected', collected_at = now(), collected_by_id = $2 WHERE id = $1`,
			id, actor.UserID)
		return err
	})
}
