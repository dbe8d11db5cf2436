package server

import (
	"net/http"

	"chelal/internal/appointments"
)

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
