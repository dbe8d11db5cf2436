package i18n

import "strings"

// nbsp groups French thousands and joins a currency code to its amount. Intl (the UI) uses
// U+202F between French thousands; the PDF fonts have no glyph for it, so both use U+00A0.
const nbsp = "\u00a0"

// numberStyle is how a language writes numbers; the one table of decimal marks the server's
// numbers (Number) and amounts (Amount, Money) follow, as the UI's Intl formats do.
type numberStyle struct {
	group, decimal string
	codeAfter      bool // "1 500,50 KES" rather than "KES 1,500.50"
}

var numberStyles = map[Lang]numberStyle{
	EN: {group: ",", decimal: "."},
	SW: {group: ",", decimal: "."},
	FR: {group: nbsp, decimal: ",", codeAfter: true},
}

func (l Lang) style() numberStyle {
	if s, ok := numberStyles[l]; ok {
		return s
	}
	return numberStyles[EN]
}

// Amount writes a decimal string ("-1500.5", "1500.50") with l's thousands grouping and
// decimal mark, keeping its digits exactly (no float). What is not a decimal string is
// returned as it is.
func (l Lang) Amount(amount string) string {
	s := l.style()
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

// Money writes an amount (a decimal string with its cents, "1500.50") in l, with the
// currency's ISO 4217 code when currency is not empty: "KES 1,500.50", "1 500,50 KES".
func (l Lang) Money(amount, currency string) string {
	n := l.Amount(amount)
	if currency == "" {
		return n
	}
	if l.style().codeAfter {
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
