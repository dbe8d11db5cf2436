package server

import (
	"net/http"

	"chelal/internal/diagnoses"
)

func (s *server) searchICD10(r *http.Request, _ none) (diagnoses.ICD10List, error) {
	q := queryOf(r)
	text, limit := q.Str("q"), int(q.Int("limit"))
	return answer(q, func() (diagnoses.ICD10List, error) {
		return s.diagnoses.Search(r.Context(), requestLang(r), text, limit)
	})
}

func (s *server) listDiagnosisFavourites(r *http.Request, _ none) (diagnoses.ICD10List, error) {
	return s.diagnoses.ListFavourites(r.Context(), requestLang(r))
}

func (s *server) setDiagnosisFavourites(r *http.Request, in diagnoses.FavouriteCodes) (diagnoses.ICD10List, error) {
	return s.diagnoses.SetFavourites(r.Context(), actorOf(r), requestLang(r), in)
}

func (s *server) listEncounterDiagnoses(r *http.Request, _ none) (diagnoses.DiagnosisList, error) {
	return s.diagnoses.ForEncounter(r.Context(), requestLang(r), routeID(r))
}

func (s *server) listPatientDiagnoses(r *http.Request, _ none) (diagnoses.DiagnosisList, error) {
	return s.diagnoses.ForPatient(r.Context(), requestLang(r), routeID(r))
}

func (s *server) addDiagnosis(r *http.Request, in diagnoses.AddDiagnosis) (diagnoses.Diagnosis, error) {
	return s.diagnoses.Add(r.Context(), actorOf(r), requestLang(r), routeID(r), in)
}

func (s *server) updateDiagnosis(r *http.Request, in diagnoses.EditDiagnosis) (diagnoses.Diagnosis, error) {
	return s.diagnoses.Update(r.Context(), actorOf(r), requestLang(r), routeID(r), in)
}

func (s *server) deleteDiagnosis(r *http.Request, _ none) (none, error) {
	return none{}, s.diagnoses.Delete(r.Context(), actorOf(r), routeID(r))
}
