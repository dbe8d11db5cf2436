package server

import (
	"net/http"

	"chelal/internal/appointments"
)

func (s *server) listAppointments(r *http.Request, _ none) (appointments.List, error) {
	q := queryOf(r)
	f := appointments.Filter{Date: q.Str("date"), From: q.Str("from"), To: q.Str("to"), Status: q.Str("status"), Visits: q.Str("visits"),
		DoctorID: q.Int("doctor_id"), PatientID: q.Int("patient_id"), Limit: int(q.Int("limit"))}
	return answer(q, func() (appointments.List, error) { return s.appointments.List(r.Context(), f) })
}

type doctorList struct {
	Items []appointments.Doctor `json:"items"`
}

func (s *server) listDoctors(r *http.Request, _ none) (doctorList, error) {
	items, err := s.appointments.Doctors(r.Context())
	return doctorList{Items: items}, err
}
