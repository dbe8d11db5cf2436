package e2e

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hashicorp/mdns"
	"github.com/miekg/dns"
	"golang.org/x/net/ipv4"

	"chelal/internal/lan"
)

// lanNetwork is a small clinic LAN: a network namespace holding Chelal's computer (serverIP on
// its end of a veth pair) and this test on the other end (hostIP), so Chelal serves a real,
// non-loopback address and multicast DNS crosses a real link.
type lanNetwork struct {
	ns, hostIface    string
	serverIP, hostIP string
	iface            *net.Interface
}

// newLANNetwork makes the namespace and the link (subnet like "10.77.0": .1 is Chelal's, .2
// this test's); both go away when the test ends.
func newLANNetwork(t *testing.T, subnet string) *lanNetwork {
	t.Helper()
	id := fmt.Sprintf("%d", os.Getpid()%100000)
	n := &lanNetwork{ns: "chelal-lan-" + id, hostIface: "chl" + id + "h", serverIP: subnet + ".1", hostIP: subnet + ".2"}
	peer := "chl" + id + "s"
	run := func(args ...string) {
		t.Helper()
		if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("ip", "netns", "add", n.ns)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", n.ns).Run() })
	run("ip", "link", "add", n.hostIface, "type", "veth", "peer", "name", peer)
	t.Cleanup(func() { _ = exec.Command("ip", "link", "del", n.hostIface).Run() })
	run("ip", "link", "set", peer, "netns", n.ns)
	run("ip", "addr", "add", n.hostIP+"/24", "dev", n.hostIface)
	run("ip", "link", "set", n.hostIface, "up")
	run("ip", "netns", "exec", n.ns, "ip", "link", "set", "lo", "up")
	run("ip", "netns", "exec", n.ns, "ip", "addr", "add", n.serverIP+"/24", "dev", peer)
	run("ip", "netns", "exec", n.ns, "ip", "link", "set", peer, "up")
	// Multicast (mDNS) leaves by the link on both sides.
	run("ip", "netns", "exec", n.ns, "ip", "route", "add", "224.0.0.0/4", "dev", peer)
	ifc, err := net.InterfaceByName(n.hostIface)
	if err != nil {
		t.Fatal(err)
	}
	n.iface = ifc
	return n
}

// TestLANHTTPSInANetworkNamespace: `chelal serve --addr 0.0.0.0:7300` on a computer of a LAN
// (a network namespace) creates the clinic's CA, serves HTTPS that a client trusting that CA
// accepts for the address and the mDNS name, redirects plain HTTP, offers the CA at /welcome,
// refuses a foreign Host, and is found by mDNS/DNS-SD; `chelal lan info` and `lan ca --export`
// tell the same fingerprint.
func TestLANHTTPSInANetworkNamespace(t *testing.T) {
	t.Parallel()
	n := newLANNetwork(t, "10.77.0")
	data := newDataDir(t)
	const port = "7300"
	env := []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/nonexistent", "CHELAL_DATA_DIR=" + data, "CHELAL_LAN_NAME=kliniki-e2e", "CHELAL_BACKUP_SCHEDULE=off"}
	cmd := exec.Command("ip", "netns", "exec", n.ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", chelalBin, "serve", "--addr", "0.0.0.0:"+port)
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		}
		if t.Failed() {
			t.Logf("chelal output:\n%s", out.String())
		}
	})

	base := "https://" + net.JoinHostPort(n.serverIP, port)
	var ca *lan.CA
	var trusting *http.Client
	deadline := time.Now().Add(90 * time.Second)
	for {
		if time.Now().After(deadline) {
			t.Fatalf("no healthy HTTPS at %s within 90 s", base)
		}
		select {
		case <-done:
			t.Fatalf("chelal exited:\n%s", out.String())
		default:
		}
		if ca == nil {
			ca, _ = lan.LoadCA(data)
		}
		if ca != nil {
			pool := x509.NewCertPool()
			pool.AddCert(ca.Cert)
			trusting = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			if res, err := trusting.Get(base + "/api/v1/health"); err == nil {
				res.Body.Close()
				if res.StatusCode == 200 {
					if res.TLS.Version < tls.VersionTLS12 || res.Header.Get("Strict-Transport-Security") == "" {
						t.Errorf("HTTPS: TLS %x, HSTS %q", res.TLS.Version, res.Header.Get("Strict-Transport-Security"))
					}
					leaf := res.TLS.PeerCertificates[0]
					if !slices.Contains(leaf.DNSNames, "kliniki-e2e.local") || !slices.ContainsFunc(leaf.IPAddresses, func(ip net.IP) bool { return ip.String() == n.serverIP }) {
						t.Errorf("certificate covers %v %v", leaf.DNSNames, leaf.IPAddresses)
					}
					break
				}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st, err := os.Stat(filepath.Join(data, lan.CAKeyFile)); err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("CA key: %v", err)
	}
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get(base + "/api/v1/health"); err == nil {
		t.Error("a client that does not trust the clinic CA accepted the certificate")
	}

	// Plain HTTP from a workstation: a redirect to HTTPS; /welcome offers the CA.
	plain := "http://" + net.JoinHostPort(n.serverIP, port)
	res, err := trusting.Get(plain + "/patients?q=1")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusTemporaryRedirect || res.Header.Get("Location") != base+"/patients?q=1" {
		t.Errorf("plain HTTP: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = trusting.Get(plain + "/welcome")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(page), ca.Fingerprint()) {
		t.Errorf("welcome: %d, fingerprint shown %v", res.StatusCode, strings.Contains(string(page), ca.Fingerprint()))
	}
	res, err = trusting.Get(plain + "/welcome/" + lan.CAFileName)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(got) != string(ca.PEM()) {
		t.Error("the CA offered at /welcome is not the data dir's")
	}

	// DNS rebinding: a foreign Host is refused over HTTPS and plain HTTP alike.
	for _, u := range []string{base, plain} {
		req, _ := http.NewRequest("GET", u+"/api/v1/setup", nil)
		req.Host = "attacker.example:" + port
		res, err := trusting.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("%s with Host attacker.example: %d, want 421", u, res.StatusCode)
		}
	}

	// mDNS: the service and the host name resolve on the link, and the name opens Chelal.
	entries := make(chan *mdns.ServiceEntry, 8)
	params := mdns.DefaultParams(lan.ServiceType)
	params.Entries, params.Interface, params.DisableIPv6, params.Timeout = entries, n.iface, true, 3*time.Second
	params.Logger = log.New(io.Discard, "", 0)
	var found *mdns.ServiceEntry
	for try := 0; try < 5 && found == nil; try++ {
		if err := mdns.Query(params); err != nil {
			t.Fatalf("mDNS query: %v", err)
		}
	drain:
		for {
			select {
			case e := <-entries:
				if e.Host == "kliniki-e2e.local." {
					found = e
				}
			default:
				break drain
			}
		}
	}
	if found == nil || found.AddrV4.String() != n.serverIP || fmt.Sprint(found.Port) != port {
		t.Fatalf("mDNS service %s: %+v", lan.ServiceType, found)
	}
	// One instance label, as DNS-SD browsers list it (miekg/dns escapes the space).
	if want := `Chelal\ kliniki-e2e.` + lan.ServiceType + ".local."; found.Name != want {
		t.Errorf("mDNS instance %q, want %q", found.Name, want)
	}
	addr := resolveMDNS(t, n.iface, "kliniki-e2e.local.")
	if addr != n.serverIP {
		t.Fatalf("kliniki-e2e.local resolved to %q, want %s", addr, n.serverIP)
	}
	byName := trusting.Transport.(*http.Transport).Clone()
	byName.DialContext = func(ctx context.Context, network, a string) (net.Conn, error) {
		_, p, _ := net.SplitHostPort(a)
		return (&net.Dialer{}).DialContext(ctx, network, net.JoinHostPort(addr, p))
	}
	res, err = (&http.Client{Transport: byName, Timeout: 5 * time.Second}).Get("https://kliniki-e2e.local:" + port + "/api/v1/health")
	if err != nil {
		t.Fatalf("https://kliniki-e2e.local:%s: %v", port, err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Errorf("https://kliniki-e2e.local:%s/api/v1/health: %d", port, res.StatusCode)
	}

	// chelal lan info and lan ca --export, run on that computer.
	info, err := exec.Command("ip", append([]string{"netns", "exec", n.ns, "env"}, append(env, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", chelalBin, "lan", "info")...)...).CombinedOutput()
	if err != nil || !strings.Contains(string(info), ca.Fingerprint()) || !strings.Contains(string(info), base) ||
		!strings.Contains(string(info), "https://kliniki-e2e.local:"+port) || !strings.Contains(string(info), plain+"/welcome") {
		t.Errorf("chelal lan info (%v):\n%s", err, info)
	}
	export := filepath.Join(data, "usb-ca.crt")
	if b, err := exec.Command("env", append(env, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", chelalBin, "lan", "ca", "--export", export)...).CombinedOutput(); err != nil {
		t.Fatalf("lan ca --export: %v\n%s", err, b)
	}
	if b, _ := os.ReadFile(export); string(b) != string(ca.PEM()) {
		t.Error("the exported CA is not the data dir's")
	}

	help, code := runChelal(t, true, nil, "help")
	for _, want := range []string{"--tls-cert", "CHELAL_TRUSTED_PROXIES", "CHELAL_LAN_NAME", "CHELAL_MDNS", "chelal lan info", "chelal lan ca --export"} {
		if code != 0 || !strings.Contains(help, want) {
			t.Errorf("chelal help does not document %s (exit %d)", want, code)
		}
	}

	// A clean stop: mDNS stops with the server.
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("chelal did not stop after SIGTERM")
	}
	if !strings.Contains(out.String(), "advertising on the LAN by mDNS") {
		t.Errorf("no mDNS advertisement was logged:\n%s", out.String())
	}
}

// resolveMDNS asks, on iface, the A record of name by multicast DNS (a one-shot query from an
// ephemeral port, answered by unicast as RFC 6762 section 5.1 allows).
func resolveMDNS(t *testing.T, iface *net.Interface, name string) string {
	t.Helper()
	addrs, err := iface.Addrs()
	if err != nil || len(addrs) == 0 {
		t.Fatalf("addresses of %s: %v", iface.Name, err)
	}
	var local net.IP
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && ipn.IP.To4() != nil {
			local = ipn.IP
		}
	}
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: local})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := ipv4.NewPacketConn(conn).SetMulticastInterface(iface); err != nil {
		t.Fatal(err)
	}
	m := new(dns.Msg)
	m.SetQuestion(name, dns.TypeA)
	m.RecursionDesired = false
	q, err := m.Pack()
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 9000)
	for try := 0; try < 5; try++ {
		if _, err := conn.WriteToUDP(q, &net.UDPAddr{IP: net.IPv4(224, 0, 0, 251), Port: 5353}); err != nil {
			t.Fatal(err)
		}
		_ = conn.SetReadDeadline(time.Now().Add(time.Second))
		for {
			nr, _, err := conn.ReadFromUDP(buf)
			if err != nil {
				var ne net.Error
				if errors.As(err, &ne) && ne.Timeout() {
					break
				}
				t.Fatal(err)
			}
			var r dns.Msg
			if r.Unpack(buf[:nr]) != nil {
				continue
			}
			for _, rr := range append(r.Answer, r.Extra...) {
				if a, ok := rr.(*dns.A); ok && strings.EqualFold(a.Hdr.Name, name) {
					return a.A.String()
				}
			}
		}
	}
	return ""
}
