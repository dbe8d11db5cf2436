// Package localefmt formats numbers and money for what the server prints (PDFs, CSV) the way
// the UI shows them (frontend/src/i18n/format.ts, Intl with the currency's code): "KES
// 1,500.50" in English and Swahili, "1 500,50 KES" in French. It formats only; the words
// around the numbers belong to the translations.
package localefmt

import (
	"strings"
)

// nbsp groups French thousands and joins a code to its amount. Intl uses U+202F between
// French thousands; the PDF fonts have no glyph for it, so both use U+00A0.
const nbsp = "\u00a0"

// style is how one language writes numbers.
type style struct {
	group, decimal string
	codeAfter      bool // "1 500,50 KES" rather than "KES 1,500.50"
}

var styles = map[string]style{
	"en": {group: ",", decimal: "."},
	"sw": {group: ",", decimal: "."},
	"fr": {group: nbsp, decimal: ",", codeAfter: true},
}

// styleOf is the style of a language tag ("fr", "fr-FR", "fr_CA"); English for any other.
func styleOf(lang string) style {
	base, _, _ := strings.Cut(strings.ToLower(strings.ReplaceAll(lang, "_", "-")), "-")
	if s, ok := styles[base]; ok {
		return s
	}
	return styles["en"]
}

// Number writes a decimal string ("-1500.5", "1500.50") with the language's thousands
// grouping and decimal mark, keeping its digits exactly (no float). What is not a decimal
// string is returned as it is.
func Number(amount, lang string) string {
	s := styleOf(lang)
	neg := strings.HasPrefix(amount, "-")
	digits := strings.TrimPrefix(amount, "-")
	whole, frac, hasFrac := strings.Cut(digits, ".")
	if whole == "" || !allDigits(whole) || hasFrac && (frac == "" || !allDigits(frac)) {
		return amount
	}
	var b strings.Builder
	if neg {
		b.WriteString("-")
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(s.group)
		}
		b.WriteRune(r)
	}
	if hasFrac {
		b.WriteString(s.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Money writes an amount (a decimal string with its cents, "1500.50") in the language, with
// the currency's ISO 4217 code when currency is not empty.
func Money(amount, currency, lang string) string {
	n := Number(amount, lang)
	if currency == "" {
		return n
	}
	if styleOf(lang).codeAfter {
		return n + nbsp + currency
	}
	return currency + nbsp + n
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
