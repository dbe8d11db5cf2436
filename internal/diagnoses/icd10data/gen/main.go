// Command gen writes icd10.tsv.gz from the npm package icd10 (ISC licence; the French CIM-10
// titles, 2016 edition): `npm pack icd10@1.0.1 && tar xzf icd10-1.0.1.tgz`, then
// `go run ./internal/diagnoses/icd10data/gen package > internal/diagnoses/icd10data/icd10.tsv.gz`.
// It keeps the WHO structure's 3-character categories and 4-character subcategories (the
// French edition's 5-character extensions and the codes with '+' are dropped). One line a
// code: code, chapter (roman), parent, French title.
package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

var roman = []string{"", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV",
	"XV", "XVI", "XVII", "XVIII", "XIX", "XX", "XXI", "XXII"}

var keep = regexp.MustCompile(`^[A-Z][0-9][0-9A-Z][0-9A-Z]?$`)

func main() {
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	var codes []struct{ Code, Name string }
	var chapters []struct {
		Chapter, BlocLow, BlocHigh string
	}
	if err := readJSON(filepath.Join(dir, "data/2016/all_cim10.json"), &codes); err != nil {
		return err
	}
	var rawCh []map[string]string
	if err := readJSON(filepath.Join(dir, "data/2016/chapters_index.json"), &rawCh); err != nil {
		return err
	}
	for _, c := range rawCh {
		chapters = append(chapters, struct{ Chapter, BlocLow, BlocHigh string }{c["chapter"], c["bloc_low"], c["bloc_high"]})
	}
	chapterOf := func(code string) string {
		cat := code[:3]
		for _, c := range chapters {
			if cat >= c.BlocLow && cat <= c.BlocHigh {
				n, _ := strconv.Atoi(c.Chapter)
				if n > 0 && n < len(roman) {
					return roman[n]
				}
			}
		}
		return ""
	}
	seen := map[string]bool{}
	type row struct{ code, chapter, parent, title string }
	var rows []row
	for _, c := range codes {
		if !keep.MatchString(c.Code) || seen[c.Code] {
			continue
		}
		seen[c.Code] = true
		// The package has six apostrophes decoded as "¿".
		title := strings.ReplaceAll(strings.Join(strings.Fields(c.Name), " "), "¿", "'")
		r := row{code: c.Code, chapter: chapterOf(c.Code), title: title}
		if len(c.Code) == 4 {
			r.code = c.Code[:3] + "." + c.Code[3:]
			r.parent = c.Code[:3]
		}
		rows = append(rows, r)
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].code < rows[j].code })
	w := bufio.NewWriter(os.Stdout)
	z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	for _, r := range rows {
		if r.parent != "" && !seen[r.parent] {
			r.parent = ""
		}
		fmt.Fprintf(z, "%s\t%s\t%s\t%s\n", r.code, r.chapter, r.parent, r.title)
	}
	if err := z.Close(); err != nil {
		return err
	}
	return w.Flush()
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}
