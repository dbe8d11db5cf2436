// Package handover says who is told when a patient moves on through the clinic: checked in
// (their doctor), vitals taken (the doctor), a consultation closed with prescriptions (the
// pharmacists), a bill ready (the cashiers). Each function runs in the transaction of the
// change it announces, so a notification exists exactly when its change commits, and the
// live event of the new notification reaches the recipient's screen at once. Users choose the
// kinds they receive (internal/notify: HandoverUser, HandoverRole).
package handover

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"chelal/internal/i18n"
	"chelal/internal/notify"
)

// Tx is what the functions need: the change's transaction.
type Tx interface {
	notify.Execer
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// CheckedIn tells an appointment's doctor that its patient checked in.
func CheckedIn(ctx context.Context, tx Tx, appointmentID int64) error {
	return toDoctor(ctx, tx, notify.HandoverCheckIn, "notify.handover_checkin.title", "notify.handover_checkin.text", `
		SELECT a.doctor_id, p.first_name || ' ' || p.last_name
		  FROM core_appointment a JOIN core_patient p ON p.id = a.patient_id WHERE a.id = $1`, appointmentID)
}

// VitalsTaken tells the doctor of an encounter (or of its appointment, before a doctor took
// it) that the patient's vitals were taken.
func VitalsTaken(ctx context.Context, tx Tx, encounterID int64) error {
	return toDoctor(ctx, tx, notify.HandoverVitals, "notify.handover_vitals.title", "notify.handover_vitals.text", `
		SELECT coalesce(a.doctor_id, e.doctor_id), p.first_name || ' ' || p.last_name
		  FROM core_encounter e JOIN core_patient p ON p.id = e.patient_id
		  LEFT JOIN core_appointment a ON a.id = e.appointment_id
		 WHERE e.id = $1`, encounterID)
}

// toDoctor hands the news of kind (its title and text: catalog keys taking the patient's name)
// to the doctor query finds for id (its columns: the doctor, the patient's name). No row, or no
// doctor, tells nobody.
func toDoctor(ctx context.Context, tx Tx, kind, title, text, query string, id int64) error {
	var doctor *int64
	var patient string
	err := tx.QueryRow(ctx, query, id).Scan(&doctor, &patient)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("hand-over %s: %w", kind, err)
	}
	if doctor == nil {
		return nil
	}
	return notify.HandoverUser(ctx, tx, *doctor, kind, i18n.M(title, "patient", patient), i18n.M(text, "patient", patient))
}

// EncounterClosed tells the pharmacists that a closed consultation left prescriptions to
// dispense (nothing when it prescribed nothing).
func EncounterClosed(ctx context.Context, tx Tx, encounterID int64) error {
	var n int
	var patient string
	err := tx.QueryRow(ctx, `
		SELECT (SELECT count(*) FROM core_prescription WHERE encounter_id = e.id), p.first_name || ' ' || p.last_name
		  FROM core_encounter e JOIN core_patient p ON p.id = e.patient_id WHERE e.id = $1`, encounterID).Scan(&n, &patient)
	if err != nil {
		return fmt.Errorf("hand-over prescriptions: %w", err)
	}
	if n == 0 {
		return nil
	}
	_, err = notify.HandoverRole(ctx, tx, "pharmacist", notify.HandoverPrescriptions,
		i18n.M("notify.handover_rx.title", "patient", patient), i18n.M("notify.handover_rx.text", "patient", patient, "n", n))
	return err
}

// BillReady tells the cashiers that a bill waits to be paid.
func BillReady(ctx context.Context, tx Tx, billID int64) error {
	var patient, total string
	err := tx.QueryRow(ctx, `
		SELECT p.first_name || ' ' || p.last_name, b.total_amount::text
		  FROM core_bill b JOIN core_patient p ON p.id = b.patient_id WHERE b.id = $1`, billID).Scan(&patient, &total)
	if err != nil {
		return fmt.Errorf("hand-over bill: %w", err)
	}
	_, err = notify.HandoverRole(ctx, tx, "cashier", notify.HandoverBill,
		i18n.M("notify.handover_bill.title", "patient", patient), i18n.M("notify.handover_bill.text", "patient", patient, "bill", billID, "total", total))
	return err
}
