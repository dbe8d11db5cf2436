package reports

import (
	"strings"
	"testing"
	"time"

	"chelal/internal/i18n"
)

func TestPeriods(t *testing.T) {
	nairobi, err := time.LoadLocation("Africa/Nairobi")
	if err != nil {
		t.Fatal(err)
	}
	today := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		q              PeriodQuery
		from, to, name string
	}{
		{PeriodQuery{Kind: Day, Date: "2026-11-30"}, "2026-11-30", "2026-11-30", "20261130"},
		{PeriodQuery{Kind: Week, Date: "2026-11-29"}, "2026-11-23", "2026-11-29", "2026W48"}, // a Sunday: its Monday's week
		{PeriodQuery{Kind: Month, Date: "2026-02-10"}, "2026-02-01", "2026-02-28", "202602"},
		{PeriodQuery{}, "2026-12-01", "2026-12-31", "202612"}, // this month by default
		{PeriodQuery{Kind: Quarter, Date: "2026-11-05"}, "2026-10-01", "2026-12-31", "2026Q4"},
		{PeriodQuery{Kind: Year, Date: "2024-06-01"}, "2024-01-01", "2024-12-31", "2024"},
		{PeriodQuery{Kind: Custom, From: "2026-11-03", To: "2026-11-09"}, "2026-11-03", "2026-11-09", ""},
	} {
		p, err := c.q.Resolve(nairobi, today)
		if err != nil {
			t.Fatalf("%+v: %v", c.q, err)
		}
		if p.From != c.from || p.To != c.to || p.DHIS2() != c.name {
			t.Errorf("%+v: %s..%s %q, want %s..%s %q", c.q, p.From, p.To, p.DHIS2(), c.from, c.to, c.name)
		}
		// The period's instants are the clinic's midnights: 21:00 UTC the evening before.
		if got := p.Start.Format(time.RFC3339); got != c.from+"T00:00:00+03:00" || p.Start.UTC().Hour() != 21 || !p.End.Equal(p.Start.AddDate(0, 0, p.Days())) {
			t.Errorf("%+v: starts %s, want the local midnight", c.q, p.Start.UTC())
		}
	}
	for _, bad := range []PeriodQuery{{Kind: "fortnight"}, {Kind: Month, Date: "2026-13-01"},
		{Kind: Custom, From: "2026-11-09", To: "2026-11-03"}, {Kind: Custom, From: "2020-01-01", To: "2026-01-01"}} {
		if _, err := bad.Resolve(nairobi, today); err == nil {
			t.Errorf("%+v: no error", bad)
		}
	}
}

func TestBands(t *testing.T) {
	b := []int{0, 1, 5, 15, 25, 50}
	var labels []string
	for i := range b {
		labels = append(labels, bandLabel(b, i))
	}
	if got := labels; got[0] != "<1" || got[1] != "1-4" || got[2] != "5-14" || got[5] != "50+" {
		t.Errorf("labels %v", got)
	}
	if sum([]ReportRow{{Values: []string{"10.05"}}, {Values: []string{"-0.10"}}, {Values: []string{"3"}}}, 0, true) != "12.95" {
		t.Error("money sum")
	}
}

func TestPDFPrintsTheFigures(t *testing.T) {
	r := Report{Kind: Revenue, Title: "Recettes", Currency: "KES",
		Period:  ReportPeriod{From: "2026-11-01", To: "2026-11-30", TimeZone: "Africa/Nairobi"},
		Figures: []ReportFigure{{Key: "received", Label: "Encaissé", Value: "1100.00", Money: true}, {Key: "payments", Label: "Paiements", Value: "2"}},
		Sections: []ReportSection{{Key: "method", Title: "Par moyen de paiement", Chart: "bar",
			Columns: []ReportColumn{{Key: "amount", Label: "Montant", Money: true}, {Key: "count", Label: "Nombre"}},
			Rows:    []ReportRow{{Key: "cash", Label: "Espèces", Values: []string{"600.00", "1"}}}}, {Key: "empty", Title: "Vide"}}}
	text := r.pdfDoc("Kliniki", i18n.FR, time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)).Text()
	for _, want := range []string{"Kliniki", "Recettes", "du 2026-11-01 au 2026-11-30 (Africa/Nairobi)", "Encaissé", "1\u00a0100,00\u00a0KES", "Espèces", "600,00\u00a0KES", "Rien sur cette période."} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q:\n%s", want, text)
		}
	}
	if _, err := r.PDF("Kliniki", i18n.FR, time.Now()); err != nil {
		t.Fatal(err)
	}
}
