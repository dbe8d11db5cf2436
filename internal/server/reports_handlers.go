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
	return handleDocument(s, func(r *http.Request) (document, error) {
		l := requestLang(r)
		rep, err := s.reports.Build(r.Context(), kind, periodOf(r), l)
		if err != nil {
			return document{}, err
		}
		doc := document{contentType: contentCSV, disposition: attachment(kind + "-" + rep.Period.From + "-" + rep.Period.To + "." + format)}
		if format == "csv" {
			doc.data, err = rep.CSV(l)
		} else {
			var clinic string
			if clinic, err = s.reports.ClinicName(r.Context()); err == nil {
				doc.data, err = rep.PDF(clinic, l, s.reports.Now())
			}
			doc.contentType = contentPDF
		}
		return doc, err
	})
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
func (s *server) dhis2Export(r *http.Request) (document, error) {
	set, err := s.reports.Export(r.Context(), periodOf(r))
	if err != nil {
		return document{}, err
	}
	data, err := json.MarshalIndent(set, "", "  ")
	return document{"application/json", attachment("dhis2-" + set.DataSet + "-" + set.Period + ".json"), data}, err
}
