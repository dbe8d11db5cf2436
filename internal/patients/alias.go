package patients

import (
	"strings"
	"unicode"
)

// A patient brought from another system (issue 23: the original Chelal, a spreadsheet) may get
// a new record number; the one printed on their old card stays in core_patientalias, and the
// search finds the patient by it. This file holds that branch of the search only, apart from
// the name search.

// AliasKey is how an old record number is compared: upper case, letters and digits only, so
// "pat-2019/0042", "PAT 2019 0042" and "PAT20190042" are one number. It is "" when s holds no
// letter or digit.
func AliasKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		}
	}
	if b.Len() > 64 {
		return ""
	}
	return b.String()
}

// aliasBranch is the search branch that finds a patient by an old record number typed whole
// (an exact match ranks like a current record number), or "" when q cannot be one (aliasKey).
func aliasBranch(q, visit string, arg func(any) string) string {
	key := aliasKey(q)
	if key == "" {
		return ""
	}
	return `SELECT a.patient_id AS id, 0 AS rank, ` + visit + ` AS visit
		  FROM core_patientalias a JOIN core_patientsearch s ON s.patient_id = a.patient_id WHERE a.alias_key = ` + arg(key)
}

// aliasKey is the key q is searched by as an old record number, or "" when q cannot be one: a
// record number has at least one digit and three characters.
func aliasKey(q string) string {
	key := AliasKey(q)
	if len(key) < 3 || !strings.ContainsFunc(key, unicode.IsDigit) {
		return ""
	}
	return key
}
