package appointments

import (
	"context"
	"errors"

	"chelal/internal/apperr"
)

// Visit states: where a checked-in patient is in the clinic's day. They are derived from
// facts kept elsewhere (the appointment's status, the visit encounter's vitals and closing,
// its prescriptions still to dispense, the patient's open bills), in one place, visitJoins and
// visitStateColumns below, so the reception queue, the nurse's list and the doctor's list
// always show the same state.
const (
	VisitCheckedIn   = "checked_in"   // checked in, nothing done yet
	VisitVitalsTaken = "vitals_taken" // the nurse recorded vitals; waiting for the doctor
	VisitWithDoctor  = "with_doctor"  // the doctor took the patient (appointment in progress)
	VisitToPharmacy  = "to_pharmacy"  // consultation closed, a prescription still to dispense
	VisitToCashier   = "to_cashier"   // nothing to dispense, a bill since check-in with a balance
	VisitDone        = "done"
)

// VisitStates are the states in the order of a visit.
var VisitStates = []string{VisitCheckedIn, VisitVitalsTaken, VisitWithDoctor, VisitToPharmacy, VisitToCashier, VisitDone}

// CodeAlreadyCheckedIn refines the 409 of a second check-in of a patient with one doctor on one
// clinic day; the problem's details carry the existing visit.
const CodeAlreadyCheckedIn = "already-checked-in"

// visitDayKey is the partial unique index (migration 0023) that keeps one live visit per
// patient, doctor and clinic day.
const visitDayKey = "core_appointment_patient_doctor_day_key"

// visitJoins gathers the facts of an appointment's visit: its encounter (the first one opened
// for it), when vitals were first recorded in it, whether a prescription of it is still to
// dispense (not discontinued, not fully dispensed) and when the last dispense happened, and
// the newest bill of the patient opened since check-in that still has a balance.
const visitJoins = `
	  LEFT JOIN LATERAL (
	        SELECT e.status, e.closed_at,
	               (SELECT min(v.recorded_at) FROM core_vitals v WHERE v.encounter_id = e.id) AS vitals_at,
	               EXISTS (SELECT 1 FROM core_prescription r
	                        WHERE r.encounter_id = e.id AND r.discontinued_at IS NULL
	                          AND r.dispensed_quantity < r.quantity) AS rx_pending,
	               (SELECT max(d.dispensed_at) FROM core_dispense d JOIN core_prescription r ON r.id = d.prescription_id
	                 WHERE r.encounter_id = e.id) AS dispensed_at
	          FROM core_encounter e WHERE e.appointment_id = a.id ORDER BY e.id LIMIT 1) ve ON a.checked_in_at IS NOT NULL
	  LEFT JOIN LATERAL (
	        SELECT max(b.created_at) FILTER (WHERE b.status IN ('pending', 'partially_paid')
	                                           AND b.total_amount > b.paid_amount) AS opened_at,
	               max(pm.payment_date) AS paid_at
	          FROM core_bill b LEFT JOIN core_payment pm ON pm.bill_id = b.id
	         WHERE b.patient_id = a.patient_id AND b.created_at >= a.checked_in_at) vb ON a.status = 'completed'`

// visitStateColumns are the visit state and when it began (waiting_since); both NULL for an
// appointment that is not a visit. A visit finished without a consultation (completed by
// hand) is done.
const visitStateColumns = `
	       CASE
	         WHEN a.status = 'checked_in' AND ve.vitals_at IS NULL THEN 'checked_in'
	         WHEN a.status = 'checked_in' THEN 'vitals_taken'
	         WHEN a.status = 'in_progress' THEN 'with_doctor'
	         WHEN a.status = 'completed' AND coalesce(ve.rx_pending, false) THEN 'to_pharmacy'
	         WHEN a.status = 'completed' AND vb.opened_at IS NOT NULL THEN 'to_cashier'
	         WHEN a.status = 'completed' THEN 'done'
	       END,
	       CASE
	         WHEN a.status = 'checked_in' AND ve.vitals_at IS NULL THEN a.checked_in_at
	         WHEN a.status = 'checked_in' THEN ve.vitals_at
	         WHEN a.status = 'in_progress' THEN coalesce(a.status_changed_at, a.updated_at)
	         WHEN a.status = 'completed' AND coalesce(ve.rx_pending, false)
	           THEN coalesce(ve.closed_at, a.status_changed_at, a.updated_at)
	         WHEN a.status = 'completed' AND vb.opened_at IS NOT NULL
	           THEN greatest(coalesce(ve.closed_at, a.status_changed_at, a.updated_at), ve.dispensed_at, vb.opened_at)
	         WHEN a.status = 'completed'
	           THEN greatest(coalesce(ve.closed_at, a.status_changed_at, a.updated_at), ve.dispensed_at, vb.paid_at)
	       END`

// Filter.Visits values.
const (
	VisitsActive = "active" // today's visits that are not done
	VisitsAll    = "all"    // today's visits, done ones too
)

// ExistingVisit is the details of a CodeAlreadyCheckedIn conflict: the visit the patient
// already has.
type ExistingVisit struct {
	AppointmentID int64       `json:"appointment_id"`
	Appointment   Appointment `json:"appointment"`
}

// withExistingVisit adds the existing visit to a CodeAlreadyCheckedIn conflict (looked up
// after the failed transaction); any other error is returned as it is.
func (s *Service) withExistingVisit(ctx context.Context, err error, patientID, doctorID int64, date string) error {
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Code != CodeAlreadyCheckedIn {
		return err
	}
	a, qerr := scanAppointment(s.db.Pool.QueryRow(ctx, selectAppointment+`
		 WHERE a.patient_id = $1 AND a.doctor_id = $2 AND a.date = $3 AND a.status IN ('checked_in', 'in_progress')`,
		patientID, doctorID, date))
	if qerr == nil {
		ae.WithDetails(ExistingVisit{AppointmentID: a.ID, Appointment: a})
	}
	return err
}
