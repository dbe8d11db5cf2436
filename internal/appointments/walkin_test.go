package appointments

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// Walk-ins take no bookable slot: twenty patients checked in for one doctor in the very same
// second are twenty visits, and a walk-in arriving on the minute of a booked slot does not
// take it (nor is refused by it). Booking a slot twice is still a conflict.
func TestWalkInsInOneSecondDoNotCollide(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	doctor := dbtest.User(t, d, "doctor", "dr.walk", "", "")
	const n = 20
	patients := make([]int64, n+1)
	for i := range patients {
		patients[i] = dbtest.Patient(t, d, fmt.Sprintf("P-W%03d", i), "Walk", "In", "1990-01-01", "female")
	}
	s := NewService(d)
	// Every walk-in arrives at 10:15:00 in the clinic's zone: the same second, on a slot's minute.
	now := time.Date(2031, 6, 2, 10, 15, 0, 0, time.Local) // the clinic's zone: no time zone is set
	s.now = func() time.Time { return now }

	// A booked slot at 10:30 that day, booked from the evening before.
	booker := NewService(d)
	booker.now = func() time.Time { return now.Add(-16 * time.Hour) }
	booked, err := booker.Create(ctx, db.Actor{}, BookParams{PatientID: patients[n], DoctorID: doctor, Date: "2031-06-02", Time: "10:30"})
	if err != nil {
		t.Fatalf("book 10:30: %v", err)
	}

	var wg sync.WaitGroup
	errs := make([]error, n)
	ids := make([]int64, n)
	for i := range n {
		wg.Go(func() {
			a, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: patients[i], DoctorID: doctor, WalkIn: true})
			errs[i], ids[i] = err, a.ID
		})
	}
	wg.Wait()
	seen := map[int64]bool{}
	for i, err := range errs {
		if err != nil {
			t.Errorf("walk-in %d: %v", i, err)
			continue
		}
		seen[ids[i]] = true
	}
	if len(seen) != n {
		t.Fatalf("%d distinct visits, want %d", len(seen), n)
	}
	var count int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_appointment WHERE doctor_id = $1 AND status = 'checked_in' AND walk_in`, doctor).Scan(&count); err != nil || count != n {
		t.Fatalf("checked-in walk-ins: %d, %v; want %d", count, err, n)
	}

	// A walk-in at the very minute of a booked slot does not block it: the slot can be booked.
	at1015 := NewService(d)
	at1015.now = func() time.Time { return now.Add(-time.Hour) }
	if _, err := at1015.Create(ctx, db.Actor{}, BookParams{PatientID: patients[0], DoctorID: doctor, Date: "2031-06-02", Time: "10:15"}); err != nil {
		t.Errorf("booking 10:15 beside the walk-ins: %v", err)
	}
	// The slot rule still holds for bookings.
	_, err = booker.Create(ctx, db.Actor{}, BookParams{PatientID: patients[1], DoctorID: doctor, Date: "2031-06-02", Time: "10:30"})
	if apperr.KindOf(err) != apperr.ErrConflict {
		t.Errorf("double booking 10:30 (taken by %d): %v, want a conflict", booked.ID, err)
	}
}
