package lan

import (
	"fmt"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
)

// DefaultName is the mDNS host name's first label when CHELAL_LAN_NAME is not set:
// workstations open https://chelal.local:7300.
const DefaultName = "chelal"

// ValidName checks a LAN name (CHELAL_LAN_NAME): one DNS label, letters, digits and hyphens,
// as mDNS host names are (the clinic's name, e.g. kliniki-amani).
func ValidName(name string) error {
	if name == "" || len(name) > 63 || strings.HasPrefix(name, "-") || strings.HasSuffix(name, "-") {
		return fmt.Errorf("LAN name %q: give 1 to 63 letters, digits or hyphens, e.g. kliniki-amani", name)
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return fmt.Errorf("LAN name %q: give 1 to 63 letters, digits or hyphens, e.g. kliniki-amani", name)
		}
	}
	return nil
}

// Machine reads what a certificate for this computer must cover.
type Machine struct {
	// LANName is the mDNS name's first label (DefaultName when empty): <LANName>.local.
	LANName string
	// Extra are the names or addresses an administrator configured (CHELAL_HOST_NAMES).
	Extra []string
	// Read the machine; nil: the real interfaces and hostname (tests replace them).
	InterfaceAddrs func() ([]net.Addr, error)
	Hostname       func() (string, error)
}

// MDNSHost is the advertised host name, e.g. chelal.local.
func (m Machine) MDNSHost() string {
	n := strings.ToLower(m.LANName)
	if n == "" {
		n = DefaultName
	}
	return n + ".local"
}

// Names lists, sorted, localhost, the hostname (short and .local), the mDNS name, the extra
// names, and every address of the machine but link-local ones (which change at random and
// that no one types).
func (m Machine) Names() Names {
	dns := map[string]bool{"localhost": true, m.MDNSHost(): true}
	ips := map[netip.Addr]bool{}
	hostname := m.Hostname
	if hostname == nil {
		hostname = os.Hostname
	}
	if h, err := hostname(); err == nil {
		h = strings.ToLower(strings.TrimSuffix(h, "."))
		if short, _, _ := strings.Cut(h, "."); short != "" && ValidName(short) == nil {
			dns[h], dns[short], dns[short+".local"] = true, true, true
		}
	}
	for _, e := range m.Extra {
		if h, _, err := net.SplitHostPort(e); err == nil {
			e = h
		}
		e = strings.ToLower(strings.TrimSuffix(strings.Trim(e, "[]"), "."))
		if a, err := netip.ParseAddr(e); err == nil {
			ips[a.WithZone("").Unmap()] = true
		} else if e != "" {
			dns[e] = true
		}
	}
	for _, a := range InterfaceAddrs(m.InterfaceAddrs) {
		ips[a] = true
	}
	out := Names{DNS: sortedKeys(dns)}
	for a := range ips {
		out.IPs = append(out.IPs, a)
	}
	slices.SortFunc(out.IPs, func(a, b netip.Addr) int { return a.Compare(b) })
	return out
}

// InterfaceAddrs lists the machine's addresses but link-local ones; read is
// net.InterfaceAddrs when nil.
func InterfaceAddrs(read func() ([]net.Addr, error)) []netip.Addr {
	if read == nil {
		read = net.InterfaceAddrs
	}
	addrs, err := read()
	if err != nil {
		return nil
	}
	var out []netip.Addr
	for _, a := range addrs {
		na, ok := AddrOf(a)
		if !ok {
			continue
		}
		if na.IsLinkLocalUnicast() || na.IsUnspecified() || na.IsMulticast() {
			continue
		}
		out = append(out, na)
	}
	return out
}

// AddrOf is the IP address of an interface address (as net.InterfaceAddrs lists them), an
// IPv4-mapped IPv6 address unmapped; false for another kind of address.
func AddrOf(a net.Addr) (netip.Addr, bool) {
	var ip net.IP
	switch v := a.(type) {
	case *net.IPNet:
		ip = v.IP
	case *net.IPAddr:
		ip = v.IP
	}
	na, ok := netip.AddrFromSlice(ip)
	return na.Unmap(), ok
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IsLoopbackAddr says whether a listen address (HOST:PORT) is on loopback only: such a
// listener may stay plain HTTP (nothing crosses the network).
func IsLoopbackAddr(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, err
	}
	if host == "localhost" {
		return true, nil
	}
	a, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return false, nil // all addresses (""), or a name: reachable from the network
	}
	return a.IsLoopback(), nil
}
