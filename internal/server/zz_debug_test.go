package server

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestZZDebug(t *testing.T) {
	f := newFuzzer(t)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, id := range []string{"createPatient", "createAppointment", "createBill", "listAppointments", "listServices", "updateSettings", "updateMe", "addBillItems", "recordVitals", "writeOffBatch", "updateMedication", "closeEncounter", "readNotification", "getProfileImage"} {
		op := f.byID[id]
		for i := 0; i < 3; i++ {
			c, _ := f.base(rng, op)
			target := op.path
			for k, v := range c.path {
				target = strings.ReplaceAll(target, "{"+k+"}", v)
			}
			if len(c.query) > 0 {
				target += "?" + strings.Join(c.query, "&")
			}
			w := f.send(op.method, target, c.body, c.ctype)
			t.Logf("%s %s %s -> %d %s", id, target, c.body, w.Code, w.Body.String()[:min(300, w.Body.Len())])
		}
	}
}
