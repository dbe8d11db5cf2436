package appointments

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// visitFixture is a doctor and two patients in a fresh database, the clinic's clock set to
// 2031-06-02 09:00 (the machine's zone: no time zone is set).
func visitFixture(t *testing.T) (*Service, *db.DB, int64, int64, []int64) {
	t.Helper()
	d := dbtest.New(t)
	var docs [2]int64
	for i, name := range []string{"dr.one", "dr.two"} {
		docs[i] = dbtest.User(t, d, "doctor", name, "", "")
	}
	var pats []int64
	for _, uid := range []string{"P-V001", "P-V002"} {
		pats = append(pats, dbtest.Patient(t, d, uid, "Visit", "Patient", "1990-01-01", "female"))
	}
	s := NewService(d)
	now := time.Date(2031, 6, 2, 9, 0, 0, 0, time.Local)
	s.now = func() time.Time { return now }
	return s, d, docs[0], docs[1], pats
}

// One live visit per patient, doctor and clinic day, whatever way the second check-in comes:
// two walk-ins at once (one wins, the other is a conflict naming it), checking in the patient's
// booking that day, or a walk-in beside a checked-in booking. Another doctor, another day, or
// after the visit ended is another visit.
func TestOneVisitPerPatientDoctorAndDay(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, d, doc, doc2, pats := visitFixture(t)

	var wg sync.WaitGroup
	res := make([]Appointment, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Go(func() {
			res[i], errs[i] = s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[0], DoctorID: doc, WalkIn: true})
		})
	}
	wg.Wait()
	if errs[0] != nil {
		res[0], res[1], errs[0], errs[1] = res[1], res[0], errs[1], errs[0]
	}
	if errs[0] != nil {
		t.Fatalf("neither walk-in was checked in: %v / %v", errs[0], errs[1])
	}
	checkExisting := func(what string, err error, want int64) {
		t.Helper()
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Kind != apperr.ErrConflict || ae.Code != CodeAlreadyCheckedIn {
			t.Fatalf("%s: %v, want a conflict %s", what, err, CodeAlreadyCheckedIn)
		}
		ev, ok := ae.Details.(ExistingVisit)
		if !ok || ev.AppointmentID != want || ev.Appointment.ID != want || ev.Appointment.VisitState != VisitCheckedIn {
			t.Fatalf("%s: details %#v, want the visit %d", what, ae.Details, want)
		}
	}
	checkExisting("second walk-in at the same moment", errs[1], res[0].ID)

	// Another doctor the same day: another visit.
	if _, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[0], DoctorID: doc2, WalkIn: true}); err != nil {
		t.Fatalf("the same patient with another doctor: %v", err)
	}

	// The second patient is booked at 11:00 today and checked in; a walk-in for them with the
	// same doctor is refused, and so is checking in a second booking (13:00) that day.
	b1, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[1], DoctorID: doc, Date: "2031-06-02", Time: "11:00"})
	if err != nil {
		t.Fatal(err)
	}
	b2, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[1], DoctorID: doc, Date: "2031-06-02", Time: "13:00"})
	if err != nil {
		t.Fatal(err)
	}
	checkedIn := StatusCheckedIn
	b1, err = s.Update(ctx, db.Actor{}, b1.ID, MoveParams{Version: b1.Version, Status: &checkedIn})
	if err != nil {
		t.Fatalf("check in the 11:00 booking: %v", err)
	}
	_, err = s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[1], DoctorID: doc, WalkIn: true})
	checkExisting("walk-in beside a checked-in booking", err, b1.ID)
	_, err = s.Update(ctx, db.Actor{}, b2.ID, MoveParams{Version: b2.Version, Status: &checkedIn})
	checkExisting("checking in a second booking the same day", err, b1.ID)

	// Once the first visit is over, the patient can come back the same day.
	if _, err := d.Pool.Exec(ctx, `UPDATE core_appointment SET status = 'in_progress' WHERE id = $1`, b1.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pool.Exec(ctx, `UPDATE core_appointment SET status = 'completed' WHERE id = $1`, b1.ID); err != nil {
		t.Fatal(err)
	}
	b2, _ = s.Get(ctx, b2.ID)
	if _, err := s.Update(ctx, db.Actor{}, b2.ID, MoveParams{Version: b2.Version, Status: &checkedIn}); err != nil {
		t.Fatalf("check in after the first visit ended: %v", err)
	}
}

// The visit state and when it began follow the facts, and the active list leaves done visits
// out: checked in (since check-in) -> vitals taken (since the first reading) -> with the doctor
// (since the status changed) -> to the pharmacy (a prescription left to dispense, since
// closing) -> done (dispensed, no open bill).
func TestVisitStateFollowsTheFacts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, d, doc, _, pats := visitFixture(t)
	a, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[0], DoctorID: doc, WalkIn: true})
	if err != nil {
		t.Fatal(err)
	}
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := d.Pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	state := func(want string, since string) {
		t.Helper()
		got, err := s.Get(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var at time.Time
		if err := d.Pool.QueryRow(ctx, since, a.ID).Scan(&at); err != nil {
			t.Fatalf("%s: %v", since, err)
		}
		if got.VisitState != want || got.WaitingSince == nil || !got.WaitingSince.Equal(at) {
			t.Fatalf("state %q since %v, want %q since %v", got.VisitState, got.WaitingSince, want, at)
		}
		l, err := s.List(ctx, Filter{Visits: VisitsActive})
		if err != nil {
			t.Fatal(err)
		}
		in := len(l.Items) == 1 && l.Items[0].ID == a.ID && l.Items[0].VisitState == want
		if in == (want == VisitDone) {
			t.Fatalf("active visits %+v with the visit %s", l.Items, want)
		}
	}
	state(VisitCheckedIn, `SELECT checked_in_at FROM core_appointment WHERE id = $1`)

	var enc int64
	if err := d.Pool.QueryRow(ctx, `INSERT INTO core_encounter (patient_id, appointment_id, doctor_id, notes)
		VALUES ($1, $2, $3, '') RETURNING id`, pats[0], a.ID, doc).Scan(&enc); err != nil {
		t.Fatal(err)
	}
	state(VisitCheckedIn, `SELECT checked_in_at FROM core_appointment WHERE id = $1`)
	exec(`INSERT INTO core_vitals (encounter_id, temperature, recorded_at) VALUES ($1, 37.2, now() + interval '1 minute')`, enc)
	exec(`INSERT INTO core_vitals (encounter_id, temperature, recorded_at) VALUES ($1, 37.0, now() + interval '5 minutes')`, enc)
	state(VisitVitalsTaken, `SELECT min(recorded_at) FROM core_vitals v JOIN core_encounter e ON e.id = v.encounter_id WHERE e.appointment_id = $1`)

	exec(`UPDATE core_appointment SET status = 'in_progress' WHERE id = $1`, a.ID)
	state(VisitWithDoctor, `SELECT status_changed_at FROM core_appointment WHERE id = $1`)

	var rx int64
	if err := d.Pool.QueryRow(ctx, `INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, quantity)
		VALUES ($1, 'Paracetamol', '1 g', 'tds', 10) RETURNING id`, enc).Scan(&rx); err != nil {
		t.Fatal(err)
	}
	exec(`UPDATE core_encounter SET notes = 'Seen', status = 'closed', closed_at = now() WHERE id = $1`, enc)
	exec(`UPDATE core_appointment SET status = 'completed' WHERE id = $1`, a.ID)
	state(VisitToPharmacy, `SELECT closed_at FROM core_encounter WHERE appointment_id = $1`)

	exec(`UPDATE core_prescription SET dispensed_quantity = 10 WHERE id = $1`, rx)
	state(VisitDone, `SELECT closed_at FROM core_encounter WHERE appointment_id = $1`)

	// A scheduled appointment is not a visit.
	b, err := s.Create(ctx, db.Actor{}, BookParams{PatientID: pats[1], DoctorID: doc, Date: "2031-06-02", Time: "11:00"})
	if err != nil || b.VisitState != "" || b.WaitingSince != nil {
		t.Fatalf("a booking: %+v, %v", b, err)
	}
}
