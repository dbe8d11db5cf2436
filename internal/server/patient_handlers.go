package server

import (
	"net/http"

	"chelal/internal/patients"
)

func (s *server) getPatient(r *http.Request, _ none) (patients.Patient, error) {
	id, err := pathID(r)
	if err != nil {
		return patients.Patient{}, err
	}
	return s.patients.Open(r.Context(), actorOf(r), id)
}
