package server

import (
	"os"
	"testing"

	"chelal/internal/db/dbtest"
	"chelal/internal/update/updatetest"
)

func TestMain(m *testing.M) {
	updatetest.StandIn() // the update tests run the test binary as a new Chelal
	os.Exit(dbtest.Main(m))
}
