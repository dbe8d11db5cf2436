package importer

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"chelal/internal/apperr"
)

// sheet reads a spreadsheet row by row (streamed: a 100,000-row file is never held whole).
type sheet interface {
	// Next returns the next row's cells, io.EOF after the last row.
	Next() ([]string, error)
	// Excel says whether numbers in date columns are Excel serial dates.
	Excel() bool
	Close() error
}

// MaxSheetBytes bounds an uploaded spreadsheet.
const MaxSheetBytes = 64 << 20

// openSheet opens a CSV (comma, semicolon or tab separated, UTF-8 with or without a BOM) or
// an XLSX (its first sheet) by the file name's extension.
func openSheet(name string, r io.Reader) (sheet, error) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".csv", ".txt", ".tsv":
		return openCSV(r)
	case ".xlsx", ".xlsm":
		return openXLSX(r)
	case ".xls":
		return nil, apperr.New(apperr.ErrInvalid, "Old .xls files cannot be read: save the sheet as .xlsx or .csv.")
	}
	return nil, apperr.New(apperr.ErrInvalid, "Give a .csv or .xlsx file.")
}

type csvSheet struct{ r *csv.Reader }

func openCSV(r io.Reader) (sheet, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\xef\xbb\xbf")) {
		_, _ = br.Discard(3)
	}
	head, _ := br.Peek(4096)
	line, _, _ := bytes.Cut(head, []byte("\n"))
	sep := ','
	// A spreadsheet saved where the decimal mark is a comma separates with semicolons.
	if c, s, t := bytes.Count(line, []byte(",")), bytes.Count(line, []byte(";")), bytes.Count(line, []byte("\t")); s > c && s >= t {
		sep = ';'
	} else if t > c && t > s {
		sep = '\t'
	}
	cr := csv.NewReader(br)
	cr.Comma = sep
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	return &csvSheet{r: cr}, nil
}

func (s *csvSheet) Next() ([]string, error) {
	rec, err := s.r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, apperr.Errorf(apperr.ErrInvalid, "The CSV file is malformed at line %d: %v", pe.Line, pe.Err)
		}
		return nil, err
	}
	return rec, nil
}

func (s *csvSheet) Excel() bool  { return false }
func (s *csvSheet) Close() error { return nil }

type xlsxSheet struct {
	f    *excelize.File
	rows *excelize.Rows
}

func openXLSX(r io.Reader) (sheet, error) {
	// Raw values: a date cell gives its serial number, not a text in the author's locale.
	f, err := excelize.OpenReader(io.LimitReader(r, MaxSheetBytes), excelize.Options{RawCellValue: true})
	if err != nil {
		return nil, apperr.New(apperr.ErrInvalid, "The file is not a readable .xlsx workbook.")
	}
	names := f.GetSheetList()
	if len(names) == 0 {
		_ = f.Close()
		return nil, apperr.New(apperr.ErrInvalid, "The workbook has no sheet.")
	}
	rows, err := f.Rows(names[0])
	if err != nil {
		_ = f.Close()
		return nil, apperr.New(apperr.ErrInvalid, "The workbook's first sheet cannot be read.")
	}
	return &xlsxSheet{f: f, rows: rows}, nil
}

func (s *xlsxSheet) Next() ([]string, error) {
	if !s.rows.Next() {
		if err := s.rows.Error(); err != nil {
			return nil, err
		}
		return nil, io.EOF
	}
	return s.rows.Columns(excelize.Options{RawCellValue: true})
}

func (s *xlsxSheet) Excel() bool { return true }
func (s *xlsxSheet) Close() error {
	_ = s.rows.Close()
	return s.f.Close()
}

// headerKey is how a column title is compared with the known names of a field: lower case,
// without accents, letters and digits only ("Date de naissance" -> "datedenaissance").
func headerKey(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if unicode.IsLetter(r) && r < unicode.MaxASCII || unicode.IsDigit(r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// blankRow says whether every cell of a row is empty (spreadsheets end with some).
func blankRow(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func cell(cells []string, i int) string {
	if i < 0 || i >= len(cells) {
		return ""
	}
	return strings.TrimSpace(cells[i])
}

// sheetError is a malformed file, as the user should read it: a file that cannot be read on
// (a damaged workbook) is the file's fault, and the message says where.
func sheetError(line int, err error) error {
	if apperr.KindOf(err) == apperr.ErrInvalid {
		return err
	}
	return apperr.Errorf(apperr.ErrInvalid, "The file cannot be read from line %d on: %v.", line, err)
}
