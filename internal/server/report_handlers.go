package server

import (
	"bytes"
	"net/http"
	"strconv"

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
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="daily-report-`+rep.Date+`.csv"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(buf.Bytes())
}
