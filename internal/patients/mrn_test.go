package patients

import (
	"strings"
	"testing"

	"chelal/internal/apperr"
)

func TestMRNCheckDigitCatchesTyposAndSwaps(t *testing.T) {
	t.Parallel()
	for _, n := range []int64{1, 123, 99999, 123456, 1000000, 4720193} {
		valid := FormatMRN("CHL", n)
		if canon, ok, err := ParseMRN(valid, "CHL"); !ok || err != nil || canon != valid {
			t.Fatalf("%s: ParseMRN = %q, %v, %v", valid, canon, ok, err)
		}
		// Typed without dashes, in lower case: the same number.
		if canon, ok, err := ParseMRN(strings.ToLower(strings.ReplaceAll(valid, "-", "")), "CHL"); !ok || err != nil || canon != valid {
			t.Fatalf("%s without dashes: %q, %v, %v", valid, canon, ok, err)
		}
		chars := []byte(valid)
		for i := range chars {
			if chars[i] == '-' {
				continue
			}
			// Every other character in this position.
			alphabet := "0123456789"
			if chars[i] >= 'A' && chars[i] <= 'Z' {
				alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			}
			for j := 0; j < len(alphabet); j++ {
				if alphabet[j] == chars[i] {
					continue
				}
				typo := []byte(valid)
				typo[i] = alphabet[j]
				if _, ok, err := ParseMRN(string(typo), "CHL"); ok && err == nil {
					t.Errorf("%s accepted (one character changed from %s)", typo, valid)
				}
			}
			// A swap with the next character that differs (skipping the dashes).
			k := i + 1
			if k < len(chars) && chars[k] == '-' {
				k++
			}
			if k < len(chars) && chars[k] != chars[i] {
				swap := []byte(valid)
				swap[i], swap[k] = swap[k], swap[i]
				if _, ok, err := ParseMRN(string(swap), "CHL"); ok && err == nil {
					t.Errorf("%s accepted (neighbours swapped in %s)", swap, valid)
				}
			}
		}
	}
}

func TestParseMRNTellsWhatIsWrong(t *testing.T) {
	t.Parallel()
	valid := FormatMRN("CHL", 123)
	if valid != "CHL-000123-"+valid[len(valid)-1:] || len(valid) != 12 {
		t.Fatalf("format: %q", valid)
	}
	wrong := valid[:len(valid)-1] + string('0'+(valid[len(valid)-1]-'0'+1)%10)
	if _, ok, err := ParseMRN(wrong, "CHL"); !ok || err == nil || !strings.Contains(apperr.FieldsOf(err)[0].Message, "check digit") {
		t.Fatalf("wrong check digit: ok %v err %v", ok, err)
	}
	if _, ok, err := ParseMRN(strings.Replace(valid, "CHL", "KHL", 1), "CHL"); !ok || err == nil || !strings.Contains(apperr.FieldsOf(err)[0].Message, "not a record number of this clinic") {
		t.Fatalf("other prefix: ok %v err %v", ok, err)
	}
	for _, notMRN := range []string{"Baraka Mwangi", "0712 345 678", "", "CHL-12-3"} {
		if _, ok, err := ParseMRN(notMRN, "CHL"); ok || err != nil {
			t.Errorf("%q taken for a record number (ok %v, err %v)", notMRN, ok, err)
		}
	}
}
