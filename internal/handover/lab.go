package handover

import (
	"context"
	"fmt"

	"chelal/internal/i18n"
	"chelal/internal/notify"
)

// LabReady tells the doctor who ordered a lab order that its results are ready.
func LabReady(ctx context.Context, tx Tx, orderID int64) error {
	var doctor int64
	var patient string
	err := tx.QueryRow(ctx, `
		SELECT o.ordered_by_id, p.first_name || ' ' || p.last_name
		  FROM core_laborder o JOIN core_patient p ON p.id = o.patient_id WHERE o.id = $1`, orderID).Scan(&doctor, &patient)
	if err != nil {
		return fmt.Errorf("hand-over lab results: %w", err)
	}
	return notify.HandoverUser(ctx, tx, doctor, notify.HandoverLab,
		i18n.M("notify.handover_lab.title", "patient", patient), i18n.M("notify.handover_lab.text", "patient", patient, "order", orderID))
}

// LabCritical tells the ordering doctor at once of a critical result (before the order is
// complete); the result stays marked until the doctor acknowledges it.
func LabCritical(ctx context.Context, tx Tx, resultID int64) error {
	var doctor int64
	var patient, test string
	err := tx.QueryRow(ctx, `
		SELECT o.ordered_by_id, p.first_name || ' ' || p.last_name, t.name_en
		  FROM core_labresult r JOIN core_laborder o ON o.id = r.order_id JOIN core_patient p ON p.id = r.patient_id
		  JOIN core_labtest t ON t.id = r.test_id WHERE r.id = $1`, resultID).Scan(&doctor, &patient, &test)
	if err != nil {
		return fmt.Errorf("hand-over critical lab result: %w", err)
	}
	return notify.HandoverUser(ctx, tx, doctor, notify.HandoverLab,
		i18n.M("notify.handover_lab_critical.title", "patient", patient), i18n.M("notify.handover_lab_critical.text", "patient", patient, "test", test))
}
