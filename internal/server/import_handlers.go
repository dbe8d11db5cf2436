package server

import (
	"encoding/json"
	"mime"
	"net/http"
	"slices"
	"strconv"

	"chelal/internal/apperr"
	"chelal/internal/importer"
)

// importTypes are the content types a spreadsheet upload may have.
var importTypes = []string{"text/csv", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "application/octet-stream"}

// importQuery describes the upload's options, passed in the query (the body is the file).
var importQuery = []param{
	{name: "kind", typ: "string", doc: "patients, medications or services", required: true},
	{name: "file_name", typ: "string", doc: "the file's name (its extension says CSV or XLSX)", required: true},
	{name: "date_format", typ: "string", doc: "how the file writes dates: DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD, DD.MM.YYYY, DD-MM-YYYY"},
	{name: "mapping", typ: "string", doc: `the column of each field, a JSON object: {"first_name":"Prénom",...}; empty: remembered, else suggested`},
	{name: "dry_run", typ: "boolean", doc: "true: check and preview only, write nothing"},
}

// importSheet starts the check (dry_run=true) or the import of a CSV or XLSX upload, in one
// transaction, as a job: it answers at once with the job, whose progress getImportJob tells.
func (s *server) importSheet(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); !slices.Contains(importTypes, mt) {
		writeProblem(w, newProblem(r, probUnsupportedMedia, "Send the file as text/csv or as an .xlsx workbook."))
		return
	}
	q := r.URL.Query()
	o := importer.SheetOptions{Kind: q.Get("kind"), FileName: q.Get("file_name"), DateFormat: q.Get("date_format"), PreviewRows: 20}
	var fe apperr.Fields
	if v := q.Get("dry_run"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			fe.Add("dry_run", apperr.CodeInvalidType, "dry_run must be true or false.")
		}
		o.DryRun = b
	}
	if v := q.Get("mapping"); v != "" {
		if len(v) > 10000 || json.Unmarshal([]byte(v), &o.Mapping) != nil {
			fe.Add("mapping", apperr.CodeInvalid, `mapping must be a JSON object of field names to column titles.`)
		}
	}
	if err := fe.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.imports.Start(r.Context(), actorOf(r), r.Body, o)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusAccepted, st)
}

// getImportJob is the progress, then the outcome, of the latest spreadsheet import.
func (s *server) getImportJob(r *http.Request, _ none) (importer.JobStatus, error) {
	return s.imports.Status(r.Context())
}

// importRuns is the list of imports.
type importRuns struct {
	Items []importer.ImportRun `json:"items"`
}

func (s *server) listImports(r *http.Request, _ none) (importRuns, error) {
	runs, err := importer.ListRuns(r.Context(), s.db)
	if err != nil {
		return importRuns{}, err
	}
	if runs == nil {
		runs = []importer.ImportRun{}
	}
	return importRuns{Items: runs}, nil
}

func (s *server) undoImport(r *http.Request, _ none) (none, error) {
	id, err := pathID(r)
	if err != nil {
		return none{}, err
	}
	return none{}, importer.Undo(r.Context(), s.db, actorOf(r), id)
}
