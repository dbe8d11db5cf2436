package server

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestDatabaseUnavailableIs503 shows that a database that cannot be reached (connection
// refused, a pool that is closed) answers 503 database-unavailable with a Retry-After, on
// every route that touches it, and never "an unexpected error".
func TestDatabaseUnavailableIs503(t *testing.T) {
	t.Parallel()
	// A loopback port nothing listens on: every connection attempt is refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedPort := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	cfg, err := pgxpool.ParseConfig(fmt.Sprintf("postgres://chelal:x@127.0.0.1:%d/chelal?sslmode=disable&connect_timeout=2", refusedPort))
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg) // lazy: connects on first use
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	closed := dbtest.New(t)
	closed.Close()

	for _, tc := range []struct {
		name string
		db   *db.DB
	}{
		{"connection refused", &db.DB{Pool: pool}},
		{"pool closed", closed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, h := Wire(tc.db, testAuth(t, tc.db, auth.Config{}), Deps{Log: errorLog(t)})
			for _, req := range []request{
				{method: "POST", target: "/api/v1/auth/login", body: `{"username":"amina","password":"correct horse battery"}`},
				{method: "GET", target: "/api/v1/patients", header: map[string]string{"Cookie": SessionCookie + "=some-session"}},
				{method: "GET", target: "/api/v1/setup"},
			} {
				w := serve(t, h, req)
				problemOfType(t, w, http.StatusServiceUnavailable, "database-unavailable")
				if got := w.Header().Get("Retry-After"); got != "5" {
					t.Errorf("%s %s: Retry-After %q, want 5", req.method, req.target, got)
				}
			}
		})
	}
}
