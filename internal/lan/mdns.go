package lan

import (
	"context"
	"io"
	"log"
	"log/slog"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/hashicorp/mdns"
)

// ServiceType is what Chelal advertises by DNS-SD: an HTTPS server.
const ServiceType = "_https._tcp"

// mdnsRecheck is how often the advertised addresses are compared with the machine's.
const mdnsRecheck = 30 * time.Second

// Advertise announces Chelal by mDNS/DNS-SD on every multicast-capable LAN interface until ctx
// ends: the host name m.MDNSHost() (so https://chelal.local:7300 resolves) and a service
// instance of ServiceType on port. When the machine's addresses change the records follow.
// It uses hashicorp/mdns (kept by HashiCorp, used by Consul and Nomad for the same purpose).
// The returned function stops advertising and waits for it.
func Advertise(ctx context.Context, m Machine, instance string, port int, logger *slog.Logger) (stop func()) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Go(func() {
		var servers []*mdns.Server
		shut := func() {
			for _, s := range servers {
				_ = s.Shutdown()
			}
			servers = nil
		}
		defer shut()
		var last string
		tick := time.NewTicker(mdnsRecheck)
		defer tick.Stop()
		for {
			ifaces, ips := mdnsInterfaces(m)
			key := ""
			for _, ip := range ips {
				key += ip.String() + ","
			}
			for _, ifc := range ifaces {
				key += ifc.Name + ";"
			}
			if key != last {
				shut()
				servers = startMDNS(m, instance, port, ifaces, ips, logger)
				last = key
				if len(servers) > 0 {
					logger.Info("advertising on the LAN by mDNS", "host", m.MDNSHost(), "service", ServiceType, "port", port, "addresses", key)
				}
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func() { cancel(); wg.Wait() }
}

// mdnsInterfaces lists the interfaces to answer on (up, multicast, not loopback) and the IPv4
// and IPv6 addresses to announce (theirs, but link-local ones).
func mdnsInterfaces(m Machine) ([]net.Interface, []net.IP) {
	all, err := net.Interfaces()
	if err != nil {
		return nil, nil
	}
	var ifaces []net.Interface
	var ips []net.IP
	for _, ifc := range all {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagMulticast == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		own := InterfaceAddrs(func() ([]net.Addr, error) { return addrs, nil })
		if len(own) == 0 {
			continue
		}
		ifaces = append(ifaces, ifc)
		for _, a := range own {
			ips = append(ips, net.IP(a.AsSlice()))
		}
	}
	slices.SortFunc(ips, func(a, b net.IP) int {
		x, _ := netip.AddrFromSlice(a)
		y, _ := netip.AddrFromSlice(b)
		return x.Compare(y)
	})
	return ifaces, ips
}

func startMDNS(m Machine, instance string, port int, ifaces []net.Interface, ips []net.IP, logger *slog.Logger) []*mdns.Server {
	if len(ips) == 0 {
		return nil
	}
	zone, err := mdns.NewMDNSService(instance, ServiceType, "local.", m.MDNSHost()+".", port, ips, []string{"path=/", "port=" + strconv.Itoa(port)})
	if err != nil {
		logger.Warn("mDNS advertisement not possible", "err", err)
		return nil
	}
	quiet := log.New(io.Discard, "", 0)
	var out []*mdns.Server
	for i := range ifaces {
		s, err := mdns.NewServer(&mdns.Config{Zone: zone, Iface: &ifaces[i], Logger: quiet})
		if err != nil {
			logger.Warn("mDNS advertisement not possible on an interface", "iface", ifaces[i].Name, "err", err)
			continue
		}
		out = append(out, s)
	}
	return out
}
