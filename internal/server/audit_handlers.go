package server

import (
	"net/http"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/settings"
)

func (s *server) listAudit(r *http.Request, _ none) (audit.Page, error) {
	f, err := s.auditFilter(r)
	if err != nil {
		return audit.Page{}, err
	}
	return audit.List(r.Context(), s.db.Pool, f)
}

// auditFilter reads the audit list's and export's query parameters. Dates (YYYY-MM-DD) are days
// in the clinic's time zone: from its first moment, to through its last.
func (s *server) auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	var f audit.Filter
	var fields apperr.Fields
	intParam := func(name string) int64 {
		v, err := queryInt(r, name)
		fields = append(fields, apperr.FieldsOf(err)...)
		return v
	}
	f.ObjectID = intParam("object_id")
	f.UserID = intParam("user_id")
	f.PatientID = intParam("patient_id")
	f.Limit = int(intParam("limit"))
	f.ModelName, f.Action, f.Cursor = q.Get("model_name"), q.Get("action"), q.Get("cursor")
	if len(f.ModelName) > 100 {
		fields.Add("model_name", apperr.CodeTooLong, "model_name is at most 100 characters.")
	}
	if len(f.Action) > 100 {
		fields.Add("action", apperr.CodeTooLong, "action is at most 100 characters.")
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		return f, err
	}
	if f.From, err = parseTimeParamIn(q.Get("from"), false, loc); err != nil {
		fields.Add("from", apperr.CodeInvalid, "from must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	if f.To, err = parseTimeParamIn(q.Get("to"), true, loc); err != nil {
		fields.Add("to", apperr.CodeInvalid, "to must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	return f, fields.Err()
}

// auditCSV streams the audit rows matching the list's filters as a CSV file.
func (s *server) auditCSV(w http.ResponseWriter, r *http.Request) {
	f, err := s.auditFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := &lazyCSV{w: w, name: "audit-" + time.Now().In(loc).Format("2006-01-02") + ".csv"}
	if err := audit.WriteCSV(r.Context(), s.db.Pool, f, loc, requestLang(r), out); err != nil {
		if !out.started {
			s.writeError(w, r, err)
			return
		}
		s.log.Error("audit csv export cut short", "err", err, "request_id", w.Header().Get("X-Request-Id"))
	}
}

// lazyCSV sends the CSV headers with the first bytes, so that a query that fails before any
// row is still answered as a problem.
type lazyCSV struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "private, no-store")
		l.w.WriteHeader(http.StatusOK)
	}
	n, err := l.w.Write(p)
	if f, ok := l.w.(http.Flusher); ok && err == nil {
		f.Flush()
	}
	return n, err
}
