package pharmacy

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/notify"
)

// LowStockAlert is an active medication whose stock in date is at or under its reorder level.
type LowStockAlert struct {
	MedicationID      int64  `json:"medication_id"`
	Name              string `json:"name"`
	Strength          string `json:"strength"`
	Form              string `json:"form"`
	AvailableQuantity int64  `json:"available_quantity"`
	StockQuantity     int64  `json:"stock_quantity"`
	ReorderLevel      int64  `json:"reorder_level"`
}

// BatchAlert is a batch with stock that expires soon or has expired.
type BatchAlert struct {
	BatchID        int64  `json:"batch_id"`
	MedicationID   int64  `json:"medication_id"`
	MedicationName string `json:"medication_name"`
	BatchNumber    string `json:"batch_number"`
	ExpiryDate     string `json:"expiry_date"`
	QuantityLeft   int64  `json:"quantity_left"`
	DaysLeft       int64  `json:"days_left" doc:"Negative once expired."`
}

// Alerts is what the pharmacy must act on today.
type Alerts struct {
	Today             string          `json:"today"`
	ExpiryWarningDays int             `json:"expiry_warning_days"`
	LowStock          []LowStockAlert `json:"low_stock"`
	Expiring          []BatchAlert    `json:"expiring" doc:"Batches in date that expire within expiry_warning_days."`
	Expired           []BatchAlert    `json:"expired" doc:"Expired batches still on the shelf: unavailable, to be written off."`
}

// Alerts lists low stock, batches expiring within the warning window and expired stock.
func (s *Service) Alerts(ctx context.Context) (Alerts, error) {
	var out Alerts
	err := s.inDay(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx, d day) error {
		out.Today, out.ExpiryWarningDays = d.todayText(), d.warnDays
		all, err := db.QueryAll(ctx, tx, pgx.RowToStructByPos[LowStockAlert], `
			SELECT m.id, m.name, m.strength, m.form,
			       coalesce((SELECT sum(b.quantity_left) FROM core_stockbatch b
			                  WHERE b.medication_id = m.id AND b.quantity_left > 0 AND b.expiry_date >= $1::date), 0) AS available,
			       m.stock_quantity, m.reorder_level
			  FROM core_medicationitem m WHERE m.is_active`, d.todayText())
		if err != nil {
			return fmt.Errorf("low stock: %w", err)
		}
		out.LowStock = []LowStockAlert{}
		for _, a := range all {
			if a.AvailableQuantity <= a.ReorderLevel {
				out.LowStock = append(out.LowStock, a)
			}
		}
		if out.Expiring, err = batchAlerts(ctx, tx, d, `b.expiry_date >= $1::date AND b.expiry_date <= $2::date`); err != nil {
			return err
		}
		out.Expired, err = batchAlerts(ctx, tx, d, `b.expiry_date < $1::date`)
		return err
	})
	return out, err
}

func batchAlerts(ctx context.Context, tx pgx.Tx, d day, cond string) ([]BatchAlert, error) {
	out, err := db.QueryAll(ctx, tx, pgx.RowToStructByPos[BatchAlert], `
		SELECT b.id, b.medication_id, m.name, b.batch_number, b.expiry_date::text, b.quantity_left,
		       (b.expiry_date - $1::date)::bigint
		  FROM core_stockbatch b JOIN core_medicationitem m ON m.id = b.medication_id
		 WHERE b.quantity_left > 0 AND `+cond+` AND $2::date IS NOT NULL
		 ORDER BY b.expiry_date, m.name, b.id`, d.todayText(), d.warnText())
	if err != nil {
		return nil, fmt.Errorf("batch alerts: %w", err)
	}
	return out, nil
}

// CheckExpiry notifies pharmacists and administrators, once per batch, of each batch with
// stock entering the expiry warning window and of each batch that expired with stock left,
// and refreshes the medications' expiry_date (the earliest batch still in date). It returns
// how many batches were newly notified.
func (s *Service) CheckExpiry(ctx context.Context) (int, error) {
	var n int
	err := s.inDay(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx, d day) error {
		if _, err := tx.Exec(ctx, `
			UPDATE core_medicationitem m SET expiry_date = x.earliest
			  FROM (SELECT m2.id, (SELECT min(b.expiry_date) FROM core_stockbatch b
			                        WHERE b.medication_id = m2.id AND b.quantity_left > 0 AND b.expiry_date >= $1::date) AS earliest
			          FROM core_medicationitem m2) x
			 WHERE x.id = m.id AND m.expiry_date IS DISTINCT FROM x.earliest`, d.todayText()); err != nil {
			return fmt.Errorf("refresh expiry dates: %w", err)
		}
		var err error
		n, err = notifyExpiry(ctx, tx, d, 0)
		return err
	})
	return n, err
}

// expiryKinds are the expiry notifications, each sent once per batch (core_stockalert).
var expiryKinds = []struct{ kind, cond, title, text string }{
	{"expired", `b.expiry_date < $1::date`, "notify.expired.title", "notify.expired.text"},
	{"expiring", `b.expiry_date >= $1::date AND b.expiry_date <= $2::date`, "notify.expiring.title", "notify.expiring.text"},
}

// notifyExpiry notifies pharmacists and administrators of each batch with stock that is
// expired or inside the warning window and was not notified yet, and returns how many
// batches it notified. batchID limits it to one batch (a receipt); 0 checks them all.
func notifyExpiry(ctx context.Context, tx pgx.Tx, d day, batchID int64) (int, error) {
	var n int
	for _, k := range expiryKinds {
		ids, err := db.QueryAll(ctx, tx, pgx.RowTo[int64], `
			INSERT INTO core_stockalert (batch_id, kind)
			SELECT b.id, $3 FROM core_stockbatch b
			 WHERE b.quantity_left > 0 AND `+k.cond+` AND $2::date IS NOT NULL AND ($4 = 0 OR b.id = $4)
			ON CONFLICT (batch_id, kind) DO NOTHING
			RETURNING batch_id`, d.todayText(), d.warnText(), k.kind, batchID)
		if err != nil {
			return 0, fmt.Errorf("expiry alerts: %w", err)
		}
		for _, id := range ids {
			var name, number, expiry string
			var left int64
			if err := tx.QueryRow(ctx, `SELECT m.name, b.batch_number, b.expiry_date::text, b.quantity_left
				  FROM core_stockbatch b JOIN core_medicationitem m ON m.id = b.medication_id WHERE b.id = $1`, id).
				Scan(&name, &number, &expiry, &left); err != nil {
				return 0, err
			}
			for _, role := range []string{"pharmacist", "admin"} {
				if _, err := notify.RoleMsg(ctx, tx, role, "expiry", i18n.M(k.title, "name", name),
					i18n.M(k.text, "batch", number, "name", name, "date", expiry, "left", left)); err != nil {
					return 0, err
				}
			}
			n++
		}
	}
	return n, nil
}

// Run checks expiry at once and then every interval until ctx ends; failures are logged.
func (s *Service) Run(ctx context.Context, interval time.Duration, log *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		if n, err := s.CheckExpiry(ctx); err != nil && ctx.Err() == nil {
			log.Error("pharmacy expiry check", "err", err)
		} else if n > 0 {
			log.Info("pharmacy expiry check", "batches_notified", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// QueueEntry is a prescription waiting to be dispensed (in full or the rest of it).
type QueueEntry struct {
	PrescriptionID        int64     `json:"prescription_id"`
	EncounterID           int64     `json:"encounter_id"`
	PatientID             int64     `json:"patient_id"`
	PatientName           string    `json:"patient_name"`
	PatientUniqueID       string    `json:"patient_unique_id"`
	KnownAllergies        string    `json:"known_allergies"`
	DoctorID              int64     `json:"doctor_id"`
	DoctorName            string    `json:"doctor_name"`
	MedicationID          *int64    `json:"medication_id" doc:"The catalog medication; null for a free-text prescription."`
	MedicationName        string    `json:"medication_name"`
	Dosage                string    `json:"dosage"`
	Frequency             string    `json:"frequency"`
	Duration              string    `json:"duration"`
	Instructions          string    `json:"instructions"`
	Quantity              int64     `json:"quantity"`
	DispensedQuantity     int64     `json:"dispensed_quantity"`
	RemainingQuantity     int64     `json:"remaining_quantity"`
	AvailableQuantity     *int64    `json:"available_quantity" doc:"Stock in date of the catalog medication."`
	AllergyWarning        *string   `json:"allergy_warning"`
	AllergyOverrideReason *string   `json:"allergy_override_reason"`
	CatalogName           *string   `json:"catalog_name" doc:"The catalog medication's name when it differs from the prescription's text (a free-text prescription the pharmacist linked)."`
	Status                string    `json:"status" enum:"waiting,stale,returned,discontinued"`
	StatusReason          *string   `json:"status_reason" doc:"Why it was discontinued or sent back."`
	CreatedAt             time.Time `json:"created_at"`
}

// StaleAfterDays is how long a prescription waits in the dispensing queue: older and not
// dispensed in full, it leaves the queue as stale (listed with ?status=stale) and is no longer
// dispensed; the patient asks the prescriber for a new one. Nothing stays in a queue forever.
const StaleAfterDays = 30

// The queue's lists (QueueEntry.Status, the status parameter of Queue).
const (
	QueueWaiting      = "waiting"
	QueueStale        = "stale"
	QueueReturned     = "returned"
	QueueDiscontinued = "discontinued"
)

// queueFilters is each list's condition, after "not dispensed in full".
var queueFilters = map[string]string{
	QueueWaiting:      `p.discontinued_at IS NULL AND p.returned_at IS NULL AND p.created_at >= now() - make_interval(days => $5)`,
	QueueStale:        `p.discontinued_at IS NULL AND p.returned_at IS NULL AND p.created_at < now() - make_interval(days => $5)`,
	QueueReturned:     `p.discontinued_at IS NULL AND p.returned_at IS NOT NULL`,
	QueueDiscontinued: `p.discontinued_at IS NOT NULL`,
}

// QueuePage is a page of the dispensing queue, oldest first.
type QueuePage = db.Page[QueueEntry]

// Queue lists prescriptions not yet dispensed in full (optionally of one patient): those
// waiting to be dispensed, oldest first (status "" or waiting), or those that left the queue
// undispensed: stale (older than StaleAfterDays), returned to the prescriber, discontinued,
// newest first.
func (s *Service) Queue(ctx context.Context, patientID int64, status string, limit int, cursor string) (QueuePage, error) {
	var f apperr.Fields
	if status == "" {
		status = QueueWaiting
	}
	filter, ok := queueFilters[status]
	if !ok {
		f.Add("status", apperr.CodeInvalid, "The status is waiting, stale, returned or discontinued.")
	}
	order, after := "p.id", "p.id > $2"
	if status != QueueWaiting {
		order, after = "p.id DESC", "($2 = 0 OR p.id < $2)"
	}
	limit = db.CheckPageLimit(&f, limit)
	cursorID := db.CheckCursor(&f, cursor)
	if err := f.Err(); err != nil {
		return QueuePage{}, err
	}
	var out QueuePage
	err := s.inDay(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx, d day) error {
		args := []any{d.todayText(), cursorID, patientID, limit + 1}
		if strings.Contains(filter, "$5") {
			args = append(args, StaleAfterDays)
		}
		var err error
		out, err = db.QueryPage(ctx, tx, limit, func(r pgx.CollectableRow) (QueueEntry, error) {
			var q QueueEntry
			err := r.Scan(&q.PrescriptionID, &q.EncounterID, &q.PatientID, &q.PatientName, &q.PatientUniqueID, &q.KnownAllergies,
				&q.DoctorID, &q.DoctorName, &q.MedicationID, &q.MedicationName, &q.Dosage, &q.Frequency, &q.Duration, &q.Instructions,
				&q.Quantity, &q.DispensedQuantity, &q.RemainingQuantity, &q.AvailableQuantity, &q.AllergyWarning,
				&q.AllergyOverrideReason, &q.CatalogName, &q.StatusReason, &q.CreatedAt)
			q.CreatedAt = q.CreatedAt.UTC()
			q.Status = status
			return q, err
		}, func(q QueueEntry) string { return db.EncodeCursor(q.PrescriptionID) }, `
			SELECT p.id, p.encounter_id, e.patient_id, pt.first_name || ' ' || pt.last_name, pt.unique_id,
			       coalesce(pt.known_allergies, ''), e.doctor_id,
			       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')),
			       p.medication_id, p.medication_name, p.dosage, p.frequency, p.duration, p.instructions,
			       p.quantity, p.dispensed_quantity, p.quantity - p.dispensed_quantity,
			       CASE WHEN p.medication_id IS NOT NULL THEN
			            coalesce((SELECT sum(b.quantity_left) FROM core_stockbatch b WHERE b.medication_id = p.medication_id
			                       AND b.quantity_left > 0 AND b.expiry_date >= $1::date), 0) END,
			       p.allergy_warning, p.allergy_override_reason,
			       CASE WHEN m.name IS DISTINCT FROM p.medication_name THEN m.name END,
			       coalesce(p.discontinue_reason, p.return_reason), p.created_at
			  FROM core_prescription p
			  JOIN core_encounter e ON e.id = p.encounter_id
			  JOIN core_patient pt ON pt.id = e.patient_id
			  JOIN auth_user u ON u.id = e.doctor_id
			  LEFT JOIN core_medicationitem m ON m.id = p.medication_id
			 WHERE p.dispensed_quantity < p.quantity AND `+after+` AND ($3 = 0 OR e.patient_id = $3) AND `+filter+`
			 ORDER BY `+order+` LIMIT $4`, args...)
		if err != nil {
			return fmt.Errorf("queue: %w", err)
		}
		return nil
	})
	return out, err
}
