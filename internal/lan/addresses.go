package lan

import (
	"net"
	"sort"
	"strings"
)

// IPv4s lists this computer's IPv4 addresses that other computers can reach: interfaces
// that are up, not loopback, not link-local; those of virtual interfaces (containers, VMs,
// VPN tunnels) come last, so the first address (the QR code's) is the real network card's.
func IPv4s() []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	type cand struct {
		ip      string
		virtual bool
		order   int
	}
	var cs []cand
	for i, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok {
				continue
			}
			ip4 := ipn.IP.To4()
			if ip4 == nil || ip4.IsLoopback() || ip4.IsLinkLocalUnicast() || ip4.IsUnspecified() {
				continue
			}
			cs = append(cs, cand{ip: ip4.String(), virtual: IsVirtualInterface(ifc.Name), order: i})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].virtual != cs[j].virtual {
			return !cs[i].virtual
		}
		return cs[i].order < cs[j].order
	})
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ip)
	}
	return out
}

// IsVirtualInterface says whether an interface is a container bridge, a VM network or a VPN
// tunnel, whose addresses other workstations rarely reach.
func IsVirtualInterface(name string) bool {
	for _, p := range []string{"docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "wg", "zt", "tailscale", "lxc", "lxd", "cni", "flannel", "podman"} {
		if strings.HasPrefix(strings.ToLower(name), p) {
			return true
		}
	}
	return false
}
