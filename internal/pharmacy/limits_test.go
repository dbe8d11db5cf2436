package pharmacy

import (
	"reflect"
	"testing"

	"chelal/internal/validate"
)

// TestQuantityTagsAreMaxQuantity: every quantity an input carries is bounded by MaxQuantity,
// written as the fields' validate tags (which the forms and the OpenAPI document read).
func TestQuantityTagsAreMaxQuantity(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v     any
		field string
	}{
		{ReceiveParams{}, "Quantity"}, {DispenseParams{}, "Quantity"}, {ReturnParams{}, "Quantity"},
		{AdjustParams{}, "QuantityChange"}, {InventoryAdjustParams{}, "QuantityChange"}, {MedicationParams{}, "ReorderLevel"},
	} {
		typ := reflect.TypeOf(tc.v)
		sf, _ := typ.FieldByName(tc.field)
		r, err := validate.Field(typ, sf)
		if err != nil {
			t.Fatal(err)
		}
		if r.Max == nil || *r.Max != MaxQuantity {
			t.Errorf("%s.%s: max %v, want MaxQuantity (%d)", typ.Name(), tc.field, r.Max, MaxQuantity)
		}
	}
}
