package pdfdoc

import (
	"bytes"
	"fmt"
	"image/png"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/go-pdf/fpdf"
)

// Barcode draws value as a Code 128 barcode across the writable width, h millimetres tall,
// with the value printed below it (a specimen label's number, read by any scanner).
func (d *Doc) Barcode(value string, h float64) error {
	bc, err := code128.Encode(value)
	if err != nil {
		return fmt.Errorf("barcode %q: %w", value, err)
	}
	// One image pixel per module, scaled by the PDF: the bars stay sharp at any printer's dpi.
	scaled, err := barcode.Scale(bc, bc.Bounds().Dx(), 1)
	if err != nil {
		return fmt.Errorf("barcode %q: %w", value, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, scaled); err != nil {
		return err
	}
	name := "barcode-" + value
	d.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, &buf)
	x, y := d.pdf.GetXY()
	d.pdf.ImageOptions(name, x, y, d.width(), h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	d.pdf.SetY(y + h + 1)
	d.pdf.SetFont(family, "", d.base)
	d.pdf.CellFormat(0, d.base*0.45, d.printable(value), "", 1, "C", false, 0, "")
	d.write(value)
	return d.pdf.Error()
}
