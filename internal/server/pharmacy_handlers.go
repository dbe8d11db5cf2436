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

func (s *server) createMedicationCategory(r *http.Request, in pharmacy.CategoryParams) (pharmacy.Category, error) {
	return s.pharmacy.CreateCategory(r.Context(), actorOf(r), in)
}

func (s *server) updateMedicationCategory(r *http.Request, in pharmacy.CategoryEdit) (pharmacy.Category, error) {
	return s.pharmacy.UpdateCategory(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) listMedications(r *http.Request, _ none) (pharmacy.MedicationPage, error) {
	q := queryOf(r)
	f := pharmacy.MedicationFilter{Q: q.Str("q"), Stock: q.Str("stock"), CategoryID: q.Int("category_id"), IncludeInactive: q.Bool("include_inactive")}
	f.Limit, f.Cursor = q.Page()
	return answer(q, func() (pharmacy.MedicationPage, error) { return s.pharmacy.Medications(r.Context(), f) })
}

func (s *server) createMedication(r *http.Request, in pharmacy.MedicationParams) (pharmacy.MedicationDetail, error) {
	return s.pharmacy.CreateMedication(r.Context(), actorOf(r), in)
}

func (s *server) getMedication(r *http.Request, _ none) (pharmacy.MedicationDetail, error) {
	return s.pharmacy.Medication(r.Context(), routeID(r))
}

func (s *server) updateMedication(r *http.Request, in pharmacy.MedicationEdit) (pharmacy.MedicationDetail, error) {
	return s.pharmacy.UpdateMedication(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) receiveStock(r *http.Request, in pharmacy.ReceiveParams) (pharmacy.StockChange, error) {
	return s.pharmacy.Receive(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) listStockMovements(r *http.Request, _ none) (pharmacy.MovementPage, error) {
	q := queryOf(r)
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.MovementPage, error) {
		return s.pharmacy.Movements(r.Context(), routeID(r), limit, cursor)
	})
}

func (s *server) adjustStock(r *http.Request, in pharmacy.AdjustParams) (pharmacy.StockChange, error) {
	return s.pharmacy.Adjust(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) writeOffBatch(r *http.Request, in pharmacy.WriteOffParams) (pharmacy.StockChange, error) {
	return s.pharmacy.WriteOff(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) listInventoryItems(r *http.Request, _ none) (pharmacy.InventoryPage, error) {
	q := queryOf(r)
	all := q.Bool("include_inactive")
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.InventoryPage, error) {
		return s.pharmacy.InventoryItems(r.Context(), q.Str("q"), all, limit, cursor)
	})
}

func (s *server) createInventoryItem(r *http.Request, in pharmacy.InventoryParams) (pharmacy.InventoryItem, error) {
	return s.pharmacy.CreateInventoryItem(r.Context(), actorOf(r), in)
}

func (s *server) getInventoryItem(r *http.Request, _ none) (pharmacy.InventoryItem, error) {
	return s.pharmacy.InventoryItem(r.Context(), routeID(r))
}

func (s *server) updateInventoryItem(r *http.Request, in pharmacy.InventoryEdit) (pharmacy.InventoryItem, error) {
	return s.pharmacy.UpdateInventoryItem(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) adjustInventoryItem(r *http.Request, in pharmacy.InventoryAdjustParams) (pharmacy.InventoryChange, error) {
	return s.pharmacy.AdjustInventory(r.Context(), actorOf(r), routeID(r), in)
}

func (s *server) listInventoryMovements(r *http.Request, _ none) (pharmacy.InventoryMovementPage, error) {
	q := queryOf(r)
	limit, cursor := q.Page()
	return answer(q, func() (pharmacy.InventoryMovementPage, error) {
		return s.pharmacy.InventoryMovements(r.Context(), routeID(r), limit, cursor)
	})
}

func (s *server) dispensePrescription(r *http.Request, in pharmacy.DispenseParams) (pharmacy.Dispense, error) {
	id := routeID(r)
	key, err := idempotencyKey(r)
	if err != nil {
		return pharmacy.Dispense{}, err
	}
	return s.pharmacy.Dispense(r.Context(), actorOf(r), id, key, in)
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

func (s *server) returnDispensed(r *http.Request, in pharmacy.ReturnParams) (pharmacy.StockChange, error) {
	return s.pharmacy.Return(r.Context(), actorOf(r), routeID(r), in)
}
