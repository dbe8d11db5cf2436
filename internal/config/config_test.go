package config

import (
	"slices"
	"strings"
	"testing"
)

func TestHostNames(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"chelal.clinic.lan", []string{"chelal.clinic.lan"}, false},
		{" chelal.clinic.lan, 192.0.2.10:7300 ,,[2001:db8::1]:7300 reception", []string{"chelal.clinic.lan", "192.0.2.10:7300", "[2001:db8::1]:7300", "reception"}, false},
		{"http://chelal.clinic.lan", nil, true},
		{"chelal.clinic.lan/setup", nil, true},
		{"admin@chelal.clinic.lan", nil, true},
	}
	for _, tc := range tests {
		got, err := HostNames(tc.list)
		if (err != nil) != tc.bad || !slices.Equal(got, tc.want) {
			t.Errorf("HostNames(%q) = %q, %v; want %q (error %v)", tc.list, got, err, tc.want, tc.bad)
		}
		if err != nil && !strings.Contains(err.Error(), "without scheme or path") {
			t.Errorf("HostNames(%q): unclear error %v", tc.list, err)
		}
	}
}
