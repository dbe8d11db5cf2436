package server

import (
	"os"
	"testing"

	"chelal/internal/db/dbtest"
)

func TestMain(m *testing.M) {
	fakeChelalVersion() // the update tests run the test binary as a new Chelal
	os.Exit(dbtest.Main(m))
}
