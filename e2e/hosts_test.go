package e2e

import (
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServeHostCheck: a running serve answers for loopback, this machine's name and the
// configured names, and refuses another Host (a DNS-rebinding page) with a 421 problem.
func TestServeHostCheck(t *testing.T) {
	t.Parallel()
	c := startServe(t, newDataDir(t), "CHELAL_HOST_NAMES=chelal.clinic.test, 192.0.2.44")
	_, port, _ := strings.Cut(c.addr, ":")
	hostname, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		host string
		want int
	}{
		{c.addr, 200},
		{"localhost:" + port, 200},
		{"[::1]:" + port, 200},
		{hostname + ":" + port, 200},
		{"chelal.clinic.test:" + port, 200},
		{"192.0.2.44", 200},
		{"evil.example:" + port, 421},
		{"attacker.rebind.network", 421},
	}
	for _, tc := range tests {
		for _, path := range []string{"/api/v1/health", "/api/v1/setup"} {
			req, err := http.NewRequest("GET", "http://"+c.addr+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = tc.host
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tc.want {
				t.Errorf("Host %s %s: %d %s", tc.host, path, resp.StatusCode, body)
			}
			if tc.want == 421 && (resp.Header.Get("Content-Type") != "application/problem+json" || !strings.Contains(string(body), "misdirected-request")) {
				t.Errorf("Host %s: not a problem: %s", tc.host, body)
			}
		}
	}
	out, code := runChelal(t, true, nil, "help")
	if code != 0 || !strings.Contains(out, "CHELAL_HOST_NAMES") || !strings.Contains(out, "--host-names") {
		t.Errorf("help does not document the host names (exit %d):\n%s", code, out)
	}
}

// TestBackupDirInsideDataRefused: CHELAL_BACKUP_DIR inside the data folder stops the start with
// a clear message, before PostgreSQL is started or anything is written.
func TestBackupDirInsideDataRefused(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	for _, dir := range []string{data, filepath.Join(data, "pg", "backups")} {
		out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data, "CHELAL_BACKUP_DIR=" + dir}, "serve", "--addr", freeAddr(t))
		if code == 0 || !strings.Contains(out, "CHELAL_BACKUP_DIR") || !strings.Contains(out, "inside Chelal's data folder") {
			t.Fatalf("CHELAL_BACKUP_DIR=%s: exit %d, output:\n%s", dir, code, out)
		}
	}
	if entries, _ := os.ReadDir(data); len(entries) != 0 {
		t.Fatalf("the refused start wrote into the data folder: %v", entries)
	}
}
