package server

import (
	"bytes"
	"fmt"
	"net/http"

	"chelal/internal/apperr"
	"chelal/internal/i18n"
	"chelal/internal/lab"
	"chelal/internal/settings"
)

func (s *server) listLabTests(r *http.Request, _ none) (lab.TestList, error) {
	return s.lab.ListTests(r.Context(), queryOf(r).Bool("all"))
}

func (s *server) createLabTest(r *http.Request, in lab.TestParams) (lab.Test, error) {
	return s.lab.SaveTest(r.Context(), actorOf(r), 0, in)
}

func (s *server) labWorklist(r *http.Request, _ none) (lab.OrderPage, error) {
	limit, cursor := queryOf(r).Page()
	return s.lab.Worklist(r.Context(), limit, cursor)
}

func (s *server) patientLabResults(r *http.Request, _ none) (lab.ResultPage, error) {
	limit, cursor := queryOf(r).Page()
	return s.lab.PatientResults(r.Context(), routeID(r), limit, cursor)
}

func (s *server) patientLabTrend(r *http.Request, _ none) (lab.Trend, error) {
	q := queryOf(r)
	return answer(q, func() (lab.Trend, error) { return s.lab.PatientTrend(r.Context(), routeID(r), q.Int("test_id")) })
}

// labDocument answers an order's label or report as a PDF; ?lang= (en, fr, sw) prints it in
// the patient's language rather than the user's.
func (s *server) labDocument(kind string) http.HandlerFunc {
	return handleDocument(s, func(r *http.Request) (document, error) {
		ctx, id := r.Context(), routeID(r)
		if l := r.URL.Query().Get("lang"); l != "" {
			ctx = i18n.WithLang(ctx, i18n.Parse(l))
		}
		render := s.lab.ReportPDF
		if kind == "label" {
			render = s.lab.LabelPDF
		}
		pdf, err := render(ctx, actorOf(r), id)
		return document{contentPDF, inline(fmt.Sprintf("lab-%s-%d.pdf", kind, id)), pdf}, err
	})
}

// labReportCSV answers one of the lab's reports over from..to (days in the clinic's time zone).
func (s *server) labReportCSV(r *http.Request) (document, error) {
	kind := r.PathValue("kind")
	if kind != lab.ReportWorkload && kind != lab.ReportTurnaround && kind != lab.ReportPositivity {
		return document{}, apperr.ErrNotFound
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		return document{}, err
	}
	var f apperr.Fields
	q := r.URL.Query()
	from, err1 := parseTimeParamIn(q.Get("from"), false, loc)
	to, err2 := parseTimeParamIn(q.Get("to"), true, loc)
	if err1 != nil || from.IsZero() {
		f.Add("from", apperr.CodeInvalid, "A day: YYYY-MM-DD.")
	}
	if err2 != nil || to.IsZero() || !to.After(from) {
		f.Add("to", apperr.CodeInvalid, "A day on or after from: YYYY-MM-DD.")
	}
	if err := f.Err(); err != nil {
		return document{}, err
	}
	var buf bytes.Buffer
	if err := s.lab.WriteReport(r.Context(), &buf, kind, from, to); err != nil {
		return document{}, err
	}
	return document{contentCSV, attachment("lab-" + kind + "-" + q.Get("from") + "-" + q.Get("to") + ".csv"), buf.Bytes()}, nil
}
