package importer_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/importer"
)

// A spreadsheet import started as a job answers at once; its status counts the rows read out
// of the file's rows, then gives the report. A second import while one runs is refused.
func TestImportJob(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	jobs := importer.NewJobs(ctx, d, nil)
	if st, err := jobs.Status(ctx); err != nil || st.State != "idle" {
		t.Fatalf("before any import: %+v, %v", st, err)
	}
	var b strings.Builder
	b.WriteString("First name,Last name,Date of birth,Sex\n")
	for i := 1; i <= 4500; i++ {
		// distinct people: each born on a day of her own
		fmt.Fprintf(&b, "Amina,%s,%s,F\n", spelled(i), time.Date(1930, 1, i, 0, 0, 0, 0, time.UTC).Format("02/01/2006"))
	}
	b.WriteString("Bad,Sex,03/04/1991,Q\n\n")
	opts := importer.SheetOptions{Kind: importer.KindPatients, FileName: "register.csv", DateFormat: "DD/MM/YYYY"}

	// The upload is still arriving: the job holds the one slot already.
	pr, pw := io.Pipe()
	started := make(chan error, 1)
	go func() {
		_, err := jobs.Start(ctx, db.Actor{}, pr, opts)
		started <- err
	}()
	if _, err := pw.Write([]byte(b.String()[:100])); err != nil { // Start is reading the body
		t.Fatal(err)
	}
	_, err := jobs.Start(ctx, db.Actor{}, strings.NewReader(b.String()), opts)
	if apperr.KindOf(err) != apperr.ErrConflict || apperr.CodeOf(err) != "import-running" {
		t.Fatalf("a second import while one runs: %v", err)
	}
	if _, err := pw.Write([]byte(b.String()[100:])); err != nil {
		t.Fatal(err)
	}
	_ = pw.Close()
	if err := <-started; err != nil {
		t.Fatal(err)
	}
	jobs.Wait()
	st, err := jobs.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != "done" || st.RowsTotal != 4501 || st.RowsDone != 4501 || st.Result == nil || st.FinishedAt == nil {
		t.Fatalf("job done: %+v", st)
	}
	if c := st.Result.Counts[0]; c.Imported != 4500 || c.Refused != 1 || st.Result.ImportID == 0 ||
		!strings.Contains(st.Result.RefusedCSV, "Bad,Sex,03/04/1991,Q,") {
		t.Fatalf("report: %+v, refused %v", st.Result.Counts, st.Result.Refused[:min(3, len(st.Result.Refused))])
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 4500 {
		t.Fatalf("patients: %d", n)
	}
	// Written in bulk, still one audit row and one search row per patient, with its values.
	if n := count(t, d, `
		SELECT count(*) FROM core_patient p
		  JOIN core_auditlog a ON a.model_name = 'core_patient' AND a.object_id = p.id AND a.action = 'create'
		   AND a.changes -> 'new' ->> 'last_name' = p.last_name
		  JOIN core_patientsearch s ON s.patient_id = p.id AND s.name = lower('amina ' || p.last_name)`); n != 4500 {
		t.Fatalf("patients with their audit and search rows: %d", n)
	}

	// A bad option or a missing column is told at once, as an error of the upload.
	opts.Mapping = map[string]string{"first_name": "First name"}
	if _, err := jobs.Start(ctx, db.Actor{}, strings.NewReader(b.String()), opts); apperr.KindOf(err) != apperr.ErrInvalid {
		t.Fatalf("a mapping without the last name: %v", err)
	}

	// A job left running by a Chelal that stopped shows as interrupted after the restart.
	if _, err := d.Pool.Exec(ctx, `INSERT INTO core_importjob (kind, file_name, dry_run) VALUES ('patients', 'cut.csv', false)`); err != nil {
		t.Fatal(err)
	}
	st, err = importer.NewJobs(ctx, d, nil).Status(ctx)
	if err != nil || st.State != "interrupted" || st.FileName != "cut.csv" || !strings.Contains(st.Error, "nothing of it was kept") {
		t.Fatalf("after a restart: %+v, %v", st, err)
	}
}

// spelled writes i in letters (1234: "bcde"), a name no other number's resembles.
func spelled(i int) string {
	var b []byte
	for ; i > 0; i /= 10 {
		b = append([]byte{"abcdefghij"[i%10], "klmnopqrst"[(i/10)%10]}, b...)
	}
	return string(b)
}

// A row the checks let through but the database refuses (here a rule the test adds) rolls its
// chunk back; the chunk is then written row by row, so only that row is refused, with the
// database's reason. A NUL character, which no text column takes, is refused by the checks.
func TestImportRowRefusedByTheDatabase(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	if _, err := d.Pool.Exec(ctx, `ALTER TABLE core_patient ADD CONSTRAINT test_no_kamau CHECK (last_name <> 'Kamau')`); err != nil {
		t.Fatal(err)
	}
	rep, err := importCSV(t, d, "rules.csv", "First name,Last name,Date of birth,Sex\nAmina,Hassan,03/04/1990,F\nZoë,Kamau,05/06/1970,F\n"+
		"Baraka,Otieno,07/08/1985,M\nNul,Wa\x00njiru,01/01/1999,F\n",
		importer.SheetOptions{Kind: importer.KindPatients, DateFormat: "DD/MM/YYYY"})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts[0]; c.Imported != 2 || c.Refused != 2 || len(rep.Refused) != 2 {
		t.Fatalf("counts %+v, refused %+v", c, rep.Refused)
	}
	if r, ok := findRefusal(&rep.Report, importer.KindPatients, 3); !ok || !strings.Contains(r, "test_no_kamau") {
		t.Errorf("line 3: %q", r)
	}
	if r, ok := findRefusal(&rep.Report, importer.KindPatients, 5); !ok || !strings.Contains(r, "not text") {
		t.Errorf("line 5: %q", r)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE first_name IN ('Amina', 'Baraka')`); n != 2 {
		t.Fatalf("the good rows: %d written", n)
	}
	if n := count(t, d, `SELECT count(*) FROM core_importrow WHERE import_id = $1`, rep.ImportID); n != 2 {
		t.Fatalf("import rows: %d", n)
	}
}
