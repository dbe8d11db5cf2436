package patients

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"chelal/internal/apperr"
)

// A medical record number (MRN) reads PREFIX-NNNNNN-C: the clinic's prefix (a setting), a
// number of at least six digits, and a check digit by Damm's algorithm, which catches every
// single mistyped digit and every swap of two neighbouring digits. A changed prefix letter is
// caught by the prefix itself (it must be the clinic's).

// dammTable is Damm's totally anti-symmetric quasigroup of order 10.
var dammTable = [10][10]byte{
	{0, 3, 1, 7, 5, 9, 8, 6, 4, 2},
	{7, 0, 9, 2, 1, 5, 4, 8, 6, 3},
	{4, 2, 0, 6, 8, 7, 1, 3, 5, 9},
	{1, 7, 5, 0, 9, 8, 3, 4, 2, 6},
	{6, 1, 2, 3, 0, 4, 5, 9, 7, 8},
	{3, 6, 7, 4, 2, 0, 9, 5, 8, 1},
	{5, 8, 6, 9, 7, 2, 0, 1, 3, 4},
	{8, 9, 4, 5, 3, 6, 2, 0, 1, 7},
	{9, 4, 3, 8, 6, 1, 7, 2, 0, 5},
	{2, 5, 8, 1, 4, 3, 6, 7, 9, 0},
}

// dammDigit returns the check digit of a string of ASCII digits.
func dammDigit(digits string) byte {
	var interim byte
	for i := 0; i < len(digits); i++ {
		interim = dammTable[interim][digits[i]-'0']
	}
	return interim
}

// FormatMRN returns the record number of sequence number n with prefix.
func FormatMRN(prefix string, n int64) string {
	digits := fmt.Sprintf("%06d", n)
	return prefix + "-" + digits + "-" + string('0'+dammDigit(digits))
}

var (
	mrnPattern    = regexp.MustCompile(`^([A-Za-z]{1,10})-?([0-9]{6,12})-?([0-9])$`)
	prefixPattern = regexp.MustCompile(`^[A-Z]{1,10}$`)
)

// ParseMRN reads a record number typed with or without its dashes and in any letter case,
// and returns its canonical form. A well-formed number with a wrong check digit or another
// clinic's prefix is an apperr.ErrInvalid saying so; ok is false when s does not look like a
// record number at all (it may be a name or a phone number).
func ParseMRN(s, prefix string) (canonical string, ok bool, err error) {
	m := mrnPattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return "", false, nil
	}
	invalid := func(msg string) error {
		return apperr.Invalid(apperr.FieldError{Field: "unique_id", Code: apperr.CodeInvalid, Message: msg})
	}
	if !strings.EqualFold(m[1], prefix) {
		return "", true, invalid(fmt.Sprintf("%s is not a record number of this clinic (they begin with %s-).", s, prefix))
	}
	if m[3][0]-'0' != dammDigit(m[2]) {
		return "", true, invalid(fmt.Sprintf("%s has a wrong check digit: one character is mistyped or two are swapped.", s))
	}
	// Leading zeros do not change a Damm check digit, so the canonical form has the same one.
	n, _ := strconv.ParseInt(m[2], 10, 64)
	return FormatMRN(prefix, n), true, nil
}

// validPrefix says whether p can prefix record numbers (1-10 capital letters).
func validPrefix(p string) bool { return prefixPattern.MatchString(p) }
