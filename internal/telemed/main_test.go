package telemed

import (
	"os"
	"testing"

	"chelal/internal/db/dbtest"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
