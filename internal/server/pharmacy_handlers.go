package server

import (
	"net/http"

	"chelal/internal/pharmacy"
)

// inactiveParam is the include_inactive query parameter of the catalog lists.
var inactiveParam = param{name: "include_inactive", typ: "boolean", doc: "also deactivated rows"}

func (s *server) listMedicationCategories(r *http.Request, _ none) (pharmacy.CategoryPage, error) {
	q := queryOf(r)
	all := q.Bool("include_inactive")
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.CategoryPage, error) { return s.pharmacy.Categories(r.Context(), all, limit, cursor) })
}

func (s *server) listMedications(r *http.Request, _ none) (pharmacy.MedicationPage, error) {
	q := queryOf(r)
	f := pharmacy.MedicationFilter{Q: q.Str("q"), Stock: q.Str("stock"), CategoryID: q.Int("category_id"), IncludeInactive: q.Bool("include_inactive")}
	f.Limit, f.Cursor = q.Page()
	return answer(q, func() (pharmacy.MedicationPage, error) { return s.pharmacy.Medications(r.Context(), f) })
}

func (s *server) listInventoryItems(r *http.Request, _ none) (pharmacy.InventoryPage, error) {
	q := queryOf(r)
	all := q.Bool("include_inactive")
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.InventoryPage, error) {
		return s.pharmacy.InventoryItems(r.Context(), q.Str("q"), all, limit, cursor)
	})
}

func (s *server) pharmacyQueue(r *http.Request, _ none) (pharmacy.QueuePage, error) {
	q := queryOf(r)
	patient := q.Int("patient_id")
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.QueuePage, error) {
		return s.pharmacy.Queue(r.Context(), patient, q.Str("status"), limit, cursor)
	})
}

func (s *server) pharmacyAlerts(r *http.Request, _ none) (pharmacy.Alerts, error) {
	return s.pharmacy.Alerts(r.Context())
}
