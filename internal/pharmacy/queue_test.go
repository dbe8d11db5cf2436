package pharmacy

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"chelal/internal/apperr"
)

// A prescription discontinued by its doctor, sent back by the pharmacist or older than
// StaleAfterDays leaves the dispensing queue, is listed under its own status, and its
// undispensed part is never dispensed; a dispense asking for more than remains is refused
// with the numbers, never cut down to what remains.
func TestQueueLeavesUndispensed(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	med := f.stocked("Amoxicillin", 0, 200)
	waiting, discontinued, returned, stale := f.prescription(med, 15), f.prescription(med, 15), f.prescription(med, 15), f.prescription(med, 15)
	if _, err := f.s.Dispense(ctx, f.pharmacist, discontinued, "", DispenseParams{Quantity: 5}); err != nil {
		t.Fatal(err)
	}
	f.id(`UPDATE core_prescription SET discontinued_at = now(), discontinued_by = $2, discontinue_reason = 'rash' WHERE id = $1 RETURNING id`,
		discontinued, f.doctor)
	f.id(`UPDATE core_prescription SET returned_at = now(), returned_by = $2, return_reason = 'illegible' WHERE id = $1 RETURNING id`,
		returned, f.pharmacist.UserID)
	f.id(fmt.Sprintf(`UPDATE core_prescription SET created_at = now() - interval '%d days' WHERE id = $1 RETURNING id`, StaleAfterDays+1), stale)

	ids := func(status string) []int64 {
		t.Helper()
		q, err := f.s.Queue(ctx, 0, status, 0, "")
		if err != nil {
			t.Fatalf("queue %q: %v", status, err)
		}
		var out []int64
		for _, e := range q.Items {
			if e.Status != status && !(status == "" && e.Status == QueueWaiting) {
				t.Errorf("queue %q: entry %d says %q", status, e.PrescriptionID, e.Status)
			}
			out = append(out, e.PrescriptionID)
		}
		return out
	}
	for _, tc := range []struct {
		status string
		want   []int64
	}{
		{"", []int64{waiting}},
		{QueueWaiting, []int64{waiting}},
		{QueueDiscontinued, []int64{discontinued}},
		{QueueReturned, []int64{returned}},
		{QueueStale, []int64{stale}},
	} {
		if got := ids(tc.status); !slices.Equal(got, tc.want) {
			t.Errorf("queue %q = %v, want %v", tc.status, got, tc.want)
		}
	}
	if _, err := f.s.Queue(ctx, 0, "forever", 0, ""); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Errorf("unknown status: %v", err)
	}

	for _, tc := range []struct {
		rx   int64
		code string
	}{
		{discontinued, "prescription-discontinued"},
		{returned, "prescription-returned"},
		{stale, "prescription-expired"},
	} {
		if _, err := f.s.Dispense(ctx, f.pharmacist, tc.rx, "", DispenseParams{Quantity: 1}); apperr.CodeOf(err) != tc.code {
			t.Errorf("dispense %d: %v, want %s", tc.rx, err, tc.code)
		}
	}

	// 99 asked of 15 prescribed: refused, saying how many remain; nothing dispensed.
	_, err := f.s.Dispense(ctx, f.pharmacist, waiting, "", DispenseParams{Quantity: 99})
	if apperr.KindOf(err) != apperr.ErrInvalid || len(apperr.FieldsOf(err)) != 1 || apperr.FieldsOf(err)[0].Field != "quantity" {
		t.Fatalf("99 of 15: %v", err)
	}
	if msg := apperr.FieldsOf(err)[0].Message; msg != "At most 15 remain to dispense on this prescription (15 prescribed, 0 dispensed)." {
		t.Errorf("99 of 15 says %q", msg)
	}
	f.wantStock(med, 195)
}
