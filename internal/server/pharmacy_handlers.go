package server

import (
	"net/http"

	"chelal/internal/pharmacy"
)

// inactiveParam is the include_inactive query parameter of the catalog lists.
var inactiveParam = param{name: "include_inactive", typ: "boolean", doc: "also deactivated rows"}

func (s *server) listMedicationCategories(r *http.Request, _ none) (pharmacy.CategoryPage, error) {
	all, err := queryBool(r, "include_inactive")
	if err != nil {
		return pharmacy.CategoryPage{}, err
	}
	limit, cursor, err := pageQuery(r)
	if err != nil {
		return pharmacy.CategoryPage{}, err
	}
	return s.pharmacy.Categories(r.Context(), all, limit, cursor)
}

func (s *server) createMedicationCategory(r *http.Request, in pharmacy.CategoryParams) (pharmacy.Category, error) {
	return s.pharmacy.CreateCategory(r.Context(), actorOf(r), in)
}

func (s *server) updateMedicationCategory(r *http.Request, in pharmacy.CategoryEdit) (pharmacy.Category, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.Category{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return pharmacy.Category{}, err
	}
	return s.pharmacy.UpdateCategory(r.Context(), actorOf(r), id, in)
}

func (s *server) listMedications(r *http.Request, _ none) (pharmacy.MedicationPage, error) {
	q := r.URL.Query()
	f := pharmacy.MedicationFilter{Q: q.Get("q"), Stock: q.Get("stock")}
	var err error
	if f.CategoryID, err = queryInt(r, "category_id"); err != nil {
		return pharmacy.MedicationPage{}, err
	}
	if f.IncludeInactive, err = queryBool(r, "include_inactive"); err != nil {
		return pharmacy.MedicationPage{}, err
	}
	if f.Limit, f.Cursor, err = pageQuery(r); err != nil {
		return pharmacy.MedicationPage{}, err
	}
	return s.pharmacy.Medications(r.Context(), f)
}

func (s *server) createMedication(r *http.Request, in pharmacy.MedicationParams) (pharmacy.MedicationDetail, error) {
	return s.pharmacy.CreateMedication(r.Context(), actorOf(r), in)
}

func (s *server) getMedication(r *http.Request, _ none) (pharmacy.MedicationDetail, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.MedicationDetail{}, err
	}
	return s.pharmacy.Medication(r.Context(), id)
}

func (s *server) updateMedication(r *http.Request, in pharmacy.MedicationEdit) (pharmacy.MedicationDetail, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.MedicationDetail{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return pharmacy.MedicationDetail{}, err
	}
	return s.pharmacy.UpdateMedication(r.Context(), actorOf(r), id, in)
}

func (s *server) receiveStock(r *http.Request, in pharmacy.ReceiveParams) (pharmacy.StockChange, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.StockChange{}, err
	}
	return s.pharmacy.Receive(r.Context(), actorOf(r), id, in)
}

func (s *server) listStockMovements(r *http.Request, _ none) (pharmacy.MovementPage, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.MovementPage{}, err
	}
	limit, cursor, err := pageQuery(r)
	if err != nil {
		return pharmacy.MovementPage{}, err
	}
	return s.pharmacy.Movements(r.Context(), id, limit, cursor)
}

func (s *server) adjustStock(r *http.Request, in pharmacy.AdjustParams) (pharmacy.StockChange, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.StockChange{}, err
	}
	return s.pharmacy.Adjust(r.Context(), actorOf(r), id, in)
}

func (s *server) writeOffBatch(r *http.Request, in pharmacy.WriteOffParams) (pharmacy.StockChange, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.StockChange{}, err
	}
	return s.pharmacy.WriteOff(r.Context(), actorOf(r), id, in)
}

func (s *server) listInventoryItems(r *http.Request, _ none) (pharmacy.InventoryPage, error) {
	all, err := queryBool(r, "include_inactive")
	if err != nil {
		return pharmacy.InventoryPage{}, err
	}
	limit, cursor, err := pageQuery(r)
	if err != nil {
		return pharmacy.InventoryPage{}, err
	}
	return s.pharmacy.InventoryItems(r.Context(), r.URL.Query().Get("q"), all, limit, cursor)
}

func (s *server) createInventoryItem(r *http.Request, in pharmacy.InventoryParams) (pharmacy.InventoryItem, error) {
	return s.pharmacy.CreateInventoryItem(r.Context(), actorOf(r), in)
}

func (s *server) getInventoryItem(r *http.Request, _ none) (pharmacy.InventoryItem, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.InventoryItem{}, err
	}
	return s.pharmacy.InventoryItem(r.Context(), id)
}

func (s *server) updateInventoryItem(r *http.Request, in pharmacy.InventoryEdit) (pharmacy.InventoryItem, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.InventoryItem{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return pharmacy.InventoryItem{}, err
	}
	return s.pharmacy.UpdateInventoryItem(r.Context(), actorOf(r), id, in)
}

func (s *server) adjustInventoryItem(r *http.Request, in pharmacy.InventoryAdjustParams) (pharmacy.InventoryChange, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.InventoryChange{}, err
	}
	return s.pharmacy.AdjustInventory(r.Context(), actorOf(r), id, in)
}

func (s *server) listInventoryMovements(r *http.Request, _ none) (pharmacy.InventoryMovementPage, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.InventoryMovementPage{}, err
	}
	limit, cursor, err := pageQuery(r)
	if err != nil {
		return pharmacy.InventoryMovementPage{}, err
	}
	return s.pharmacy.InventoryMovements(r.Context(), id, limit, cursor)
}

func (s *server) dispensePrescription(r *http.Request, in pharmacy.DispenseParams) (pharmacy.Dispense, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.Dispense{}, err
	}
	key, err := idempotencyKey(r)
	if err != nil {
		return pharmacy.Dispense{}, err
	}
	return s.pharmacy.Dispense(r.Context(), actorOf(r), id, key, in)
}

func (s *server) pharmacyQueue(r *http.Request, _ none) (pharmacy.QueuePage, error) {
	patient, err := queryInt(r, "patient_id")
	if err != nil {
		return pharmacy.QueuePage{}, err
	}
	limit, cursor, err := pageQuery(r)
	if err != nil {
		return pharmacy.QueuePage{}, err
	}
	return s.pharmacy.Queue(r.Context(), patient, r.URL.Query().Get("status"), limit, cursor)
}

func (s *server) pharmacyAlerts(r *http.Request, _ none) (pharmacy.Alerts, error) {
	return s.pharmacy.Alerts(r.Context())
}

func (s *server) returnDispensed(r *http.Request, in pharmacy.ReturnParams) (pharmacy.StockChange, error) {
	id, err := pathID(r)
	if err != nil {
		return pharmacy.StockChange{}, err
	}
	return s.pharmacy.Return(r.Context(), actorOf(r), id, in)
}
