package server

import (
	"encoding/json"
	"net/http"

	"chelal/internal/reports"
)

// reportParams are the period parameters every report route takes.
var reportParams = []param{
	{name: "period", typ: "string", doc: "day, week, month (default), quarter, year or custom"},
	{name: "date", typ: "string", doc: "YYYY-MM-DD: a day inside the period (default today)"},
	{name: "from", typ: "string", doc: "custom: the first day, YYYY-MM-DD"},
	{name: "to", typ: "string", doc: "custom: the last day (included), YYYY-MM-DD"},
}

func periodOf(r *http.Request) reports.PeriodQuery {
	q := r.URL.Query()
	return reports.PeriodQuery{Kind: q.Get("period"), Date: q.Get("date"), From: q.Get("from"), To: q.Get("to")}
}

// report answers the report kind over the request's period, in the reader's language.
func (s *server) report(kind string) jsonHandler {
	return handle(s, func(r *http.Request, _ none) (reports.Report, error) {
		return s.reports.Build(r.Context(), kind, periodOf(r), requestLang(r))
	})
}

// reportFile answers the report kind as a CSV or PDF download.
func (s *server) reportFile(kind, format string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		l := requestLang(r)
		rep, err := s.reports.Build(r.Context(), kind, periodOf(r), l)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		name := kind + "-" + rep.Period.From + "-" + rep.Period.To + "." + format
		var data []byte
		typ := "text/csv; charset=utf-8"
		if format == "csv" {
			data, err = rep.CSV(l)
		} else {
			var clinic string
			if clinic, err = s.reports.ClinicName(r.Context()); err == nil {
				data, err = rep.PDF(clinic, l, s.reports.Now())
			}
			typ = "application/pdf"
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeDocument(w, typ, `attachment; filename="`+name+`"`, data)
	}
}

func (s *server) reportDashboard(r *http.Request, _ none) (reports.Dashboard, error) {
	return s.reports.Dashboard(r.Context(), requestLang(r))
}

func (s *server) getDHIS2Mapping(r *http.Request, _ none) (reports.DHIS2Mapping, error) {
	return s.reports.GetMapping(r.Context())
}

func (s *server) saveDHIS2Mapping(r *http.Request, in reports.DHIS2Mapping) (reports.DHIS2Mapping, error) {
	return s.reports.SaveMapping(r.Context(), actorOf(r), in)
}

// dhis2Export answers the period's dataValueSets document as a file to upload to DHIS2.
func (s *server) dhis2Export(w http.ResponseWriter, r *http.Request) {
	set, err := s.reports.Export(r.Context(), periodOf(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	data, err := json.MarshalIndent(set, "", "  ")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDocument(w, "application/json", `attachment; filename="dhis2-`+set.DataSet+`-`+set.Period+`.json"`, data)
}
