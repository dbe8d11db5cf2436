package server

import (
	"net/http"

	"chelal/internal/auth"
	"chelal/internal/chart"
	"chelal/internal/patients"
)

func (s *server) searchPatients(r *http.Request, _ none) (patients.SearchResult, error) {
	q := queryOf(r)
	limit := int(q.Int("limit"))
	return answer(q, func() (patients.SearchResult, error) {
		return s.patients.SearchPage(r.Context(), patients.SearchQuery{Q: q.Str("q"), Limit: limit, Cursor: q.Str("cursor")})
	})
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
	{auth.PermAppointmentsRead, chart.KindAppointment},
	{auth.PermEncountersRead, chart.KindEncounter},
	{auth.PermVitalsRead, chart.KindVitals},
	{auth.PermPrescriptionsRead, chart.KindPrescription},
	{auth.PermBillingRead, chart.KindBill},
	{auth.PermLabRead, chart.KindLab},
}

func (s *server) patientTimeline(r *http.Request, _ none) (patients.Timeline, error) {
	id := routeID(r)
	p := principalOf(r.Context())
	var kinds []string
	for _, k := range timelineKinds {
		if p.Can(k.perm) {
			kinds = append(kinds, k.kind)
		}
	}
	return chart.Timeline(r.Context(), s.db.Pool, id, kinds, 200)
}
