package config

import (
	"net/netip"
	"slices"
	"testing"
)

func TestTrustedProxies(t *testing.T) {
	t.Parallel()
	tests := []struct {
		list string
		want []string
		bad  bool
	}{
		{"", nil, false},
		{"10.0.0.5", []string{"10.0.0.5/32"}, false},
		{" 10.0.0.0/24, 2001:db8::7 ,,::ffff:192.0.2.1 192.168.1.9/16", []string{"10.0.0.0/24", "2001:db8::7/128", "192.0.2.1/32", "192.168.0.0/16"}, false},
		{"proxy.clinic.lan", nil, true},
		{"10.0.0.0/33", nil, true},
	}
	for _, tc := range tests {
		got, err := TrustedProxies(tc.list)
		var s []string
		for _, p := range got {
			s = append(s, p.String())
		}
		if (err != nil) != tc.bad || !slices.Equal(s, tc.want) {
			t.Errorf("TrustedProxies(%q) = %v, %v; want %v (error %v)", tc.list, s, err, tc.want, tc.bad)
		}
	}
	ps, _ := TrustedProxies("10.0.0.0/24")
	if !ps[0].Contains(netip.MustParseAddr("10.0.0.200")) || ps[0].Contains(netip.MustParseAddr("10.0.1.1")) {
		t.Errorf("prefix %v", ps[0])
	}
}
