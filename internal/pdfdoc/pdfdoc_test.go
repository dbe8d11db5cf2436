package pdfdoc

import (
	"bytes"
	"fmt"
	"testing"
	"time"
)

func sample(size Size, rows int) ([]byte, error) {
	d := New(size, "Zahanati ya Chelal — Kliniki", "Prescription", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	d.Field("Patient", "Wanjirũ Kamau-Ngugĩ (CHL-000123-7)")
	d.Field("Allergies", "Pénicilline; Ибупрофен")
	var r [][]string
	for i := range rows {
		r = append(r, []string{fmt.Sprintf("Medication %d with a rather long name that must wrap in its column", i), "500 mg", "3×/day", "7 days"})
	}
	d.Table([]Column{{"Medication", 3, ""}, {"Dose", 1, ""}, {"Frequency", 1, ""}, {"Duration", 1, "R"}}, r)
	d.Signature("Dr Amani Were")
	return d.Bytes()
}

func TestDocument(t *testing.T) {
	for _, size := range []Size{A4, Receipt} {
		a, err := sample(size, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Contains(a[len(a)-32:], []byte("%%EOF")) {
			t.Fatalf("%v: not a whole PDF: %q ... %q", size, a[:8], a[len(a)-16:])
		}
		b, _ := sample(size, 3)
		if !bytes.Equal(a, b) {
			t.Errorf("%v: the same content gave different bytes", size)
		}
		c, _ := sample(size, 4)
		if bytes.Equal(a, c) {
			t.Errorf("%v: different content gave the same bytes", size)
		}
	}
	// A table longer than a page continues on the next.
	long, err := sample(A4, 80)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(long, []byte("/Type /Page\n")); n < 2 {
		t.Errorf("80 rows fit on %d page(s); want a page break", n)
	}
}
