package billing

import (
	"database/sql/driver"
	"fmt"
	"strings"

	"github.com/shopspring/decimal"

	"chelal/internal/apperr"
	"chelal/internal/validate"
)

// Money is an amount of the clinic's currency, exact to the cent: a decimal, never a float.
// It is stored as NUMERIC(12,2) and travels in JSON as a string with two decimals
// ("1250.00").
type Money struct{ d decimal.Decimal }

// MaxMoney is the largest amount NUMERIC(12,2) holds.
var MaxMoney = Money{decimal.RequireFromString("9999999999.99")}

// Zero is no money.
var Zero = Money{}

// MustMoney reads a literal amount; it panics on a bad one (tests, constants).
func MustMoney(s string) Money { return Money{decimal.RequireFromString(s)} }

// String is the amount with two decimals.
func (m Money) String() string { return m.d.StringFixed(2) }

// Add returns m + o.
func (m Money) Add(o Money) Money { return Money{m.d.Add(o.d)} }

// Sub returns m - o.
func (m Money) Sub(o Money) Money { return Money{m.d.Sub(o.d)} }

// Mul returns m times a quantity.
func (m Money) Mul(q int64) Money { return Money{m.d.Mul(decimal.NewFromInt(q))} }

// Neg returns -m.
func (m Money) Neg() Money { return Money{m.d.Neg()} }

// Cmp compares m and o: -1, 0 or 1.
func (m Money) Cmp(o Money) int { return m.d.Cmp(o.d) }

// IsZero says whether m is 0.
func (m Money) IsZero() bool { return m.d.IsZero() }

// Sign is -1, 0 or 1.
func (m Money) Sign() int { return m.d.Sign() }

// MarshalJSON writes the amount as a JSON string with two decimals.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.String() + `"`), nil }

// JSONSchema describes Money in the OpenAPI document.
func (Money) JSONSchema() map[string]any {
	return map[string]any{"type": "string", "pattern": `^-?[0-9]+\.[0-9]{2}$`, "examples": []string{"1250.00"},
		"description": "an amount, exact to the cent, as a string with two decimals"}
}

// Scan reads a NUMERIC (as text) from the database.
func (m *Money) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case nil:
		*m = Money{}
		return nil
	default:
		return fmt.Errorf("money: cannot scan %T", src)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return fmt.Errorf("money: %w", err)
	}
	*m = Money{d}
	return nil
}

// Value writes the amount as text for a NUMERIC parameter.
func (m Money) Value() (driver.Value, error) { return m.String(), nil }

// parseAmount reads an amount typed by a user: digits with at most two decimals, not
// negative, at most MaxMoney. min is the smallest acceptable amount ("0.00" or "0.01"). A bad
// value adds a field error to f and returns false.
func parseAmount(f *apperr.Fields, field, s string, positive bool) (Money, bool) {
	s = strings.TrimSpace(s)
	if !validate.Money(f, field, s, positive) {
		return Money{}, false
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		f.Add(field, apperr.CodeInvalid, "Enter an amount, like 1250.00.")
		return Money{}, false
	}
	return Money{d}, true
}

// ParseMoney reads an amount as the database writes it (NUMERIC as text: "12.50", "-3.00"),
// for another domain that hands a price to ChargeInTx. It refuses more than two decimals and
// amounts beyond NUMERIC(12,2).
func ParseMoney(s string) (Money, error) {
	d, err := decimal.NewFromString(strings.TrimSpace(s))
	if err != nil {
		return Money{}, fmt.Errorf("money %q: %w", s, err)
	}
	if !d.Equal(d.Round(2)) || d.Abs().Cmp(MaxMoney.d) > 0 {
		return Money{}, fmt.Errorf("money %q: not an amount of NUMERIC(12,2)", s)
	}
	return Money{d}, nil
}
