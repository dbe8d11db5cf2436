package server

import (
	"bytes"
	"net/http"

	"chelal/internal/billing"
)

func (s *server) dailyReport(r *http.Request, _ none) (billing.DailyReport, error) {
	return s.billing.Daily(r.Context(), r.URL.Query().Get("date"))
}

// dailyReportCSV answers the daily report as a CSV file.
func (s *server) dailyReportCSV(r *http.Request) (document, error) {
	rep, err := s.billing.Daily(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		return document{}, err
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf, requestLang(r)); err != nil {
		return document{}, err
	}
	return document{contentCSV, attachment("daily-report-" + rep.Date + ".csv"), buf.Bytes()}, nil
}
