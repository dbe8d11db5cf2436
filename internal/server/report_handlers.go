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
func (s *server) dailyReportCSV(w http.ResponseWriter, r *http.Request) {
	rep, err := s.billing.Daily(r.Context(), r.URL.Query().Get("date"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.WriteCSV(&buf, requestLang(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeDocument(w, "text/csv; charset=utf-8", `attachment; filename="daily-report-`+rep.Date+`.csv"`, buf.Bytes())
}
