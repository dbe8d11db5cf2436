package server

import (
	"net/http"

	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/patients"
)

func (s *server) getPatient(r *http.Request, _ none) (patients.Patient, error) {
	id, err := pathID(r)
	if err != nil {
		return patients.Patient{}, err
	}
	return s.patients.Open(r.Context(), actorOf(r), id)
}

func (s *server) searchPatients(r *http.Request, _ none) (patients.SearchResult, error) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return patients.SearchResult{}, err
	}
	q := r.URL.Query()
	return s.patients.SearchPage(r.Context(), patients.SearchQuery{Q: q.Get("q"), Limit: int(limit), Cursor: q.Get("cursor")})
}

func (s *server) createPatient(r *http.Request, in patients.RegisterParams) (patients.Patient, error) {
	return s.patients.Create(r.Context(), actorOf(r), in)
}

func (s *server) updatePatient(r *http.Request, in patients.EditParams) (patients.Patient, error) {
	id, err := pathID(r)
	if err != nil {
		return patients.Patient{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return patients.Patient{}, err
	}
	return s.patients.Update(r.Context(), actorOf(r), id, in)
}

type patientList struct {
	Items []patients.Patient `json:"items"`
}

func (s *server) patientDuplicates(r *http.Request, _ none) (patientList, error) {
	q := r.URL.Query()
	items, err := s.patients.Duplicates(r.Context(), patients.DuplicateQuery{
		FirstName: q.Get("first_name"), LastName: q.Get("last_name"), DateOfBirth: q.Get("date_of_birth"), ContactInfo: q.Get("contact_info")})
	if items == nil {
		items = []patients.Patient{}
	}
	return patientList{Items: items}, err
}

// timelineKinds are the timeline entries each permission lets a user see: receptionists and
// cashiers never see encounters (notes, diagnoses).
var timelineKinds = []struct {
	perm auth.Permission
	kind string
}{
	{auth.PermAppointmentsRead, patients.KindAppointment},
	{auth.PermEncountersRead, patients.KindEncounter},
	{auth.PermVitalsRead, patients.KindVitals},
	{auth.PermPrescriptionsRead, patients.KindPrescription},
	{auth.PermBillingRead, patients.KindBill},
}

func (s *server) patientTimeline(r *http.Request, _ none) (patients.Timeline, error) {
	id, err := pathID(r)
	if err != nil {
		return patients.Timeline{}, err
	}
	p := principalOf(r.Context())
	var kinds []string
	for _, k := range timelineKinds {
		if p.Can(k.perm) {
			kinds = append(kinds, k.kind)
		}
	}
	return s.patients.Timeline(r.Context(), id, kinds, 200)
}

func (s *server) listAppointments(r *http.Request, _ none) (appointments.List, error) {
	q := r.URL.Query()
	f := appointments.Filter{Date: q.Get("date"), From: q.Get("from"), To: q.Get("to"), Status: q.Get("status"), Visits: q.Get("visits")}
	var err error
	for _, p := range []struct {
		name string
		dst  *int64
	}{{"doctor_id", &f.DoctorID}, {"patient_id", &f.PatientID}} {
		if *p.dst, err = queryInt(r, p.name); err != nil {
			return appointments.List{}, err
		}
	}
	limit, err := queryInt(r, "limit")
	if err != nil {
		return appointments.List{}, err
	}
	f.Limit = int(limit)
	return s.appointments.List(r.Context(), f)
}

func (s *server) createAppointment(r *http.Request, in appointments.BookParams) (appointments.Appointment, error) {
	return s.appointments.Create(r.Context(), actorOf(r), in)
}

func (s *server) getAppointment(r *http.Request, _ none) (appointments.Appointment, error) {
	id, err := pathID(r)
	if err != nil {
		return appointments.Appointment{}, err
	}
	return s.appointments.Get(r.Context(), id)
}

func (s *server) updateAppointment(r *http.Request, in appointments.MoveParams) (appointments.Appointment, error) {
	id, err := pathID(r)
	if err != nil {
		return appointments.Appointment{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return appointments.Appointment{}, err
	}
	return s.appointments.Update(r.Context(), actorOf(r), id, in)
}

type doctorList struct {
	Items []appointments.Doctor `json:"items"`
}

func (s *server) listDoctors(r *http.Request, _ none) (doctorList, error) {
	items, err := s.appointments.Doctors(r.Context())
	return doctorList{Items: items}, err
}
