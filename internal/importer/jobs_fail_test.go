package importer_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
	"chelal/internal/importer"
)

// damagedWorkbook is an .xlsx whose header and first row are sound and whose next row is
// numbered past the last row a sheet can have (1,048,576).
func damagedWorkbook(t *testing.T) []byte {
	t.Helper()
	row := func(r int, v ...string) string {
		var b strings.Builder
		fmt.Fprintf(&b, `<row r="%d">`, r)
		for i, x := range v {
			fmt.Fprintf(&b, `<c r="%c%d" t="inlineStr"><is><t>%s</t></is></c>`, 'A'+i, r, x)
		}
		return b.String() + "</row>"
	}
	files := map[string]string{
		"[Content_Types].xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
			`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>` +
			`<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>` +
			`<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>`,
		"_rels/.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`,
		"xl/workbook.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ` +
			`xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Patients" sheetId="1" r:id="rId1"/></sheets></workbook>`,
		"xl/_rels/workbook.xml.rels": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
			`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`,
		"xl/worksheets/sheet1.xml": `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>` +
			row(1, "First name", "Last name", "Age", "Sex") + row(2, "Amina", "Hassan", "34", "F") + row(1048577, "Baraka", "Omondi", "41", "M") +
			`</sheetData></worksheet>`,
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, text := range files {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A job that fails says why: a file damaged after its header (read only by the job) names the
// line; a failure of the database (not a row's fault) says that nothing was kept. Either way
// nothing of the file is written.
func TestImportJobFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	jobs := importer.NewJobs(ctx, d, nil)
	opts := importer.SheetOptions{Kind: importer.KindPatients, FileName: "damaged.xlsx"}
	if _, err := jobs.Start(ctx, db.Actor{}, bytes.NewReader(damagedWorkbook(t)), opts); err != nil {
		t.Fatalf("the header is sound: %v", err)
	}
	jobs.Wait()
	st, err := jobs.Status(ctx)
	if err != nil || st.State != "failed" || !strings.Contains(st.Error, "cannot be read from line") || st.Result != nil {
		t.Fatalf("damaged workbook: %+v, %v", st, err)
	}

	if _, err := d.Pool.Exec(ctx, `
		CREATE FUNCTION test_out_of_space() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'could not extend file' USING ERRCODE = '53100'; END $$;
		CREATE TRIGGER test_out_of_space BEFORE INSERT ON core_patient FOR EACH STATEMENT EXECUTE FUNCTION test_out_of_space()`); err != nil {
		t.Fatal(err)
	}
	opts.FileName = "register.csv"
	if _, err := jobs.Start(ctx, db.Actor{}, strings.NewReader("First name,Last name,Age,Sex\nAmina,Hassan,34,F\n"), opts); err != nil {
		t.Fatal(err)
	}
	jobs.Wait()
	st, err = jobs.Status(ctx)
	if err != nil || st.State != "failed" || !strings.Contains(st.Error, "nothing of it was kept") {
		t.Fatalf("database failure: %+v, %v", st, err)
	}
	if n := count(t, d, `SELECT count(*) FROM core_importjob WHERE state = 'failed' AND error <> ''`); n != 2 {
		t.Fatalf("failed jobs recorded with their reason: %d, want 2", n)
	}
	if n := count(t, d, `SELECT count(*) FROM core_patient`); n != 0 {
		t.Fatalf("patients written by failed jobs: %d", n)
	}
}
