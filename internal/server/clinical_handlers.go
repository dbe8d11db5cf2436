package server

import (
	"errors"
	"fmt"
	"net/http"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/clinical"
)

func (s *server) listEncounters(r *http.Request, _ none) (clinical.EncounterPage, error) {
	q := queryOf(r)
	f := clinical.EncounterFilter{Status: q.Str("status"), Cursor: q.Str("cursor"),
		PatientID: q.Int("patient_id"), DoctorID: q.Int("doctor_id"), AppointmentID: q.Int("appointment_id"), Limit: int(q.Int("limit"))}
	return answer(q, func() (clinical.EncounterPage, error) { return s.clinical.List(r.Context(), f) })
}

func (s *server) startEncounter(r *http.Request, in clinical.StartEncounter) (clinical.Encounter, error) {
	e, err := s.clinical.Start(r.Context(), actorOf(r), in)
	if errors.Is(err, apperr.ErrNotFound) { // the appointment named in the body
		return e, apperr.Invalid(apperr.FieldError{Field: "appointment_id", Code: apperr.CodeInvalid, Message: "There is no such appointment."})
	}
	return e, err
}

// openVisit opens (or finds) the encounter of a checked-in appointment: a nurse before taking
// vitals, a doctor taking the patient from the queue (which puts the appointment in progress).
func (s *server) openVisit(r *http.Request, _ none) (clinical.Encounter, error) {
	id := routeID(r)
	asDoctor := principalOf(r.Context()).Can(auth.PermEncountersWrite)
	e, _, err := s.clinical.OpenVisit(r.Context(), actorOf(r), id, asDoctor)
	return e, err
}

func (s *server) listEncounterVitals(r *http.Request, _ none) (clinical.VitalsList, error) {
	return s.clinical.ListVitals(r.Context(), routeID(r), 0)
}

func (s *server) listPatientVitals(r *http.Request, _ none) (clinical.VitalsList, error) {
	return s.clinical.ListVitals(r.Context(), 0, routeID(r))
}

// prescriptionPDF answers an encounter's prescriptions as a PDF download.
func (s *server) prescriptionPDF(r *http.Request) (document, error) {
	id := routeID(r)
	pdf, err := s.clinical.PrescriptionPDF(r.Context(), actorOf(r), id)
	return document{contentPDF, attachment(fmt.Sprintf("prescription-%d.pdf", id)), pdf}, err
}
