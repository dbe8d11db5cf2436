package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/auth"
	"chelal/internal/db"
)

// insertPatients writes n patients with one statement (as a spreadsheet import does: one
// audit row each, from 0037's statement trigger) and returns their ids in order.
func insertPatients(t *testing.T, d *db.DB, tag string, n int) []int64 {
	t.Helper()
	var ids []int64
	err := d.InTx(context.Background(), db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `
			INSERT INTO core_patient (first_name, last_name, date_of_birth, gender, unique_id)
			SELECT 'Bulk', $1 || g, DATE '1990-01-01' + g, 'female', 'BULK-' || $1 || '-' || g
			  FROM generate_series(1, $2) g ORDER BY g
			RETURNING id`, tag, n)
		if err != nil {
			return err
		}
		ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ids)
	return ids
}

// notifications LISTENs on the events channel on a connection of its own and returns the
// payloads heard, within wait of the last one.
type listener struct {
	t    *testing.T
	conn *pgx.Conn
}

func listen(t *testing.T, d *db.DB) *listener {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), d.DSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	if _, err := conn.Exec(context.Background(), "LISTEN chelal_events"); err != nil {
		t.Fatal(err)
	}
	return &listener{t: t, conn: conn}
}

func (l *listener) heard(wait time.Duration) []map[string]any {
	var out []map[string]any
	for {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		n, err := l.conn.WaitForNotification(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return out
		}
		if err != nil {
			l.t.Fatal(err)
		}
		var p map[string]any
		if err := json.Unmarshal([]byte(n.Payload), &p); err != nil {
			l.t.Fatalf("payload %q: %v", n.Payload, err)
		}
		out = append(out, p)
	}
}

// TestEventsOfABulkStatement: a statement that writes a few audit rows still announces each
// event with its own notification, as 0024 did; one that writes many (an import) writes all
// its events but announces them with one notification, and the streams read them from the
// table (or, past what a stream resends, are told to refetch everything).
func TestEventsOfABulkStatement(t *testing.T) {
	t.Parallel()
	a, base := liveAPI(t)
	c := a.signedIn("bulk-rec", "receptionist", "10.0.0.21")
	l := listen(t, a.db)
	s := openStream(t, base, c, "")

	small := insertPatients(t, a.db, "small", 3)
	heard := l.heard(300 * time.Millisecond)
	if len(heard) != 3 {
		t.Fatalf("3 patients in one statement: %d notifications %v, want 3", len(heard), heard)
	}
	for i, p := range heard {
		if p["k"] != "patient" || p["e"] != float64(small[i]) || p["v"] != float64(1) || p["a"] != "create" || p["t"] == nil || p["i"] == nil {
			t.Errorf("notification %d: %v, want patient %d v1 create with its id and time", i, p, small[i])
		}
	}

	bulk := insertPatients(t, a.db, "bulk", 150)
	heard = l.heard(300 * time.Millisecond)
	last := queryValue[int64](a, `SELECT max(id) FROM core_event`)
	if len(heard) != 1 || heard[0]["c"] != float64(150) || heard[0]["i"] != float64(last) || heard[0]["r"] != false {
		t.Fatalf("150 patients in one statement: notifications %v, want one {c: 150, i: %d, r: false}", heard, last)
	}
	// Every event is in the table, as a row trigger wrote them (see the test below), in order.
	var events []int64
	rows, err := a.db.Pool.Query(context.Background(), `SELECT entity_id FROM core_event
		WHERE kind = 'patient' AND action = 'create' AND version = 1 ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	if events, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(small), bulk...); !slices.Equal(events, want) {
		t.Fatalf("patient events %v, want %v", events, want)
	}
	// The stream was sent the few live and the many from the table: each once, in order.
	if got := s.ids("patient", 1500*time.Millisecond); !slices.Equal(got, events) {
		t.Fatalf("the stream sent patients %v, want %v", got, events)
	}
	// A user or a role among many: the notification says so (the instances look sessions up
	// again and the streams recheck theirs).
	a.exec(`INSERT INTO core_auditlog (action, model_name, object_id, changes)
		SELECT 'update', 'auth_user', g, '{}' FROM generate_series(900001, 900101) g`)
	if heard = l.heard(300 * time.Millisecond); len(heard) != 1 || heard[0]["c"] != float64(101) || heard[0]["r"] != true {
		t.Fatalf("101 user changes in one statement: notifications %v, want one {c: 101, r: true}", heard)
	}
	// An ordinary change afterwards goes out live.
	one := registerPatient(t, c, "Single")
	s.waitFor("patient", one, 2*time.Second)
	// More than a stream resends: it is told to refetch everything.
	insertPatients(t, a.db, "many", eventBacklog+200)
	for {
		if m := s.next(5 * time.Second); m.event == "reset" {
			break
		}
	}
}

// TestEventsOfAStatementAsARowTriggerWrote: the statement trigger (0046) writes, for the
// audit rows of every kind of change, the same events as 0024's row trigger did: the same
// audit rows are written once with each trigger (in one transaction, rolled back) and the
// events compared. The rows cover every model that has an event kind and one that has none,
// each action and an application row, rows that name their bill, encounter or user and rows
// that do not, real rows (whose version and bill are looked up) and missing ones.
func TestEventsOfAStatementAsARowTriggerWrote(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	ctx := context.Background()
	nurse := a.newUser("same-nurse", "nurse")
	var patient, service, bill, item, payment, note int64
	err := a.db.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		return errors.Join(
			tx.QueryRow(ctx, `INSERT INTO core_patient (first_name, last_name, date_of_birth, gender, unique_id)
				VALUES ('Same', 'Events', '1980-01-01', 'male', 'SAME-1') RETURNING id`).Scan(&patient),
			tx.QueryRow(ctx, `INSERT INTO core_servicecatalog (name, code, price) VALUES ('Visit', 'SAME-V', 10) RETURNING id`).Scan(&service),
			tx.QueryRow(ctx, `INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, 10, '2030-01-01') RETURNING id`, patient).Scan(&bill),
			tx.QueryRow(ctx, `INSERT INTO core_billitem (bill_id, service_catalog_id, unit_price, total_price) VALUES ($1, $2, 10, 10) RETURNING id`, bill, service).Scan(&item),
			tx.QueryRow(ctx, `INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, 4, 'cash') RETURNING id`, bill).Scan(&payment),
			tx.QueryRow(ctx, `INSERT INTO core_notification (user_id, title, message, notification_type) VALUES ($1, 't', 'm', 'info') RETURNING id`, nurse).Scan(&note),
			func() error {
				_, err := tx.Exec(ctx, `UPDATE core_patient SET address = 'Moshi', version = version + 1 WHERE id = $1`, patient)
				if err == nil {
					_, err = tx.Exec(ctx, `UPDATE core_bill SET paid_amount = 4, version = version + 1 WHERE id = $1`, bill)
				}
				return err
			}())
	})
	if err != nil {
		t.Fatal(err)
	}
	real := map[string]int64{"core_patient": patient, "core_bill": bill, "core_billitem": item, "core_payment": payment,
		"core_notification": note, "auth_user": nurse, "core_servicecatalog": service}
	realJSON, err := json.Marshal(real)
	if err != nil {
		t.Fatal(err)
	}
	// The audit rows: every model with a kind (and core_session, which has none) x each action
	// (and 'login') x the real row or a missing one x changes naming the bill, encounter, user
	// and version, or nothing, as new or as old.
	const audit = `
		INSERT INTO core_auditlog (user_id, action, model_name, object_id, changes)
		SELECT CASE WHEN o % 2 = 0 THEN $2::integer END, act, m, o,
		       CASE ch WHEN 0 THEN '{}'::jsonb
		               WHEN 1 THEN jsonb_build_object('new', jsonb_build_object('version', 7, 'bill_id', $3::integer, 'encounter_id', 5, 'user_id', $2::integer))
		               ELSE jsonb_build_object('old', jsonb_build_object('bill_id', $3::integer, 'user_id', $2::integer)) END
		  FROM (SELECT model AS m FROM core_eventkind UNION ALL SELECT 'core_session') ms,
		       unnest(ARRAY['create', 'update', 'delete', 'login']) AS act,
		       LATERAL (SELECT coalesce(($1::jsonb ->> m)::integer, 424242) AS o UNION ALL SELECT 999999) os,
		       generate_series(0, 2) AS ch
		 ORDER BY m, act, o, ch`
	const events = `SELECT coalesce(array_agg(format('%s %s v%s %s by %s for %s at %s', kind, entity_id, version, action, actor_id, user_id, created_at) ORDER BY id), '{}')
		FROM core_event`
	tx, err := a.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	var byStatement, byRow []string
	var written int64
	if _, err := tx.Exec(ctx, `DELETE FROM core_event`); err != nil {
		t.Fatal(err)
	}
	tag, err := tx.Exec(ctx, audit, realJSON, nurse, bill)
	if err != nil {
		t.Fatal(err)
	}
	written = tag.RowsAffected()
	if err := tx.QueryRow(ctx, events).Scan(&byStatement); err != nil {
		t.Fatal(err)
	}
	// 0024's row trigger in place of 0046's statement trigger, for this transaction.
	if _, err := tx.Exec(ctx, `DELETE FROM core_event;
		DROP TRIGGER chelal_publish_events ON core_auditlog;
		CREATE TRIGGER chelal_publish_event AFTER INSERT ON core_auditlog FOR EACH ROW EXECUTE FUNCTION chelal_publish_event()`); err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, audit, realJSON, nurse, bill); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, events).Scan(&byRow); err != nil {
		t.Fatal(err)
	}
	if len(byRow) < 100 || int64(len(byRow)) >= written {
		t.Fatalf("%d events of %d audit rows: the rows do not exercise the triggers", len(byRow), written)
	}
	if !slices.Equal(byStatement, byRow) {
		for i := range max(len(byRow), len(byStatement)) {
			at := func(x []string) string {
				if i < len(x) {
					return x[i]
				}
				return "(none)"
			}
			if at(byRow) != at(byStatement) {
				t.Errorf("event %d: statement trigger %s, row trigger %s", i, at(byStatement), at(byRow))
			}
		}
	}
	var patientV, billV int64
	if err := tx.QueryRow(ctx, `SELECT (SELECT version FROM core_patient WHERE id = $1), (SELECT version FROM core_bill WHERE id = $2)`,
		patient, bill).Scan(&patientV, &billV); err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct{ prefix, has string }{
		{fmt.Sprintf("bill %d v%d create by", bill, billV), ""},          // a bill line: the bill's event and version
		{fmt.Sprintf("patient %d v%d update by", patient, patientV), ""}, // an update: the row's version
		{fmt.Sprintf("notification %d v7 create by", note), fmt.Sprintf(" for %d at", nurse)},
	} {
		if !slices.ContainsFunc(byRow, func(e string) bool { return strings.HasPrefix(e, want.prefix) && strings.Contains(e, want.has) }) {
			t.Errorf("no event %q...%q among %d", want.prefix, want.has, len(byRow))
		}
	}
}

// TestEventsOfBulkDeletes: patients and their old record numbers deleted with one statement
// (an import's undo) are audited by 0046's statement trigger with the same rows chelal_audit
// wrote per row, and each deleted patient is an event.
func TestEventsOfBulkDeletes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	ctx := context.Background()
	admin := a.newUser("gone-admin", "admin")
	ids := insertPatients(t, a.db, "gone", 120)
	a.exec(`INSERT INTO core_patientalias (patient_id, alias, alias_key, source)
		SELECT id, 'OLD-' || id, 'OLD' || id, 'patients' FROM unnest($1::int[]) id`, ids)
	tx, err := a.db.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT set_config('chelal.user_id', $1, true)`, fmt.Sprint(admin)); err != nil {
		t.Fatal(err)
	}
	const deleteAll = `DELETE FROM core_patientalias WHERE patient_id = ANY($1)`
	const deletePatients = `DELETE FROM core_patient WHERE id = ANY($1)`
	const audit = `SELECT coalesce(array_agg(format('%s %s %s by %s: %s', action, model_name, object_id, user_id, changes) ORDER BY id), '{}')
		FROM core_auditlog WHERE id > $1 AND action = 'delete'`
	var before int64
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM core_auditlog`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	deleteBoth := func() []string {
		for _, q := range []string{deleteAll, deletePatients} {
			if _, err := tx.Exec(ctx, q, ids); err != nil {
				t.Fatal(err)
			}
		}
		var rows []string
		if err := tx.QueryRow(ctx, audit, before).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		return rows
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT before_delete`); err != nil {
		t.Fatal(err)
	}
	byStatement := deleteBoth()
	var events int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM core_event WHERE kind = 'patient' AND action = 'delete' AND entity_id = ANY($1)`, ids).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != len(ids) {
		t.Fatalf("%d patient delete events, want %d", events, len(ids))
	}
	// chelal_audit per row in place of the statement triggers, for this transaction.
	if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT before_delete`); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"core_patient", "core_patientalias"} {
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DROP TRIGGER chelal_audit_delete ON %[1]s;
			DROP TRIGGER chelal_audit ON %[1]s;
			CREATE TRIGGER chelal_audit AFTER UPDATE OR DELETE ON %[1]s FOR EACH ROW EXECUTE FUNCTION chelal_audit()`, table)); err != nil {
			t.Fatal(err)
		}
	}
	byRow := deleteBoth()
	if len(byRow) != 2*len(ids) {
		t.Fatalf("%d delete audit rows by the row trigger, want %d", len(byRow), 2*len(ids))
	}
	if !slices.Equal(byStatement, byRow) {
		t.Fatalf("audit rows of the deletes:\nstatement trigger %v\nrow trigger       %v", byStatement[:min(3, len(byStatement))], byRow[:3])
	}
}
