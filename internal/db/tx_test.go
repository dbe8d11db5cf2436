package db_test

import (
	"context"
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// TestInTxSetsActorForTheTransactionOnly: a user's id and address (an IPv4-mapped one
// unmapped) are the transaction's settings, the system actor's are empty, and a later
// statement on the pool sees none.
func TestInTxSetsActorForTheTransactionOnly(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		actor   db.Actor
		uid, ip string
	}{
		{"user", db.Actor{UserID: 42, IP: netip.MustParseAddr("::ffff:10.0.0.7")}, "42", "10.0.0.7"},
		{"system", db.Actor{}, "", ""},
	} {
		err := d.InTx(ctx, tc.actor, func(ctx context.Context, tx pgx.Tx) error {
			var uid, ip string
			if err := tx.QueryRow(ctx, `SELECT current_setting('chelal.user_id', true), current_setting('chelal.client_ip', true)`).Scan(&uid, &ip); err != nil {
				return err
			}
			if uid != tc.uid || ip != tc.ip {
				t.Errorf("%s inside the transaction: user %q ip %q, want %q and %q", tc.name, uid, ip, tc.uid, tc.ip)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// The settings are transaction-local: a later statement on the pool sees none.
		var uid *string
		if err := d.Pool.QueryRow(ctx, `SELECT NULLIF(current_setting('chelal.user_id', true), '')`).Scan(&uid); err != nil {
			t.Fatal(err)
		}
		if uid != nil {
			t.Fatalf("%s: actor leaked out of the transaction: %q", tc.name, *uid)
		}
	}
}

func TestInTxRollsBackOnErrorAndPanic(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	boom := errors.New("boom")
	insert := func(name string) func(context.Context, pgx.Tx) error {
		return func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `INSERT INTO core_role (name, description) VALUES ($1, 'test')`, name)
			return err
		}
	}
	err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		if err := insert("rolled-back-error")(ctx, tx); err != nil {
			return err
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want the function's error", err)
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the panic was swallowed")
			}
		}()
		_ = d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
			_ = insert("rolled-back-panic")(ctx, tx)
			panic("handler bug")
		})
	}()
	if err := d.InTx(ctx, db.Actor{}, insert("committed")); err != nil {
		t.Fatal(err)
	}
	var names []string
	rows, err := d.Pool.Query(ctx, `SELECT name FROM core_role WHERE description = 'test' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	names, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[0] != "committed" {
		t.Fatalf("rows after error, panic and commit: %v, want only [committed]", names)
	}
	// Nothing that was rolled back left an audit row either.
	var audits int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE changes::text LIKE '%rolled-back%'`).Scan(&audits); err != nil {
		t.Fatal(err)
	}
	if audits != 0 {
		t.Fatalf("%d audit rows of rolled-back changes", audits)
	}
}

func TestConnectErrorNamesTheServerButNotThePassword(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := db.Connect(ctx, "postgres://chelal:secret@127.0.0.1:1/chelal?sslmode=disable")
	if err == nil {
		t.Fatal("connected to a closed port")
	}
	if got := err.Error(); !strings.Contains(got, "connect to database chelal@127.0.0.1:1/chelal") || strings.Contains(got, "secret") {
		t.Fatalf("error %q should name the server and hide the password", got)
	}
}
