// Package icd10data is the bundled ICD-10 list: the WHO structure's 3-character categories and
// 4-character subcategories with their French (CIM-10) titles, from the npm package icd10 1.0.1
// (ISC licence; see README.md, "Coded diagnoses"). gen/ writes icd10.tsv.gz from the package.
// internal/db loads it into core_icd10code when the database is migrated.
package icd10data

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"

	_ "embed"
)

//go:embed icd10.tsv.gz
var file []byte

// Code is one line of the list.
type Code struct {
	Code    string // "A00" or "A00.0"
	Chapter string // "I" .. "XXII"
	Parent  string // the category of a subcategory; "" for a category
	TitleEN string // "" while the bundled list has no English title (see README.md)
	TitleFR string
}

// Sum is the SHA-256 of the bundled file: the loader reloads when it changes.
func Sum() string {
	s := sha256.Sum256(file)
	return hex.EncodeToString(s[:])
}

// Codes reads the bundled list.
func Codes() ([]Code, error) {
	z, err := gzip.NewReader(bytes.NewReader(file))
	if err != nil {
		return nil, fmt.Errorf("icd10data: %w", err)
	}
	defer z.Close()
	var out []Code
	sc := bufio.NewScanner(z)
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("icd10data: line %d has %d fields", len(out)+1, len(f))
		}
		out = append(out, Code{Code: f[0], Chapter: f[1], Parent: f[2], TitleFR: f[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("icd10data: %w", err)
	}
	return out, nil
}
