package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/clinical"
)

func (s *server) listEncounters(r *http.Request, _ none) (clinical.EncounterPage, error) {
	q := r.URL.Query()
	f := clinical.EncounterFilter{Status: q.Get("status"), Cursor: q.Get("cursor")}
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"patient_id", &f.PatientID}, {"doctor_id", &f.DoctorID}, {"appointment_id", &f.AppointmentID}} {
		v, err := queryInt(r, p.name)
		if err != nil {
			return clinical.EncounterPage{}, err
		}
		*p.dst = v
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return clinical.EncounterPage{}, err
	}
	f.Limit = int(limit)
	return s.clinical.List(r.Context(), f)
}

func (s *server) startEncounter(r *http.Request, in clinical.StartEncounter) (clinical.Encounter, error) {
	e, err := s.clinical.Start(r.Context(), actorOf(r), in)
	if errors.Is(err, apperr.ErrNotFound) { // the appointment named in the body
		return e, apperr.Invalid(apperr.FieldError{Field: "appointment_id", Code: apperr.CodeInvalid, Message: "There is no such appointment."})
	}
	return e, err
}

func (s *server) getEncounter(r *http.Request, _ none) (clinical.Encounter, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Encounter{}, err
	}
	return s.clinical.Get(r.Context(), actorOf(r), id)
}

func (s *server) updateEncounter(r *http.Request, in clinical.EncounterEdit) (clinical.Encounter, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Encounter{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return clinical.Encounter{}, err
	}
	return s.clinical.Update(r.Context(), actorOf(r), id, in)
}

func (s *server) closeEncounter(r *http.Request, in clinical.CloseEncounter) (clinical.Encounter, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Encounter{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return clinical.Encounter{}, err
	}
	return s.clinical.Close(r.Context(), actorOf(r), id, in)
}

func (s *server) addAddendum(r *http.Request, in clinical.AddendumParams) (clinical.Encounter, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Encounter{}, err
	}
	return s.clinical.AddAddendum(r.Context(), actorOf(r), id, in)
}

// openVisit opens (or finds) the encounter of a checked-in appointment: a nurse before taking
// vitals, a doctor taking the patient from the queue (which puts the appointment in progress).
func (s *server) openVisit(r *http.Request, _ none) (clinical.Encounter, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Encounter{}, err
	}
	asDoctor := principalOf(r.Context()).Can(auth.PermEncountersWrite)
	e, _, err := s.clinical.OpenVisit(r.Context(), actorOf(r), id, asDoctor)
	return e, err
}

func (s *server) listEncounterVitals(r *http.Request, _ none) (clinical.VitalsList, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.VitalsList{}, err
	}
	return s.clinical.ListVitals(r.Context(), id, 0)
}

func (s *server) listPatientVitals(r *http.Request, _ none) (clinical.VitalsList, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.VitalsList{}, err
	}
	return s.clinical.ListVitals(r.Context(), 0, id)
}

func (s *server) recordVitals(r *http.Request, in clinical.VitalsInput) (clinical.VitalsRecord, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.VitalsRecord{}, err
	}
	return s.clinical.RecordVitals(r.Context(), actorOf(r), id, in)
}

func (s *server) listPrescriptions(r *http.Request, _ none) (clinical.PrescriptionList, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.PrescriptionList{}, err
	}
	return s.clinical.ListPrescriptions(r.Context(), id)
}

func (s *server) prescribe(r *http.Request, in clinical.PrescribeParams) (clinical.Prescription, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Prescription{}, err
	}
	return s.clinical.Prescribe(r.Context(), actorOf(r), id, in)
}

func (s *server) discontinuePrescription(r *http.Request, in clinical.ReasonParams) (clinical.Prescription, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Prescription{}, err
	}
	return s.clinical.Discontinue(r.Context(), actorOf(r), id, in)
}

func (s *server) returnPrescription(r *http.Request, in clinical.ReasonParams) (clinical.Prescription, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Prescription{}, err
	}
	return s.clinical.ReturnToPrescriber(r.Context(), actorOf(r), id, in)
}

func (s *server) linkPrescription(r *http.Request, in clinical.LinkParams) (clinical.Prescription, error) {
	id, err := pathID(r)
	if err != nil {
		return clinical.Prescription{}, err
	}
	return s.clinical.Link(r.Context(), actorOf(r), id, in)
}

// prescriptionPDF answers an encounter's prescriptions as a PDF download.
func (s *server) prescriptionPDF(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pdf, err := s.clinical.PrescriptionPDF(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="prescription-%d.pdf"`, id))
	w.Header().Set("Content-Length", strconv.Itoa(len(pdf)))
	w.Header().Set("Cache-Control", "private, no-store")
	_, _ = w.Write(pdf)
}
