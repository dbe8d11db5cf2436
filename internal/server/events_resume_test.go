package server

import (
	"context"
	"strconv"
	"testing"
	"time"
)

// TestEventsResumeCoversLateCommits: an event id is taken when the change is made, so a change
// may commit after one with a higher id. A client that saw the higher one and was away when
// the lower one committed still receives it when it resumes.
func TestEventsResumeCoversLateCommits(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	c := a.signedIn("late-rec", "receptionist", "10.0.0.9")
	s := openStream(t, base, c, "")
	ctx := context.Background()
	// A change that takes its event id now and commits later...
	slow, err := a.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx)
	const late = 987654
	if _, err := slow.Exec(ctx, `INSERT INTO core_auditlog (action, model_name, object_id, changes) VALUES ('update', 'core_patient', $1, '{}')`, late); err != nil {
		t.Fatal(err)
	}
	// ...while a quicker one, with a higher id, commits and reaches the stream.
	quick := registerPatient(t, c, "Quick")
	ev, _ := s.waitFor("patient", quick, 2*time.Second)
	s.close()
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	s2 := openStream(t, base, c, ev["_id"].(string))
	got, _ := s2.waitFor("patient", late, 2*time.Second)
	lateID, _ := strconv.ParseInt(got["_id"].(string), 10, 64)
	if resumed, _ := strconv.ParseInt(ev["_id"].(string), 10, 64); lateID >= resumed {
		t.Fatalf("the late event has id %d, want one below the resume point %d (the case this test is about)", lateID, resumed)
	}
}
