package importer

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/patients"
	"chelal/internal/settings"
)

// The kinds of spreadsheet an administrator can import.
const (
	KindPatients    = "patients"
	KindMedications = "medications"
	KindServices    = "services"
)

// Field is a Chelal field a spreadsheet column can be mapped to.
type SheetField struct {
	Name     string `json:"name"`
	Required bool   `json:"required"`
	// Date says the field is a date, read by the declared date format.
	Date bool `json:"date,omitempty"`
	// names are the column titles (headerKey form) suggested for the field.
	names []string
}

// Fields returns the fields of a kind of spreadsheet, nil for an unknown kind.
func Fields(kind string) []SheetField {
	switch kind {
	case KindPatients:
		return []SheetField{
			{Name: "unique_id", names: []string{"recordnumber", "mrn", "ndossier", "nodossier", "dossier", "numerodossier", "patientid", "uniqueid", "fileno", "filenumber", "opdno", "numero", "no", "id"}},
			{Name: "first_name", Required: true, names: []string{"firstname", "first", "givenname", "prenom", "jinalakwanza", "othernames"}},
			{Name: "last_name", Required: true, names: []string{"lastname", "surname", "familyname", "nom", "jinalaukoo"}},
			{Name: "date_of_birth", Date: true, names: []string{"dateofbirth", "dob", "birthdate", "born", "datedenaissance", "naissance", "tareheyakuzaliwa"}},
			{Name: "age", names: []string{"age", "ageyears", "umri"}},
			{Name: "gender", names: []string{"gender", "sex", "sexe", "jinsia"}},
			{Name: "contact_info", names: []string{"phone", "phonenumber", "telephone", "tel", "mobile", "contact", "contactinfo", "simu"}},
			{Name: "address", names: []string{"address", "adresse", "anwani", "village", "residence"}},
			{Name: "known_allergies", names: []string{"allergies", "allergy", "knownallergies", "mzio"}},
		}
	case KindMedications:
		return []SheetField{
			{Name: "name", Required: true, names: []string{"name", "medication", "medicine", "drug", "nom", "medicament", "dawa", "item"}},
			{Name: "strength", Required: true, names: []string{"strength", "dosage", "dose", "dosage"}},
			{Name: "form", Required: true, names: []string{"form", "forme", "dosageform"}},
			{Name: "category", names: []string{"category", "categorie", "class", "aina"}},
			{Name: "unit_price", Required: true, names: []string{"unitprice", "price", "sellingprice", "prix", "prixunitaire", "bei"}},
			{Name: "quantity", names: []string{"quantity", "qty", "stock", "quantite", "idadi", "onhand"}},
			{Name: "expiry_date", Date: true, names: []string{"expirydate", "expiry", "exp", "expiration", "dateexpiration", "peremption"}},
			{Name: "batch_number", names: []string{"batchnumber", "batch", "lot", "lotnumber"}},
			{Name: "reorder_level", names: []string{"reorderlevel", "reorder", "minimum", "minstock"}},
		}
	case KindServices:
		return []SheetField{
			{Name: "name", Required: true, names: []string{"name", "service", "nom", "huduma"}},
			{Name: "code", names: []string{"code", "servicecode"}},
			{Name: "price", Required: true, names: []string{"price", "prix", "tarif", "bei", "amount"}},
			{Name: "category", names: []string{"category", "categorie", "aina"}},
		}
	}
	return nil
}

// DateFormats are the date formats a spreadsheet's dates may be declared in: dates are read by
// the declared one, never guessed (15/03/1988 and 03/15/1988 cannot both be right).
var DateFormats = map[string]string{
	"DD/MM/YYYY": "2/1/2006",
	"MM/DD/YYYY": "1/2/2006",
	"YYYY-MM-DD": "2006-1-2",
	"DD.MM.YYYY": "2.1.2006",
	"DD-MM-YYYY": "2-1-2006",
}

// SheetOptions say how to read a spreadsheet.
type SheetOptions struct {
	Kind     string `json:"kind"`
	FileName string `json:"file_name"`
	// Mapping maps a field name to the title of its column; empty: the remembered mapping,
	// else the suggested one.
	Mapping    map[string]string `json:"mapping"`
	DateFormat string            `json:"date_format"`
	DryRun     bool              `json:"dry_run"`
	// PreviewRows is how many of the first rows the report shows with their problems.
	PreviewRows int `json:"preview_rows"`
}

// Validate reports every bad option at once.
func (o SheetOptions) Validate() error {
	var f apperr.Fields
	if Fields(o.Kind) == nil {
		f.Add("kind", apperr.CodeInvalid, "Import patients, medications or services.")
	}
	if strings.TrimSpace(o.FileName) == "" {
		f.Add("file_name", apperr.CodeRequired, "The file has no name.")
	} else if utf8.RuneCountInString(o.FileName) > 255 {
		f.Add("file_name", apperr.CodeTooLong, "The file name is too long.")
	}
	if _, ok := DateFormats[o.DateFormat]; o.DateFormat != "" && !ok {
		f.Add("date_format", apperr.CodeInvalid, "Choose one of DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY.")
	}
	if o.PreviewRows < 0 || o.PreviewRows > 200 {
		f.Add("preview_rows", apperr.CodeOutOfRange, "Preview 0 to 200 rows.")
	}
	for field, col := range o.Mapping {
		if !slices.ContainsFunc(Fields(o.Kind), func(x SheetField) bool { return x.Name == field }) {
			f.Add("mapping."+field, apperr.CodeUnknownField, fmt.Sprintf("%s is not a field of this import.", field))
		} else if len(col) > 200 {
			f.Add("mapping."+field, apperr.CodeTooLong, "The column title is too long.")
		}
	}
	return f.Err()
}

// Problem is what is wrong with one field of one row.
type RowProblem struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// PreviewRow is one of the first rows as Chelal reads it.
type PreviewRow struct {
	Line     int               `json:"line"`
	Values   map[string]string `json:"values"`
	Problems []RowProblem      `json:"problems"`
}

// SheetReport is the outcome of a spreadsheet import or its dry run.
type SheetReport struct {
	Report
	Columns    []string          `json:"columns"`
	Fields     []SheetField      `json:"fields"`
	Mapping    map[string]string `json:"mapping"`
	DateFormat string            `json:"date_format"`
	Preview    []PreviewRow      `json:"preview"`
	// refused rows as read, each with its reason last: the file given back to the user
	header      []string
	refusedRows [][]string
}

// WriteRefused writes the refused rows as a CSV with the file's own columns and a last column
// "reason": the user corrects them and imports that file.
func (r *SheetReport) WriteRefused(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(append(slices.Clone(r.header), "reason")); err != nil {
		return err
	}
	if err := cw.WriteAll(r.refusedRows); err != nil {
		return err
	}
	return cw.Error()
}

// mappingSetting is where the mapping of a kind is remembered for next time.
func mappingSetting(kind string) string { return "import.mapping." + kind }

type remembered struct {
	Mapping    map[string]string `json:"mapping"`
	DateFormat string            `json:"date_format"`
}

// sheetRow is one data row: its line in the file, its cells, and the mapped values.
type sheetRow struct {
	line     int
	cells    []string
	values   map[string]string
	problems []RowProblem
}

func (r *sheetRow) problem(field, format string, a ...any) {
	r.problems = append(r.problems, RowProblem{Field: field, Message: fmt.Sprintf(format, a...)})
}

func (r *sheetRow) reason() string {
	var parts []string
	for _, p := range r.problems {
		parts = append(parts, p.Field+": "+p.Message)
	}
	return strings.Join(parts, "; ")
}

// sheetTables is the table each kind of spreadsheet fills.
var sheetTables = map[string]string{KindPatients: "core_patient", KindMedications: "core_medicationitem", KindServices: "core_servicecatalog"}

// chunk is how many rows are checked against the database and written at a time.
const chunk = 2000

// ImportSheet reads a spreadsheet of kind o.Kind from r and imports its good rows in one
// transaction (none in a dry run). Each refused row is listed with its reasons, and the
// refused rows can be written back as a file (SheetReport.WriteRefused). A real import
// remembers the mapping and date format for the next file of that kind. progress, if not
// nil, is called with the number of rows done after each chunk.
func ImportSheet(ctx context.Context, d *db.DB, actor db.Actor, r io.Reader, o SheetOptions, progress func(int)) (*SheetReport, error) {
	im, err := prepareSheet(ctx, d, r, o)
	if err != nil {
		return nil, err
	}
	defer im.sh.Close()
	if im.previewOnly {
		return im.rep, nil
	}
	return im.run(ctx, actor, progress)
}

// prepareSheet opens a spreadsheet and reads its header: the columns, the mapping (given,
// remembered or suggested) and the date format. A mapping that misses a required column is
// an error, except in a dry run, whose report then shows the columns and says what is missing
// (previewOnly). The caller closes im.sh.
func prepareSheet(ctx context.Context, d *db.DB, r io.Reader, o SheetOptions) (*sheetImport, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	sh, err := openSheet(o.FileName, r)
	if err != nil {
		return nil, err
	}
	im, err := readHeader(ctx, d, sh, o)
	if err != nil {
		_ = sh.Close()
		return nil, err
	}
	return im, nil
}

func readHeader(ctx context.Context, d *db.DB, sh sheet, o SheetOptions) (*sheetImport, error) {
	rep := &SheetReport{Report: Report{Kind: o.Kind, Source: o.FileName, DryRun: o.DryRun, Counts: []TableCount{}, Refused: []RowRefusal{}, Notes: []RowRefusal{}},
		Fields: Fields(o.Kind), Preview: []PreviewRow{}, refusedRows: [][]string{}}
	header, err := sh.Next()
	if errors.Is(err, io.EOF) {
		return nil, apperr.New(apperr.ErrInvalid, "The file is empty.")
	} else if err != nil {
		return nil, sheetError(1, err)
	}
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	rep.Columns, rep.header = header, header

	var mem remembered
	if len(o.Mapping) == 0 {
		mem, err = settings.Get(ctx, d.Pool, mappingSetting(o.Kind), remembered{})
		if err != nil {
			return nil, err
		}
	}
	rep.Mapping = chooseMapping(o, mem, header)
	rep.DateFormat = o.DateFormat
	if rep.DateFormat == "" {
		rep.DateFormat = mem.DateFormat
	}
	col := map[string]int{}
	for field, title := range rep.Mapping {
		col[field] = slices.Index(header, title)
	}
	var missing apperr.Fields
	for _, f := range rep.Fields {
		if f.Required && col[f.Name] < 0 || f.Required && rep.Mapping[f.Name] == "" {
			missing.Add("mapping."+f.Name, apperr.CodeRequired, fmt.Sprintf("Choose the column of %s.", f.Name))
		}
	}
	if o.Kind == KindPatients && rep.Mapping["date_of_birth"] == "" && rep.Mapping["age"] == "" {
		missing.Add("mapping.date_of_birth", apperr.CodeRequired, "Choose the column of the date of birth or of the age.")
	}
	needsDate := slices.ContainsFunc(rep.Fields, func(f SheetField) bool { return f.Date && rep.Mapping[f.Name] != "" })
	if needsDate && rep.DateFormat == "" {
		missing.Add("date_format", apperr.CodeRequired, "Say how the file writes dates (for example DD/MM/YYYY).")
	}
	if err := missing.Err(); err != nil {
		if o.DryRun {
			// A preview still shows the columns, so that the user can map them.
			rep.Notes = append(rep.Notes, RowRefusal{Table: o.Kind, Reason: apperr.MessageOf(err)})
			for _, fe := range apperr.FieldsOf(err) {
				rep.Notes = append(rep.Notes, RowRefusal{Table: o.Kind, Reason: fe.Message})
			}
			return &sheetImport{sh: sh, o: o, rep: rep, previewOnly: true}, nil
		}
		return nil, err
	}
	return &sheetImport{d: d, sh: sh, o: o, rep: rep, col: col, excel: sh.Excel(), layout: DateFormats[rep.DateFormat], seen: map[string]int{}}, nil
}

// run reads the rows after the header and imports the good ones in one transaction (none in
// a dry run).
func (im *sheetImport) run(ctx context.Context, actor db.Actor, progress func(int)) (*SheetReport, error) {
	d, sh, o, rep := im.d, im.sh, im.o, im.rep
	err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		im.tx = tx
		loc, err := settings.Location(ctx, tx)
		if err != nil {
			return err
		}
		im.today = time.Now().In(loc)
		if im.prefix, err = settings.Get(ctx, tx, settings.MRNPrefix, settings.DefaultMRNPrefix); err != nil {
			return err
		}
		var userID *int64
		if actor.UserID != 0 {
			userID = &actor.UserID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO core_importrun (kind, source, created_by) VALUES ($1, $2, $3) RETURNING id`,
			o.Kind, o.FileName, userID).Scan(&im.runID); err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		line := 1
		var batch []*sheetRow
		for {
			cells, err := sh.Next()
			line++
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return sheetError(line, err)
			}
			if blankRow(cells) {
				continue
			}
			batch = append(batch, im.read(line, cells))
			if len(batch) == chunk {
				if err := im.flush(ctx, batch); err != nil {
					return err
				}
				batch = batch[:0]
				if progress != nil {
					progress(rep.count(o.Kind).Read)
				}
			}
		}
		if err := im.flush(ctx, batch); err != nil {
			return err
		}
		if progress != nil {
			progress(rep.count(o.Kind).Read)
		}
		if err := recordRun(ctx, tx, im.runID, &rep.Report, im.rows); err != nil {
			return err
		}
		if o.DryRun {
			return errDryRun
		}
		rep.ImportID = im.runID
		b, err := json.Marshal(remembered{Mapping: rep.Mapping, DateFormat: rep.DateFormat})
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ($1, $2)
			ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, mappingSetting(o.Kind), b)
		return err
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return rep, nil
}

// chooseMapping is the mapping given, else the remembered one when the file has its columns,
// else the one suggested by the column titles.
func chooseMapping(o SheetOptions, mem remembered, header []string) map[string]string {
	if len(o.Mapping) > 0 {
		return o.Mapping
	}
	if len(mem.Mapping) > 0 {
		ok := true
		for _, title := range mem.Mapping {
			ok = ok && slices.Contains(header, title)
		}
		if ok {
			return mem.Mapping
		}
	}
	return SuggestMapping(o.Kind, header)
}

// SuggestMapping maps each field to the first column whose title is one of its known names
// (English, French, Swahili), each column used once.
func SuggestMapping(kind string, header []string) map[string]string {
	out := map[string]string{}
	used := map[int]bool{}
	for _, f := range Fields(kind) {
		for i, title := range header {
			if !used[i] && slices.Contains(f.names, headerKey(title)) {
				out[f.Name] = title
				used[i] = true
				break
			}
		}
	}
	return out
}

// sheetImport is one run of a spreadsheet import.
type sheetImport struct {
	d  *db.DB
	sh sheet
	// previewOnly: a dry run whose mapping misses a column; rep shows the columns only.
	previewOnly bool
	tx          pgx.Tx
	o           SheetOptions
	rep         *SheetReport
	col         map[string]int
	excel       bool
	layout      string
	today       time.Time
	prefix      string
	runID       int64
	rows        []importRow
	seen        map[string]int // a row's identity in the file -> its line: duplicates within the file
	// analyzed is how many rows were written when the statistics were last brought up to date.
	analyzed int
}

// read maps a row's cells to fields and checks each value on its own.
func (im *sheetImport) read(line int, cells []string) *sheetRow {
	r := &sheetRow{line: line, cells: cells, values: map[string]string{}}
	for _, f := range im.rep.Fields {
		v := cell(cells, im.col[f.Name])
		if im.rep.Mapping[f.Name] == "" {
			v = ""
		}
		if f.Date && v != "" {
			if d, ok := im.date(v); ok {
				v = d
			} else {
				r.problem(f.Name, "%q is not a date written %s", v, im.rep.DateFormat)
				v = ""
			}
		}
		if !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
			r.problem(f.Name, "holds characters that are not text (save the file as UTF-8)")
			v = ""
		}
		r.values[f.Name] = v
		if f.Required && v == "" && !slices.ContainsFunc(r.problems, func(p RowProblem) bool { return p.Field == f.Name }) {
			r.problem(f.Name, "empty")
		}
	}
	switch im.o.Kind {
	case KindPatients:
		im.checkPatient(r)
	case KindMedications:
		im.checkMedication(r)
	case KindServices:
		im.checkService(r)
	}
	return r
}

// date reads a date by the declared format; in a workbook a number is the cell's date itself
// (Excel stores dates as day numbers).
func (im *sheetImport) date(v string) (string, bool) {
	if im.excel {
		if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 1 && n < 2958466 && n == math.Trunc(n) {
			t, err := excelize.ExcelDateToTime(n, false)
			if err == nil {
				return t.Format(time.DateOnly), true
			}
		}
	}
	if before, _, ok := strings.Cut(v, " "); ok {
		v = before // "1988-03-15 00:00:00"
	}
	t, err := time.Parse(im.layout, v)
	if err != nil {
		return "", false
	}
	return t.Format(time.DateOnly), true
}

func (im *sheetImport) checkPatient(r *sheetRow) {
	v := r.values
	for _, f := range []struct {
		name string
		max  int
	}{{"first_name", 100}, {"last_name", 100}, {"contact_info", 255}, {"address", 255}, {"known_allergies", 2000}, {"unique_id", 64}} {
		if utf8.RuneCountInString(v[f.name]) > f.max {
			r.problem(f.name, "longer than %d characters", f.max)
		}
	}
	g, ok := Gender(v["gender"])
	if !ok {
		r.problem("gender", "unknown sex value %q (use M, F, male, female, other)", v["gender"])
	}
	v["gender"] = g
	switch {
	case v["date_of_birth"] != "" && v["age"] != "":
		r.problem("age", "give a date of birth or an age, not both")
	case v["date_of_birth"] != "":
		d, _ := time.Parse(time.DateOnly, v["date_of_birth"])
		if d.Year() < 1880 || d.After(im.today) {
			r.problem("date_of_birth", "%s is not a possible date of birth", v["date_of_birth"])
		}
	case v["age"] != "":
		years, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(strings.TrimSuffix(strings.ToLower(v["age"]), "y")), " years"))
		if err != nil || years < 0 || years > 130 {
			r.problem("age", "%q is not an age in years (0-130)", v["age"])
			break
		}
		v["date_of_birth"] = patients.BirthDateFromAge(im.today, years, 0).Format(time.DateOnly)
		v["estimated"] = "true"
	default:
		r.problem("date_of_birth", "no date of birth and no age")
	}
	if len(r.problems) == 0 {
		key := strings.ToLower(patients.AliasKey(v["first_name"]+v["last_name"])) + "|" + v["date_of_birth"]
		if first, dup := im.seen[key]; dup {
			r.problem("last_name", "same name and date of birth as line %d of this file", first)
		} else {
			im.seen[key] = r.line
		}
	}
}

func (im *sheetImport) checkMedication(r *sheetRow) {
	v := r.values
	if p, err := decimal.NewFromString(strings.ReplaceAll(v["unit_price"], ",", ".")); v["unit_price"] != "" && (err != nil || p.IsNegative() || p.GreaterThan(decimal.NewFromInt(9_999_999_999))) {
		r.problem("unit_price", "%q is not a price", v["unit_price"])
	} else if err == nil {
		v["unit_price"] = p.StringFixed(2)
	}
	qty := 0
	if v["quantity"] != "" {
		n, err := strconv.Atoi(v["quantity"])
		if err != nil || n < 0 || n > 10_000_000 {
			r.problem("quantity", "%q is not a quantity", v["quantity"])
		}
		qty = n
	}
	if qty > 0 && v["expiry_date"] == "" && !slices.ContainsFunc(r.problems, func(p RowProblem) bool { return p.Field == "expiry_date" }) {
		r.problem("expiry_date", "stock without an expiry date")
	}
	if v["reorder_level"] != "" {
		if n, err := strconv.Atoi(v["reorder_level"]); err != nil || n < 0 {
			r.problem("reorder_level", "%q is not a quantity", v["reorder_level"])
		}
	}
	for _, f := range []string{"name", "strength", "form", "batch_number"} {
		if utf8.RuneCountInString(v[f]) > 100 && f != "name" || utf8.RuneCountInString(v[f]) > 255 {
			r.problem(f, "too long")
		}
	}
	key := strings.ToLower(v["name"])
	if first, dup := im.seen[key]; dup && v["name"] != "" {
		r.problem("name", "already on line %d of this file", first)
	} else {
		im.seen[key] = r.line
	}
}

func (im *sheetImport) checkService(r *sheetRow) {
	v := r.values
	if p, err := decimal.NewFromString(strings.ReplaceAll(v["price"], ",", ".")); v["price"] != "" && (err != nil || p.IsNegative()) {
		r.problem("price", "%q is not a price", v["price"])
	} else if err == nil {
		v["price"] = p.StringFixed(2)
	}
	if v["code"] == "" {
		v["code"] = strings.ToUpper(patients.AliasKey(v["name"]))
		if len(v["code"]) > 20 {
			v["code"] = v["code"][:20]
		}
	}
	cat := strings.ToLower(v["category"])
	if cat == "" {
		cat = "other"
	}
	if !slices.Contains([]string{"consultation", "procedure", "lab", "pharmacy", "other"}, cat) {
		r.problem("category", "%q is not consultation, procedure, lab, pharmacy or other", v["category"])
	}
	v["category"] = cat
	if first, dup := im.seen[v["code"]]; dup && v["code"] != "" {
		r.problem("code", "already on line %d of this file", first)
	} else {
		im.seen[v["code"]] = r.line
	}
}

// flush checks a chunk of rows against the database (duplicates of what Chelal holds) and
// writes the good ones.
func (im *sheetImport) flush(ctx context.Context, rows []*sheetRow) error {
	if len(rows) == 0 {
		return nil
	}
	if err := im.duplicates(ctx, rows); err != nil {
		return err
	}
	c := im.rep.count(im.o.Kind)
	var good []*sheetRow
	for _, r := range rows {
		c.Read++
		if len(im.rep.Preview) < im.o.PreviewRows {
			im.rep.Preview = append(im.rep.Preview, PreviewRow{Line: r.line, Values: r.values, Problems: append([]RowProblem{}, r.problems...)})
		}
		if len(r.problems) > 0 {
			im.refuseRow(r, r.reason())
			continue
		}
		good = append(good, r)
	}
	if len(good) == 0 {
		return nil
	}
	ids := make([]int64, len(good))
	if im.o.Kind == KindPatients {
		var err error
		if good, ids, err = im.insertPatientRows(ctx, good); err != nil {
			return err
		}
	} else {
		for i, r := range good {
			var err error
			if im.o.Kind == KindMedications {
				ids[i], err = im.insertMedication(ctx, r)
			} else {
				ids[i], err = im.insertService(ctx, r)
			}
			if err != nil {
				return fmt.Errorf("line %d: %w", r.line, err)
			}
		}
	}
	for i, r := range good {
		c.Imported++
		im.rows = append(im.rows, importRow{table: sheetTables[im.o.Kind], oldID: int64(r.line), newID: ids[i]})
	}
	return nil
}

// refuseRow lists a row as refused, and keeps it for the file of refused rows.
func (im *sheetImport) refuseRow(r *sheetRow, reason string) {
	im.rep.refuse(im.o.Kind, int64(r.line), "%s", reason)
	im.rep.refusedRows = append(im.rep.refusedRows, append(slices.Clone(r.cells), reason))
}

// insertPatientRows writes a chunk's checked rows in one statement, in a savepoint. A row the
// database still refuses (a rule the checks above do not know) rolls the chunk back; the chunk
// is then written row by row, each in its own savepoint, so that only that row is refused,
// with the database's reason. It returns the rows written and their ids.
func (im *sheetImport) insertPatientRows(ctx context.Context, rows []*sheetRow) ([]*sheetRow, []int64, error) {
	var ids []int64
	insert := func(rows []*sheetRow) (string, error) {
		return savepoint(ctx, im.tx, func(tx pgx.Tx) error {
			var err error
			ids, err = im.insertPatients(ctx, tx, rows)
			return err
		})
	}
	reason, err := insert(rows)
	if err != nil || reason == "" {
		return rows, ids, err
	}
	var kept []*sheetRow
	var keptIDs []int64
	for _, r := range rows {
		reason, err := insert([]*sheetRow{r})
		if err != nil {
			return nil, nil, fmt.Errorf("line %d: %w", r.line, err)
		}
		if reason != "" {
			im.refuseRow(r, reason)
			continue
		}
		kept, keptIDs = append(kept, r), append(keptIDs, ids[0])
	}
	return kept, keptIDs, nil
}

// duplicates marks the rows that are already in Chelal: a patient with a similar name and the
// same date of birth, or the same phone number (the registration's duplicate rule); a
// medication of the same name adds its stock to it; a service with the same code.
func (im *sheetImport) duplicates(ctx context.Context, rows []*sheetRow) error {
	if im.o.Kind == KindPatients {
		return im.patientDuplicates(ctx, rows)
	}
	b := &pgx.Batch{}
	var asked []*sheetRow
	for _, r := range rows {
		if len(r.problems) > 0 {
			continue
		}
		v := r.values
		switch im.o.Kind {
		case KindMedications:
			b.Queue(`SELECT id::text, name FROM core_medicationitem WHERE lower(name) = lower($1)`, v["name"])
		case KindServices:
			b.Queue(`SELECT code, name FROM core_servicecatalog WHERE code = $1`, v["code"])
		}
		asked = append(asked, r)
	}
	if len(asked) == 0 {
		return nil
	}
	br := im.tx.SendBatch(ctx, b)
	defer br.Close()
	for _, r := range asked {
		var a, name string
		err := br.QueryRow().Scan(&a, &name)
		if errors.Is(err, pgx.ErrNoRows) {
			continue
		}
		if err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
		switch im.o.Kind {
		case KindMedications:
			r.values["existing_id"] = a
		case KindServices:
			r.problem("code", "a service with code %s (%s) is already in Chelal", a, name)
		}
	}
	return br.Close()
}

func digitsOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

func nullIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// patientDuplicates marks the chunk's patients already in Chelal (a similar name with the same
// date of birth, or the same phone number: the registration's rule) in one query per chunk,
// each branch on its own index (date of birth; the phone's digits reversed).
func (im *sheetImport) patientDuplicates(ctx context.Context, rows []*sheetRow) (err error) {
	var idx []int32
	var names, dobs, phones []string
	for i, r := range rows {
		if len(r.problems) > 0 {
			continue
		}
		v := r.values
		idx = append(idx, int32(i))
		names = append(names, strings.ToLower(v["first_name"]+" "+v["last_name"]))
		dobs = append(dobs, v["date_of_birth"])
		phones = append(phones, digitsOnly(v["contact_info"]))
	}
	if len(idx) == 0 {
		return nil
	}
	// The planner's statistics count the import's own rows only when it commits: it would take
	// core_patient for nearly empty (after a dry run's rollback, for empty) and scan it whole
	// for each row of the chunk. ANALYZE in the import's transaction counts them (and is rolled
	// back with it): it runs whenever the rows written doubled. Each branch has its index, and
	// the planner is told to use them.
	if n := im.rep.count(im.o.Kind).Imported; n >= chunk && n >= 2*im.analyzed {
		if _, err := im.tx.Exec(ctx, `ANALYZE core_patient, core_patientsearch`); err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
		im.analyzed = n
	}
	if _, err := im.tx.Exec(ctx, `SET LOCAL enable_seqscan = off; SET LOCAL enable_hashjoin = off; SET LOCAL enable_mergejoin = off`); err != nil {
		return err
	}
	defer func() {
		if err == nil {
			_, err = im.tx.Exec(ctx, `SET LOCAL enable_seqscan = DEFAULT; SET LOCAL enable_hashjoin = DEFAULT; SET LOCAL enable_mergejoin = DEFAULT`)
		}
	}()
	q, err := im.tx.Query(ctx, `
		WITH q AS MATERIALIZED (
		  SELECT i, chelal_unaccent(name) AS name, dob::date AS dob, phone
		    FROM unnest($1::int[], $2::text[], $3::text[], $4::text[]) AS u (i, name, dob, phone)),
		hits AS (
		  SELECT q.i, p.id, p.unique_id, p.first_name || ' ' || p.last_name AS name
		    FROM q JOIN core_patient p ON p.date_of_birth = q.dob
		    JOIN core_patientsearch s ON s.patient_id = p.id
		   WHERE similarity(s.name, q.name) >= 0.45
		  UNION ALL
		  SELECT q.i, p.id, p.unique_id, p.first_name || ' ' || p.last_name
		    FROM q JOIN core_patientsearch s ON reverse(s.phone_digits) = reverse(q.phone)
		    JOIN core_patient p ON p.id = s.patient_id
		   WHERE length(q.phone) >= 7)
		SELECT DISTINCT ON (i) i, unique_id, name FROM hits ORDER BY i, id`, idx, names, dobs, phones)
	if err != nil {
		return fmt.Errorf("check duplicates: %w", err)
	}
	defer q.Close()
	for q.Next() {
		var i int32
		var uid, name string
		if err := q.Scan(&i, &uid, &name); err != nil {
			return fmt.Errorf("check duplicates: %w", err)
		}
		rows[i].problem("duplicate", "likely the same person as %s (%s) already in Chelal", uid, name)
	}
	return q.Err()
}

// insertPatients writes a chunk's good patient rows with one statement: record numbers taken
// from the sequence for the whole chunk, and each row's old number kept as an alias.
func (im *sheetImport) insertPatients(ctx context.Context, tx pgx.Tx, rows []*sheetRow) ([]int64, error) {
	numbers := make([]int64, 0, len(rows))
	nr, err := tx.Query(ctx, `SELECT nextval('core_patient_mrn_seq') FROM generate_series(1, $1)`, len(rows))
	if err != nil {
		return nil, err
	}
	if numbers, err = pgx.AppendRows(numbers, nr, pgx.RowTo[int64]); err != nil {
		return nil, err
	}
	n := len(rows)
	mrn, first, last, dob, gender := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	phone, addr, allergies := make([]*string, n), make([]*string, n), make([]*string, n)
	estimated := make([]bool, n)
	alias, key := make([]string, n), make([]string, n)
	for i, r := range rows {
		v := r.values
		mrn[i] = patients.FormatMRN(im.prefix, numbers[i])
		first[i], last[i], dob[i], gender[i] = v["first_name"], v["last_name"], v["date_of_birth"], v["gender"]
		phone[i], addr[i], allergies[i] = nullIfEmpty(v["contact_info"]), nullIfEmpty(v["address"]), nullIfEmpty(v["known_allergies"])
		estimated[i] = v["estimated"] == "true"
		if k := patients.AliasKey(v["unique_id"]); k != "" && len(v["unique_id"]) <= 64 {
			alias[i], key[i] = v["unique_id"], k
		}
	}
	q, err := tx.Query(ctx, `
		INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, contact_info, address,
		                          known_allergies, birth_date_estimated)
		SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::date[], $5::text[], $6::text[], $7::text[], $8::text[], $9::bool[])
		RETURNING unique_id, id`, mrn, first, last, dob, gender, phone, addr, allergies, estimated)
	if err != nil {
		return nil, err
	}
	byMRN, err := db.CollectMap[string, int64](q)
	if err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	var aliasIDs []int64
	var aliases, keys []string
	for i := range rows {
		ids[i] = byMRN[mrn[i]]
		if key[i] != "" {
			aliasIDs, aliases, keys = append(aliasIDs, ids[i]), append(aliases, alias[i]), append(keys, key[i])
		}
	}
	if len(keys) > 0 {
		// An old number two patients shared is kept for the first only: search must not answer
		// a number with the wrong patient.
		if _, err := tx.Exec(ctx, `
			INSERT INTO core_patientalias (patient_id, alias, alias_key, source)
			SELECT DISTINCT ON (k) id, a, k, 'patients' FROM unnest($1::int[], $2::text[], $3::text[]) AS u (id, a, k) ORDER BY k, id
			ON CONFLICT (alias_key) DO NOTHING`, aliasIDs, aliases, keys); err != nil {
			return nil, err
		}
	}
	return ids, nil
}

func (im *sheetImport) insertMedication(ctx context.Context, r *sheetRow) (int64, error) {
	v := r.values
	var id int64
	if existing := v["existing_id"]; existing != "" {
		id, _ = strconv.ParseInt(existing, 10, 64)
		im.rep.note(im.o.Kind, int64(r.line), "%s is already in Chelal: the stock is added to it as a new batch", v["name"])
	} else {
		cat := v["category"]
		if cat == "" {
			cat = "Imported"
		}
		var catID int64
		if err := im.tx.QueryRow(ctx, `
			INSERT INTO core_medicationcategory (name) VALUES ($1)
			ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`, cat).Scan(&catID); err != nil {
			return 0, err
		}
		reorder := 10
		if v["reorder_level"] != "" {
			reorder, _ = strconv.Atoi(v["reorder_level"])
		}
		if err := im.tx.QueryRow(ctx, `
			INSERT INTO core_medicationitem (name, category_id, strength, form, reorder_level, unit_price)
			VALUES ($1, $2, $3, $4, $5, $6::numeric) RETURNING id`,
			v["name"], catID, v["strength"], v["form"], reorder, v["unit_price"]).Scan(&id); err != nil {
			return 0, err
		}
	}
	qty, _ := strconv.Atoi(v["quantity"])
	if qty > 0 {
		batchNo := v["batch_number"]
		if batchNo == "" {
			batchNo = fmt.Sprintf("OPENING-%d", im.runID)
		}
		var batch int64
		if err := im.tx.QueryRow(ctx, `
			INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost, received_by)
			VALUES ($1, $2, $3::date, $4, 0, nullif(current_setting('chelal.user_id', true), '')::integer) RETURNING id`,
			id, batchNo, v["expiry_date"], qty).Scan(&batch); err != nil {
			return 0, err
		}
		if _, err := im.tx.Exec(ctx, `
			INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after, reason, created_by)
			VALUES ($1, $2, 'receive', $3, 0, 0, $4, nullif(current_setting('chelal.user_id', true), '')::integer)`,
			id, batch, qty, "opening stock from "+im.o.FileName); err != nil {
			return 0, err
		}
		// The batch, for an undo to take its stock out again.
		im.rows = append(im.rows, importRow{table: "core_stockbatch", oldID: int64(r.line), newID: batch})
	}
	return id, nil
}

func (im *sheetImport) insertService(ctx context.Context, r *sheetRow) (int64, error) {
	v := r.values
	var id int64
	err := im.tx.QueryRow(ctx, `
		INSERT INTO core_servicecatalog (name, code, category, price) VALUES ($1, $2, $3, $4::numeric) RETURNING id`,
		v["name"], v["code"], v["category"], v["price"]).Scan(&id)
	return id, err
}

// Run is one import as the list of imports shows it.
type ImportRun struct {
	ID        int64                     `json:"id"`
	Kind      string                    `json:"kind"`
	Source    string                    `json:"source"`
	CreatedBy *int64                    `json:"created_by"`
	Username  *string                   `json:"username"`
	CreatedAt time.Time                 `json:"created_at"`
	Counts    map[string]map[string]int `json:"counts"`
	UndoneAt  *time.Time                `json:"undone_at"`
}

// ListRuns returns the latest imports (at most 100), newest first.
func ListRuns(ctx context.Context, d *db.DB) ([]ImportRun, error) {
	runs, err := db.QueryAll(ctx, d.Pool, func(r pgx.CollectableRow) (ImportRun, error) {
		var x ImportRun
		err := r.Scan(&x.ID, &x.Kind, &x.Source, &x.CreatedBy, &x.Username, &x.CreatedAt, &x.Counts, &x.UndoneAt)
		return x, err
	}, `
		SELECT r.id, r.kind, r.source, r.created_by, u.username, r.created_at, r.counts, r.undone_at
		  FROM core_importrun r LEFT JOIN auth_user u ON u.id = r.created_by
		 ORDER BY r.id DESC LIMIT 100`)
	if err != nil {
		return nil, fmt.Errorf("list imports: %w", err)
	}
	return runs, nil
}
