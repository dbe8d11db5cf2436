package i18n

import "testing"

func TestMoney(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount, currency, lang, want string
	}{
		{"1500.50", "KES", "en", "KES\u00a01,500.50"},
		{"1500.50", "KES", "sw", "KES\u00a01,500.50"},
		{"1500.50", "KES", "fr", "1\u00a0500,50\u00a0KES"},
		{"1500.50", "", "fr-FR", "1\u00a0500,50"},
		{"9999999999.99", "", "en", "9,999,999,999.99"},
		{"-1234567.00", "EUR", "fr", "-1\u00a0234\u00a0567,00\u00a0EUR"},
		{"0.10", "", "en", "0.10"},
		{"100.00", "TZS", "de", "TZS\u00a0100.00"},
	} {
		if got := Parse(tc.lang).Money(tc.amount, tc.currency); got != tc.want {
			t.Errorf("Money(%q, %q) in %q = %q, want %q", tc.amount, tc.currency, tc.lang, got, tc.want)
		}
	}
}

func TestAmountKeepsWhatIsNotANumber(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "-", "1.", "1,5", "abc", "1.2.3"} {
		if got := FR.Amount(s); got != s {
			t.Errorf("Amount(%q) = %q", s, got)
		}
	}
}
