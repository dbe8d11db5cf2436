package importer_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/importer"
	"chelal/internal/patients"
)

// A clinic's register, saved by a French Excel: semicolons, a byte order mark, French titles.
const registerCSV = "\xef\xbb\xbfN° dossier;Prénom;Nom;Date de naissance;Âge;Sexe;Téléphone;Adresse\n" +
	"OPD/2019/001;José;Müller;15/03/1988;;M;0722 111 001;Kibera\n" +
	"OPD/2019/002;Zoë;Ødegård;01/12/1975;;F;;\n" +
	"OPD/2019/003;Baraka;Otieno;;34;male;0722 111 003;\n" +
	"OPD/2019/004;Bad;Date;1988-03-15;;F;;\n" +
	"OPD/2019/005;Odd;Sex;02/02/1990;;X;;\n" +
	"OPD/2019/006;José;Müller;15/03/1988;;M;;\n" +
	";;;;;;;\n" +
	"OPD/2019/007;Wanjiru;Existing;05/05/1985;;F;;\n" +
	"OPD/2019/008;Nobody;Born;;;F;;\n"

func importCSV(t *testing.T, d *db.DB, name, body string, o importer.SheetOptions) (*importer.SheetReport, error) {
	t.Helper()
	o.FileName = name
	return importer.ImportSheet(context.Background(), d, db.Actor{}, strings.NewReader(body), o, nil)
}

func TestImportPatientsCSV(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	svc := patients.NewService(d)
	// Wanjiru Existing is in Chelal already.
	if _, err := svc.Create(ctx, db.Actor{}, patients.RegisterParams{Demographics: patients.Demographics{
		FirstName: "Wanjiru", LastName: "Existing", DateOfBirth: "1985-05-05", Gender: "female"}}); err != nil {
		t.Fatal(err)
	}

	// Without a date format the preview shows the columns and the suggested mapping, and says
	// what is missing; it never guesses the dates.
	prev, err := importCSV(t, d, "register.csv", registerCSV, importer.SheetOptions{Kind: importer.KindPatients, DryRun: true, PreviewRows: 5})
	if err != nil {
		t.Fatal(err)
	}
	if len(prev.Columns) != 8 || prev.Mapping["first_name"] != "Prénom" || prev.Mapping["date_of_birth"] != "Date de naissance" ||
		prev.Mapping["unique_id"] != "N° dossier" || prev.Mapping["gender"] != "Sexe" || prev.Mapping["age"] != "Âge" || prev.Mapping["contact_info"] != "Téléphone" {
		t.Fatalf("columns %q, suggested mapping %v", prev.Columns, prev.Mapping)
	}
	if len(prev.Notes) == 0 || !strings.Contains(prev.Notes[len(prev.Notes)-1].Reason, "dates") {
		t.Fatalf("a preview without a date format should say so: %v", prev.Notes)
	}

	opts := importer.SheetOptions{Kind: importer.KindPatients, DateFormat: "DD/MM/YYYY", DryRun: true, PreviewRows: 3}
	dry, err := importCSV(t, d, "register.csv", registerCSV, opts)
	if err != nil {
		t.Fatal(err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 1 {
		t.Fatalf("the dry run wrote patients (%d)", n)
	}
	if len(dry.Preview) != 3 || dry.Preview[0].Values["date_of_birth"] != "1988-03-15" || dry.Preview[1].Values["first_name"] != "Zoë" {
		t.Fatalf("preview %+v", dry.Preview)
	}
	if dry.Preview[2].Values["date_of_birth"] == "" || dry.Preview[2].Values["estimated"] != "true" {
		t.Fatalf("an age should give an estimated birth date: %+v", dry.Preview[2])
	}

	opts.DryRun = false
	rep, err := importCSV(t, d, "register.csv", registerCSV, opts)
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Counts[0]; got.Read != 8 || got.Imported != 3 || got.Refused != 5 {
		t.Fatalf("counts %+v, want 8 read (the blank line skipped), 3 imported, 5 refused", got)
	}
	for line, want := range map[int64]string{
		5:  `"1988-03-15" is not a date written DD/MM/YYYY`,
		6:  `unknown sex value "X"`,
		7:  "same name and date of birth as line 2",
		9:  "likely the same person as CHL-",
		10: "no date of birth and no age",
	} {
		if got, ok := findRefusal(&rep.Report, importer.KindPatients, line); !ok || !strings.Contains(got, want) {
			t.Errorf("line %d: refusal %q, want %q", line, got, want)
		}
	}
	// The refused rows come back as a file with the reason per row.
	var out bytes.Buffer
	if err := rep.WriteRefused(&out); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&out).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 6 || recs[0][8] != "reason" || recs[1][0] != "OPD/2019/004" || !strings.Contains(recs[1][8], "not a date") {
		t.Fatalf("refused file %q", recs)
	}

	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE first_name = 'Zoë' AND last_name = 'Ødegård' AND date_of_birth = '1975-12-01' AND gender = 'female' AND contact_info IS NULL`); n != 1 {
		t.Error("Zoë Ødegård not imported as written")
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE first_name = 'Baraka' AND birth_date_estimated`); n != 1 {
		t.Error("Baraka's age should give an estimated birth date")
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE version <> 1`); n != 0 {
		t.Error("imported patients should be at version 1")
	}
	res, err := svc.Search(ctx, "OPD/2019/001", 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) == 0 || res.Items[0].FirstName != "José" {
		t.Errorf("the old number OPD/2019/001 finds %v, want José Müller", res.Items)
	}
	if _, ok, err := patients.ParseMRN(res.Items[0].UniqueID, "CHL"); !ok || err != nil {
		t.Errorf("new record number %q has no valid check digit", res.Items[0].UniqueID)
	}
	if n := count(t, d, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_importrun' AND action = 'create'`); n != 1 {
		t.Error("the import is not audited")
	}

	// The mapping is remembered: the next file of patients needs only its data.
	again, err := importCSV(t, d, "more.csv", "N° dossier;Prénom;Nom;Date de naissance;Âge;Sexe;Téléphone;Adresse\n"+
		"OPD/2020/001;Achieng;New;07/08/2001;;F;;\n", importer.SheetOptions{Kind: importer.KindPatients})
	if err != nil {
		t.Fatalf("import with the remembered mapping: %v", err)
	}
	if again.DateFormat != "DD/MM/YYYY" || again.Counts[0].Imported != 1 {
		t.Fatalf("remembered import: %+v", again)
	}

	// An import is undone as a whole while none of its patients changed; after a change it
	// cannot be undone any more.
	if err := importer.Undo(ctx, d, db.Actor{}, again.ImportID); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient WHERE first_name = 'Achieng'`); n != 0 {
		t.Error("undo left the patient")
	}
	if err := importer.Undo(ctx, d, db.Actor{}, again.ImportID); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("second undo: %v, want a conflict", err)
	}
	if _, err := d.Pool.Exec(ctx, `UPDATE core_patient SET address = 'Moved' WHERE first_name = 'Zoë'`); err != nil {
		t.Fatal(err)
	}
	if err := importer.Undo(ctx, d, db.Actor{}, rep.ImportID); !errors.Is(err, apperr.ErrConflict) {
		t.Errorf("undo after a change: %v, want a conflict", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 4 {
		t.Errorf("%d patients after a refused undo, want 4", n)
	}
}

func TestImportSheetRefusesBadInput(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cases := []struct {
		name, file, body string
		o                importer.SheetOptions
		field            string
	}{
		{"unknown kind", "a.csv", "x\n1\n", importer.SheetOptions{Kind: "x-rays"}, "kind"},
		{"unknown date format", "a.csv", "x\n1\n", importer.SheetOptions{Kind: importer.KindPatients, DateFormat: "guess"}, "date_format"},
		{"unknown field", "a.csv", "x\n1\n", importer.SheetOptions{Kind: importer.KindPatients, Mapping: map[string]string{"salary": "x"}}, "mapping.salary"},
		{"required column missing", "a.csv", "Prénom\nJosé\n", importer.SheetOptions{Kind: importer.KindPatients, DateFormat: "YYYY-MM-DD"}, "mapping.last_name"},
	}
	for _, c := range cases {
		_, err := importCSV(t, d, c.file, c.body, c.o)
		fields := apperr.FieldsOf(err)
		found := false
		for _, f := range fields {
			found = found || f.Field == c.field
		}
		if !errors.Is(err, apperr.ErrInvalid) || !found {
			t.Errorf("%s: %v (fields %v), want invalid %s", c.name, err, fields, c.field)
		}
	}
	for _, file := range []string{"old.xls", "notes.pdf"} {
		if _, err := importCSV(t, d, file, "x", importer.SheetOptions{Kind: importer.KindPatients}); !errors.Is(err, apperr.ErrInvalid) {
			t.Errorf("%s: %v, want invalid", file, err)
		}
	}
	if _, err := importCSV(t, d, "fake.xlsx", "not a zip", importer.SheetOptions{Kind: importer.KindPatients}); !errors.Is(err, apperr.ErrInvalid) {
		t.Errorf("a broken workbook: %v, want invalid", err)
	}
}

// A pharmacy's stock list in Excel: dates as real date cells and as text, an opening batch per
// medication, a row without expiry refused, a medication already in Chelal gets a new batch.
func TestImportMedicationsXLSX(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	f := excelize.NewFile()
	rows := [][]any{
		{"Medication", "Strength", "Form", "Category", "Price", "Qty", "Expiry", "Batch"},
		{"Paracétamol", "500 mg", "tablet", "Analgésiques", 2.5, 1000, time.Date(2027, 6, 30, 0, 0, 0, 0, time.UTC), "B-1"},
		{"Amoxicilline", "250 mg", "capsule", "Antibiotiques", "4,75", 200, "31/12/2026", ""},
		{"Coartem", "20/120 mg", "tablet", "", 12, 50, nil, ""},
		{"ORS", "1 sachet", "powder", "", 0.5, 0, nil, ""},
		{"Paracétamol", "500 mg", "tablet", "", 2.5, 10, "01/01/2027", ""},
		{"Broken", "1 mg", "tablet", "", "cheap", 5, "01/01/2027", ""},
	}
	for i, r := range rows {
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := f.SetSheetRow("Sheet1", cellName, &r); err != nil {
			t.Fatal(err)
		}
	}
	style, _ := f.NewStyle(&excelize.Style{NumFmt: 14})
	_ = f.SetCellStyle("Sheet1", "G2", "G2", style)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	rep, err := importer.ImportSheet(ctx, d, db.Actor{}, bytes.NewReader(buf.Bytes()),
		importer.SheetOptions{Kind: importer.KindMedications, FileName: "stock.xlsx", DateFormat: "DD/MM/YYYY"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts[0]; c.Read != 6 || c.Imported != 3 || c.Refused != 3 {
		t.Fatalf("counts %+v (refused %v)", c, rep.Refused)
	}
	for line, want := range map[int64]string{4: "stock without an expiry date", 6: "already on line 2", 7: `"cheap" is not a price`} {
		if got, ok := findRefusal(&rep.Report, importer.KindMedications, line); !ok || !strings.Contains(got, want) {
			t.Errorf("line %d: %q, want %q", line, got, want)
		}
	}
	if n := count(t, d, `
		SELECT count(*) FROM core_medicationitem m JOIN core_stockbatch b ON b.medication_id = m.id
		 WHERE m.name = 'Paracétamol' AND m.stock_quantity = 1000 AND b.expiry_date = '2027-06-30' AND b.batch_number = 'B-1'`); n != 1 {
		t.Error("Paracétamol: want 1000 in batch B-1 expiring 2027-06-30 (a date cell)")
	}
	if n := count(t, d, `SELECT count(*) FROM core_medicationitem WHERE name = 'Amoxicilline' AND unit_price = 4.75 AND stock_quantity = 200 AND expiry_date = '2026-12-31'`); n != 1 {
		t.Error("Amoxicilline: price with a decimal comma, date as text")
	}
	if n := count(t, d, `SELECT count(*) FROM core_medicationitem WHERE name = 'ORS' AND stock_quantity = 0`); n != 1 {
		t.Error("ORS without stock should be in the catalog")
	}

	first := rep
	// A second list with a medication Chelal has: its stock comes in as a new batch.
	f2 := excelize.NewFile()
	for i, r := range [][]any{{"Name", "Strength", "Form", "Price", "Quantity", "Expiry date"}, {"ORS", "1 sachet", "powder", 0.5, 40, "2028-01-31"}} {
		cellName, _ := excelize.CoordinatesToCellName(1, i+1)
		_ = f2.SetSheetRow("Sheet1", cellName, &r)
	}
	buf.Reset()
	_ = f2.Write(&buf)
	rep, err = importer.ImportSheet(ctx, d, db.Actor{}, bytes.NewReader(buf.Bytes()),
		importer.SheetOptions{Kind: importer.KindMedications, FileName: "more.xlsx", DateFormat: "YYYY-MM-DD"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Notes) != 1 || count(t, d, `SELECT count(*) FROM core_medicationitem WHERE name = 'ORS' AND stock_quantity = 40`) != 1 {
		t.Errorf("ORS restocked: notes %v", rep.Notes)
	}

	// Undone while its stock has not moved: the batch goes out again by a ledger movement
	// (the ledger is append-only), and ORS, which was there before, stays in the catalog.
	if err := importer.Undo(ctx, d, db.Actor{}, rep.ImportID); err != nil {
		t.Fatalf("undo of a stock import: %v", err)
	}
	if n := count(t, d, `
		SELECT count(*) FROM core_medicationitem m JOIN core_stockmovement s ON s.medication_id = m.id
		 WHERE m.name = 'ORS' AND m.is_active AND m.stock_quantity = 0 AND s.kind = 'adjust' AND s.quantity_change = -40
		   AND s.reason = 'import undone (import #' || $1::int || ')'`, rep.ImportID); n != 1 {
		t.Error("ORS: the undone batch should go out by an adjustment, ORS staying active")
	}

	// Stock of the first list moved since: its undo is refused, and nothing changes.
	if _, err := d.Pool.Exec(ctx, `
		INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after, reason)
		SELECT medication_id, id, 'adjust', -1, 0, 0, 'broken' FROM core_stockbatch WHERE batch_number = 'B-1'`); err != nil {
		t.Fatal(err)
	}
	err = importer.Undo(ctx, d, db.Actor{}, first.ImportID)
	if !errors.Is(err, apperr.ErrConflict) || !strings.Contains(apperr.MessageOf(err), "stock dispensed or adjusted") {
		t.Errorf("undo of a stock import whose stock moved: %v, want a conflict", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_medicationitem WHERE name = 'Amoxicilline' AND is_active AND stock_quantity = 200`); n != 1 {
		t.Error("a refused undo changed Amoxicilline")
	}
}

func TestImportServicesCSV(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	rep, err := importCSV(t, d, "tarifs.csv", "Service,Code,Prix,Catégorie\nConsultation générale,CONS,500,consultation\nNFS,LAB1,\"1200,50\",lab\nX-ray,LAB1,800,procedure\nMassage,,300,spa\n",
		importer.SheetOptions{Kind: importer.KindServices})
	if err != nil {
		t.Fatal(err)
	}
	if c := rep.Counts[0]; c.Imported != 2 || c.Refused != 2 {
		t.Fatalf("counts %+v: %v", c, rep.Refused)
	}
	if n := count(t, d, `SELECT count(*) FROM core_servicecatalog WHERE code = 'LAB1' AND price = 1200.50 AND category = 'lab'`); n != 1 {
		t.Error("NFS not imported with its price")
	}
	if err := importer.Undo(context.Background(), d, db.Actor{}, rep.ImportID); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_servicecatalog s WHERE NOT EXISTS (SELECT 1 FROM core_labtest t WHERE t.service_id = s.id)`); n != 0 {
		t.Errorf("%d services after undo", n)
	}
}
