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

// TestDocument: a whole PDF of the page size asked for; a long table breaks onto further pages.
// (The bytes are not compared between runs: the font subset's layout varies.)
func TestDocument(t *testing.T) {
	for _, c := range []struct {
		size Size
		box  string
	}{{A4, "/MediaBox [0 0 595.28 841.89]"}, {Receipt, "/MediaBox [0 0 226.77 566.93]"}} {
		a, err := sample(c.size, 3)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(a, []byte("%PDF-")) || !bytes.Contains(a[len(a)-32:], []byte("%%EOF")) {
			t.Fatalf("%v: not a whole PDF: %q ... %q", c.size, a[:8], a[len(a)-16:])
		}
		if !bytes.Contains(a, []byte(c.box)) {
			t.Errorf("%v: no %s in the document", c.size, c.box)
		}
		if n := bytes.Count(a, []byte("/Type /Page\n")); n != 1 {
			t.Errorf("%v: 3 rows on %d pages, want 1", c.size, n)
		}
	}
	long, err := sample(A4, 80)
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(long, []byte("/Type /Page\n")); n < 2 {
		t.Errorf("80 rows fit on %d page(s); want a page break", n)
	}
}

// hostileText is text in every script the UI accepts, most of which the Go fonts lack, and
// characters outside the Basic Multilingual Plane, which made the PDF writer panic.
var hostileText = []string{
	"Kliniki 🏥 عيادة 诊所", "Amina 💊 أمينة 阿米娜 አማኒ", "𝄞𠜎😀", "ሰባት ቀን", "ثلاث مرات", "tab\there\r\nnext line",
	"Wanjiru\u0303 \u202eevil", "\x01\x7f", "",
}

// TestEveryScriptPrints: no text makes a document fail or panic, on either page size; what
// the font lacks prints as the replacement character.
func TestEveryScriptPrints(t *testing.T) {
	t.Parallel()
	for _, size := range []Size{A4, Receipt} {
		for _, s := range hostileText {
			d := New(size, s, s, time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
			d.Heading(s)
			d.Field(s, s)
			d.Paragraph(s)
			d.Table([]Column{{Title: s, Share: 2}, {Title: "Dose", Share: 1, Align: "R"}}, [][]string{{s, s}, {"x", s}})
			d.Signature(s)
			b, err := d.Bytes()
			if err != nil {
				t.Fatalf("%q: %v", s, err)
			}
			if !bytes.HasPrefix(b, []byte("%PDF-")) {
				t.Fatalf("%q: not a PDF", s)
			}
		}
	}
}

func TestPrintable(t *testing.T) {
	t.Parallel()
	d := New(A4, "Clinic", "Title", time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	for _, c := range []struct{ in, want string }{
		{"Amina Otieno", "Amina Otieno"},
		{"Wanjirũ Ngugĩ — Ωμέγα, Ибупрофен 3×/day 37°C", "Wanjirũ Ngugĩ — Ωμέγα, Ибупрофен 3×/day 37°C"},
		{"Wanjiru\u0303", "Wanjirũ"}, // composed: the font has ũ, not the combining tilde
		{"Amina 💊", "Amina \uFFFD"},
		{"𝄞😀", "\uFFFD\uFFFD"},
		{"阿米娜", "\uFFFD\uFFFD\uFFFD"},
		{"አማ", "\uFFFD\uFFFD"},
		{"أم", "\uFFFD\uFFFD"},
		{"a\tb\r\nc\x01", "a b \nc\uFFFD"},
	} {
		if got := d.printable(c.in); got != c.want {
			t.Errorf("printable(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
