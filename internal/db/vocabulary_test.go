package db_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

func TestPageLimitAndCursors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		limit   int
		want    int
		invalid bool
	}{{0, db.DefaultPageLimit, false}, {1, 1, false}, {db.MaxPageLimit, db.MaxPageLimit, false}, {-1, 0, true}, {db.MaxPageLimit + 1, 0, true}} {
		n, err := db.PageLimit(tc.limit)
		if tc.invalid != errors.Is(err, apperr.ErrInvalid) || (!tc.invalid && n != tc.want) {
			t.Errorf("PageLimit(%d) = %d, %v; want %d (invalid %v)", tc.limit, n, err, tc.want, tc.invalid)
		}
	}
	if id, err := db.DecodeCursor(db.EncodeCursor(42)); err != nil || id != 42 {
		t.Errorf("id cursor round trip: %d, %v", id, err)
	}
	if k, err := db.DecodeKeyCursor(db.EncodeKeyCursor("Amoxicillin 500 mg")); err != nil || k != "Amoxicillin 500 mg" {
		t.Errorf("key cursor round trip: %q, %v", k, err)
	}
	for _, bad := range []string{"!!", db.EncodeCursor(0), db.EncodeKeyCursor(fmt.Sprint(int64(db.MaxID) + 1)), db.EncodeKeyCursor("abc")} {
		if _, err := db.DecodeCursor(bad); !errors.Is(err, apperr.ErrInvalid) || apperr.FieldsOf(err)[0].Field != "cursor" {
			t.Errorf("DecodeCursor(%q) = %v, want a cursor field error", bad, err)
		}
	}
	for _, bad := range []string{"!!", db.EncodeKeyCursor("a\x00b"), db.EncodeKeyCursor("\xff")} {
		if _, err := db.DecodeKeyCursor(bad); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("DecodeKeyCursor(%q) = %v, want invalid", bad, err)
		}
	}
	var f apperr.Fields
	db.CheckPageLimit(&f, 999)
	db.CheckCursor(&f, "!!")
	db.CheckKeyCursor(&f, "")
	if len(f) != 2 || f[0].Field != "limit" || f[1].Field != "cursor" {
		t.Errorf("gathered fields %+v, want limit and cursor", f)
	}
}

func TestNewPage(t *testing.T) {
	t.Parallel()
	key := func(n int) string { return db.EncodeCursor(int64(n)) }
	if p := db.NewPage([]int(nil), 2, key); p.Items == nil || len(p.Items) != 0 || p.NextCursor != nil {
		t.Errorf("no rows: %+v, want an empty list and no cursor", p)
	}
	if p := db.NewPage([]int{1, 2}, 2, key); len(p.Items) != 2 || p.NextCursor != nil {
		t.Errorf("a full last page: %+v, want no cursor", p)
	}
	p := db.NewPage([]int{1, 2, 3}, 2, key)
	if len(p.Items) != 2 || p.NextCursor == nil || *p.NextCursor != key(2) {
		t.Errorf("one row more than the page: %+v, want 2 items and the cursor of the 2nd", p)
	}
}

func TestIsUniqueAndFriends(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE vocab_parent (id int PRIMARY KEY);
		CREATE TABLE vocab_child (id int CONSTRAINT vocab_child_key UNIQUE, parent int CONSTRAINT vocab_child_parent_fk REFERENCES vocab_parent,
		                          n int CONSTRAINT vocab_child_n_check CHECK (n >= 0));
		INSERT INTO vocab_parent VALUES (1); INSERT INTO vocab_child VALUES (1, 1, 0)`); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) error { _, err := d.Pool.Exec(ctx, sql); return err }
	unique := exec(`INSERT INTO vocab_child VALUES (1, 1, 0)`)
	fk := exec(`INSERT INTO vocab_child VALUES (2, 9, 0)`)
	check := exec(`INSERT INTO vocab_child VALUES (3, 1, -1)`)
	wrapped := fmt.Errorf("save: %w", unique)
	for _, tc := range []struct {
		name string
		got  bool
		want bool
	}{
		{"unique", db.IsUnique(unique), true},
		{"unique, named", db.IsUnique(wrapped, "other", "vocab_child_key"), true},
		{"unique, another constraint", db.IsUnique(unique, "other"), false},
		{"a foreign key is no unique violation", db.IsUnique(fk), false},
		{"foreign key", db.IsForeignKey(fk, "vocab_child_parent_fk"), true},
		{"check", db.IsCheck(check, "vocab_child_n_check"), true},
		{"check, any", db.IsCheck(check), true},
		{"not a database error", db.IsUnique(errors.New("x")) || db.IsSerialization(nil), false},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	if c := db.Constraint(fk); c != "vocab_child_parent_fk" {
		t.Errorf("Constraint = %q", c)
	}

	// Two transactions updating the same row at REPEATABLE READ: the second fails to serialize.
	t1, err := d.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead})
	if err != nil {
		t.Fatal(err)
	}
	defer t1.Rollback(ctx)
	if _, err := t1.Exec(ctx, `SELECT * FROM vocab_parent`); err != nil {
		t.Fatal(err)
	}
	if err := exec(`UPDATE vocab_parent SET id = 1`); err != nil {
		t.Fatal(err)
	}
	_, err = t1.Exec(ctx, `UPDATE vocab_parent SET id = 1`)
	if !db.IsSerialization(err) {
		t.Errorf("a lost update: %v, want a serialization failure", err)
	}
}

func TestSnapshotSeesOneMomentAndWritesNothing(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE vocab_snap (n int); INSERT INTO vocab_snap VALUES (1)`); err != nil {
		t.Fatal(err)
	}
	err := db.Snapshot(ctx, d.Pool, func(tx pgx.Tx) error {
		count := func() (n int) {
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM vocab_snap`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			return n
		}
		before := count()
		if _, err := d.Pool.Exec(ctx, `INSERT INTO vocab_snap VALUES (2)`); err != nil {
			return err
		}
		if after := count(); after != before {
			t.Errorf("the snapshot saw a commit made after its first query: %d then %d rows", before, after)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO vocab_snap VALUES (3)`); err == nil || !strings.Contains(err.Error(), "read-only") {
			t.Errorf("a write in the snapshot: %v, want refused (read-only)", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// record is a table's row as a domain declares it: an embedded form's fields and its own.
type recordForm struct {
	Name string `db:"name"`
	Note string `db:"note,nullempty"`
	Born string `db:"born,text"`
}

type record struct {
	ID int64 `db:"id"`
	recordForm
	Flag    bool      `db:"flag"`
	At      time.Time `db:"at"`
	Ignored string    `db:"-"`
}

func TestColumnsAssignmentsAndRowTo(t *testing.T) {
	t.Parallel()
	if got, want := db.Columns[record]("r"), "r.id, r.name, coalesce(r.note, '') AS note, r.born::text AS born, r.flag, r.at"; got != want {
		t.Errorf("Columns = %q, want %q", got, want)
	}
	w := db.Assignments(2, recordForm{Name: "a", Note: "", Born: "2020-02-29"}).With("flag", true)
	if got, want := w.Names(), "name, note, born, flag"; got != want {
		t.Errorf("Names = %q, want %q", got, want)
	}
	if got, want := w.Values(), "$2, nullif($3, ''), $4, $5"; got != want {
		t.Errorf("Values = %q, want %q", got, want)
	}
	if got, want := w.Set(), "name = $2, note = nullif($3, ''), born = $4, flag = $5"; got != want {
		t.Errorf("Set = %q, want %q", got, want)
	}

	d := dbtest.New(t)
	ctx := context.Background()
	if _, err := d.Pool.Exec(ctx, `CREATE TABLE vocab_record (id int, name text NOT NULL, note text, born date, flag bool, at timestamptz DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	ins := db.Assignments(1, recordForm{Name: "Amina", Born: "2020-02-29"}).With("flag", true).With("id", 7)
	rows, err := d.Pool.Query(ctx, `INSERT INTO vocab_record AS r (`+ins.Names()+`) VALUES (`+ins.Values()+`) RETURNING `+db.Columns[record]("r"), ins.Args()...)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectExactlyOneRow(rows, db.RowTo[record])
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 7 || got.Name != "Amina" || got.Note != "" || got.Born != "2020-02-29" || !got.Flag || got.At.Location() != time.UTC {
		t.Errorf("read back %+v (at in %v), want the row written, its time in UTC", got, got.At.Location())
	}
	var isNull bool
	if err := d.Pool.QueryRow(ctx, `SELECT note IS NULL FROM vocab_record`).Scan(&isNull); err != nil || !isNull {
		t.Errorf("an empty nullempty field is stored as NULL: %v, %v", isNull, err)
	}
}

func TestWhereNumbersThePlaceholders(t *testing.T) {
	t.Parallel()
	var none db.Where
	if none.SQL() != "" || len(none.Args()) != 0 {
		t.Errorf("no condition: %q %v", none.SQL(), none.Args())
	}
	var w db.Where
	w.Add("a.status = $?", "open")
	w.Cond("a.x IS NOT NULL")
	w.Cond("a.id IN (SELECT 1 WHERE " + w.Arg(7) + " > 0 OR false)")
	w.Add("a.n BETWEEN $? AND $?", 3) // both stand for the same argument
	limit := w.Arg(50)
	want := " WHERE (a.status = $1) AND (a.x IS NOT NULL) AND (a.id IN (SELECT 1 WHERE $2 > 0 OR false)) AND (a.n BETWEEN $3 AND $3)"
	if got := w.SQL(); got != want || limit != "$4" {
		t.Errorf("SQL = %q, limit %s; want %q, $4", got, limit, want)
	}
	if got := fmt.Sprint(w.Args()); got != "[open 7 3 50]" {
		t.Errorf("Args = %s", got)
	}
	var f db.Where
	var none64 *int64
	f.Filter("a.doctor_id = $?", int64(0))
	f.Filter("a.status = $?", "")
	f.Filter("a.patient_id = $?", none64)
	f.Filter("a.id < $?", int64(9))
	f.Filter("a.status = $?", "open")
	if got, args := f.SQL(), fmt.Sprint(f.Args()); got != " WHERE (a.id < $1) AND (a.status = $2)" || args != "[9 open]" {
		t.Errorf("Filter: SQL = %q, args %s; want the two filters given only", got, args)
	}
}

// CollectMap reads pairs into a map (the last row of a key wins) and refuses a value that does
// not scan.
func TestCollectMap(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	ctx := context.Background()
	err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT * FROM (VALUES ('a', 1), ('b', 2), ('a', 3)) v (k, n) ORDER BY n`)
		if err != nil {
			return err
		}
		got, err := db.CollectMap[string, int64](rows)
		if err != nil || len(got) != 2 || got["a"] != 3 || got["b"] != 2 {
			t.Errorf("CollectMap = %v, %v; want a:3 (the last row of a key) and b:2", got, err)
		}
		if got, err := db.CollectMap[int64, string](mustQuery(t, ctx, tx, `SELECT 1, 'x' WHERE false`)); err != nil || got == nil || len(got) != 0 {
			t.Errorf("no rows: %v, %v; want an empty map", got, err)
		}
		// The second column is text: it does not scan into an int64.
		if _, err := db.CollectMap[string, int64](mustQuery(t, ctx, tx, `SELECT 'a', 'not a number'`)); err == nil {
			t.Error("a value that does not scan was accepted")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func mustQuery(t *testing.T, ctx context.Context, tx pgx.Tx, sql string) pgx.Rows {
	t.Helper()
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}
