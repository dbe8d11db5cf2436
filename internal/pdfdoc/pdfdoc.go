// Package pdfdoc writes Chelal's printable documents (prescriptions, receipts) as PDF: a clinic
// header, a title, labelled lines, tables and a signature line. The Go fonts are embedded, so
// every script they cover (Latin with accents, Greek, Cyrillic) prints without any download.
// Text the fonts cannot show (Arabic, Ge'ez, CJK, emoji: anything the UI accepts) prints as
// U+FFFD, one per character, and never stops the document: the PDF writer panics on a
// character outside the Basic Multilingual Plane, so no such character ever reaches it.
package pdfdoc

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

const family = "go"

// Page sizes.
var (
	A4      = Size{210, 297}
	Receipt = Size{80, 200} // an 80 mm thermal roll; the length is what the content needs, at most this
)

// Size is a page size in millimetres.
type Size struct{ W, H float64 }

// Doc is a document being written.
type Doc struct {
	pdf    *fpdf.Fpdf
	margin float64
	base   float64 // body font size in points
	glyphs glyphs  // what the font can show
	// text is every string written, in order, for Text.
	text []string
}

// glyphs answers whether the embedded font has a glyph for a rune. The regular and bold Go
// fonts cover the same characters, so the regular one answers for both.
type glyphs struct {
	font *sfnt.Font
	buf  sfnt.Buffer
	has  map[rune]bool
}

func newGlyphs() glyphs {
	f, err := sfnt.Parse(goregular.TTF)
	if err != nil { // the embedded font always parses; without it, only ASCII is trusted
		f = nil
	}
	return glyphs{font: f, has: map[rune]bool{}}
}

// Replacement is what a character the font cannot show prints as.
const Replacement = '\uFFFD'

// printable returns text as the document prints it: composed (NFC, so "u" and a combining
// tilde become "ũ", which the font has), tabs as spaces, line breaks kept, and every other
// character the font lacks (controls included) as Replacement.
func (d *Doc) printable(text string) string {
	return d.glyphs.printable(text)
}

func (g *glyphs) printable(text string) string {
	ok := true
	for _, r := range text {
		if r >= 0x80 || r < 0x20 || r == 0x7f {
			ok = false
			break
		}
	}
	if ok { // printable ASCII: the font has it all
		return text
	}
	text = norm.NFC.String(text)
	out := make([]rune, 0, len(text))
	for _, r := range text {
		switch {
		case r == '\n':
		case r == '\t' || r == '\r':
			r = ' '
		case !g.covers(r):
			r = Replacement
		}
		out = append(out, r)
	}
	return string(out)
}

func (g *glyphs) covers(r rune) bool {
	switch {
	case r < 0x20 || r == 0x7f || r > 0xFFFF: // controls; beyond the BMP, which the writer cannot encode
		return false
	case g.font == nil:
		return r < 0x7f
	}
	if has, seen := g.has[r]; seen {
		return has
	}
	i, err := g.font.GlyphIndex(&g.buf, r)
	has := err == nil && i != 0
	g.has[r] = has
	return has
}

// write records strings written to the page (see Text).
func (d *Doc) write(s ...string) { d.text = append(d.text, s...) }

// Text is every string the document prints, one a line, in order: the PDF's content streams
// hold glyph ids, not text, so tests read what was written here (a French prescription has no
// English label, a receipt shows its total).
func (d *Doc) Text() string { return strings.Join(d.text, "\n") }

// New starts a document of one page size with the clinic's header and a title. created is the
// document's date (printed in its metadata), so the same data gives the same bytes.
func New(size Size, clinic, title string, created time.Time) *Doc {
	margin, base := 15.0, 10.5
	if size.W < 100 {
		margin, base = 4, 8.5
	}
	p := fpdf.NewCustom(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", Size: fpdf.SizeType{Wd: size.W, Ht: size.H}})
	p.AddUTF8FontFromBytes(family, "", goregular.TTF)
	p.AddUTF8FontFromBytes(family, "B", gobold.TTF)
	p.SetMargins(margin, margin, margin)
	p.SetAutoPageBreak(true, margin)
	p.SetCreationDate(created)
	p.SetModificationDate(created)
	d := &Doc{pdf: p, margin: margin, base: base, glyphs: newGlyphs()}
	clinic, title = d.printable(clinic), d.printable(title)
	p.SetTitle(title, true)
	p.SetCreator("Chelal", true)
	p.AliasNbPages("")
	d.write(clinic, title)
	p.SetFooterFunc(func() {
		if p.PageCount() < 2 && size.W < 100 {
			return
		}
		p.SetY(-margin + 3)
		p.SetFont(family, "", base-2)
		p.CellFormat(0, 4, fmt.Sprintf("%s · %d/{nb}", title, p.PageNo()), "", 0, "C", false, 0, "")
	})
	p.AddPage()
	p.SetFont(family, "B", base+5)
	p.MultiCell(0, (base+5)*0.5, clinic, "", "C", false)
	p.SetFont(family, "", base+1)
	p.MultiCell(0, (base+1)*0.5, title, "", "C", false)
	d.Rule()
	return d
}

// width is the writable width.
func (d *Doc) width() float64 {
	w, _ := d.pdf.GetPageSize()
	return w - 2*d.margin
}

// Rule draws a horizontal line across the page.
func (d *Doc) Rule() {
	y := d.pdf.GetY() + 1.5
	d.pdf.Line(d.margin, y, d.margin+d.width(), y)
	d.pdf.SetY(y + 2)
}

// Space adds vertical space, in millimetres.
func (d *Doc) Space(mm float64) { d.pdf.Ln(mm) }

// Heading writes a bold line.
func (d *Doc) Heading(text string) {
	text = d.printable(text)
	d.write(text)
	d.pdf.SetFont(family, "B", d.base+1)
	d.pdf.MultiCell(0, (d.base+1)*0.5, text, "", "L", false)
}

// Field writes "label: value" with the label in bold; long values wrap.
func (d *Doc) Field(label, value string) {
	label, value = d.printable(label), d.printable(value)
	d.write(label+":", value)
	d.pdf.SetFont(family, "B", d.base)
	lw := d.pdf.GetStringWidth(label+": ") + 1
	d.pdf.CellFormat(lw, d.base*0.5, label+":", "", 0, "L", false, 0, "")
	d.pdf.SetFont(family, "", d.base)
	d.pdf.MultiCell(0, d.base*0.5, value, "", "L", false)
}

// Paragraph writes wrapped text.
func (d *Doc) Paragraph(text string) {
	text = d.printable(text)
	d.write(text)
	d.pdf.SetFont(family, "", d.base)
	d.pdf.MultiCell(0, d.base*0.5, text, "", "L", false)
}

// Column is a table column: its title, its share of the width, and its alignment ("L", "R").
type Column struct {
	Title string
	Share float64
	Align string
}

// Table writes a table whose cells wrap; each row is as tall as its tallest cell.
func (d *Doc) Table(cols []Column, rows [][]string) {
	for _, c := range cols {
		d.write(c.Title)
	}
	for _, r := range rows {
		d.write(r...)
	}
	// Column widths in millimetres, from each column's share of the page (layout, not money).
	var shares float64
	for _, c := range cols {
		shares += c.Share
	}
	widths := make([]float64, len(cols))
	for i, c := range cols {
		widths[i] = d.width() * c.Share / shares
	}
	line := d.base * 0.5
	row := func(cells []string, style string) {
		cells = slices.Clone(cells)
		for i := range cells {
			cells[i] = d.printable(cells[i])
		}
		d.pdf.SetFont(family, style, d.base)
		height := line
		for i, c := range cells {
			if n := len(d.pdf.SplitText(c, widths[i]-1)); float64(n)*line > height {
				height = float64(n) * line
			}
		}
		_, pageH := d.pdf.GetPageSize()
		if d.pdf.GetY()+height > pageH-d.margin {
			d.pdf.AddPage()
		}
		x, y := d.pdf.GetXY()
		for i, c := range cells {
			align := cols[i].Align
			if align == "" {
				align = "L"
			}
			d.pdf.SetXY(x, y)
			d.pdf.MultiCell(widths[i], line, c, "", align, false)
			x += widths[i]
		}
		d.pdf.SetXY(d.margin, y+height)
	}
	titles := make([]string, len(cols))
	for i, c := range cols {
		titles[i] = c.Title
	}
	row(titles, "B")
	d.Rule()
	for _, r := range rows {
		row(r, "")
		d.pdf.Ln(0.8)
	}
}

// Signature writes a line to sign on, with its caption below.
func (d *Doc) Signature(caption string) {
	caption = d.printable(caption)
	d.write(caption)
	d.Space(12)
	y := d.pdf.GetY()
	w := d.width() * 0.5
	d.pdf.Line(d.margin+d.width()-w, y, d.margin+d.width(), y)
	d.pdf.SetXY(d.margin+d.width()-w, y+1)
	d.pdf.SetFont(family, "", d.base-1)
	d.pdf.CellFormat(w, d.base*0.5, caption, "", 1, "C", false, 0, "")
}

// Bytes finishes the document.
func (d *Doc) Bytes() ([]byte, error) {
	var b bytes.Buffer
	if err := d.pdf.Output(&b); err != nil {
		return nil, fmt.Errorf("pdf: %w", err)
	}
	return b.Bytes(), nil
}
