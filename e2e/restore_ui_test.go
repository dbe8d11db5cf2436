package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"
)

// apiClient is a logged-in browser of a running Chelal.
type apiClient struct {
	t    *testing.T
	base string
	http *http.Client
	csrf string
}

func newAPIClient(t *testing.T, addr, username, password string) *apiClient {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &apiClient{t: t, base: "http://" + addr, http: &http.Client{Jar: jar, Timeout: 2 * time.Minute}}
	var out struct {
		CSRFToken string `json:"csrf_token"`
	}
	if st := c.call("POST", "/api/v1/auth/login", map[string]string{"username": username, "password": password}, &out); st != 200 {
		t.Fatalf("login: %d", st)
	}
	c.csrf = out.CSRFToken
	return c
}

// call sends body as JSON and decodes the answer into out; it returns the status.
func (c *apiClient) call(method, path string, body, out any) int {
	c.t.Helper()
	var rd *strings.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	} else {
		rd = strings.NewReader("")
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.csrf != "" && method != "GET" {
		req.Header.Set("X-CSRF-Token", c.csrf)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

// TestRestoreFromTheUI: an administrator restores a backup through the API (as the Backups
// screen does): progress is reported, Chelal restarts on the restored database by itself,
// serves the restored data, and the previous database is kept.
func TestRestoreFromTheUI(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	ctx := context.Background()
	conn := connect(t, embeddedDSN(t, data))
	if _, err := conn.Exec(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('UI-1', 'Zawadi', 'Backed-up', '1990-01-01', 'female')`); err != nil {
		t.Fatal(err)
	}
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	var made struct {
		File string `json:"file"`
	}
	if st := admin.call("POST", "/api/v1/backups", nil, &made); st != 201 || made.File == "" {
		t.Fatalf("backup: %d %+v", st, made)
	}
	if _, err := conn.Exec(ctx, `UPDATE core_patient SET last_name = 'Changed' WHERE unique_id = 'UI-1'`); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)

	// Refusals first: nothing starts.
	for _, bad := range []map[string]any{{"file": ""}, {"file": "../../etc/passwd"}, {"file": "/etc/passwd"}, {"file": "missing" + ".chelal-backup"}, {"file": 12}} {
		if st := admin.call("POST", "/api/v1/backups/restore", bad, nil); st != 422 {
			t.Errorf("restore %v: %d, want 422", bad, st)
		}
	}

	var st struct {
		State       string `json:"state"`
		TablesDone  int    `json:"tables_done"`
		TablesTotal int    `json:"tables_total"`
		Rows        int64  `json:"rows"`
		Error       string `json:"error"`
		Database    string `json:"database"`
		Previous    string `json:"previous"`
		Restarting  bool   `json:"restarting"`
	}
	if code := admin.call("POST", "/api/v1/backups/restore", map[string]any{"file": made.File}, &st); code != 202 || st.State != "running" {
		t.Fatalf("start restore: %d %+v", code, st)
	}
	deadline := time.Now().Add(2 * time.Minute)
	for st.State == "running" && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
		admin.call("GET", "/api/v1/backups/restore", nil, &st)
	}
	if st.State != "done" || !st.Restarting || st.TablesDone != st.TablesTotal || st.TablesTotal == 0 || st.Rows == 0 || st.Previous != "chelal" {
		t.Fatalf("restore outcome: %+v", st)
	}
	// Chelal restarts by itself (answering 503 meanwhile) and serves the restored data.
	time.Sleep(2 * time.Second)
	if err := c.waitHealthy(60 * time.Second); err != nil {
		t.Fatalf("no restart on the restored database: %v\n%s", err, c.out.String())
	}
	if !strings.Contains(c.out.String(), "ready on the restored database") {
		t.Errorf("the restart is not in the log:\n%s", c.out.String())
	}
	conn = connect(t, embeddedDSN(t, data))
	var last, current string
	if err := conn.QueryRow(ctx, `SELECT last_name, current_database() FROM core_patient WHERE unique_id = 'UI-1'`).Scan(&last, &current); err != nil || last != "Backed-up" || current != st.Database {
		t.Fatalf("after the restore: %q in %q (%v), want Backed-up in %q", last, current, err, st.Database)
	}
	var kept int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_database WHERE datname = 'chelal'`).Scan(&kept); err != nil || kept != 1 {
		t.Errorf("the previous database was not kept: %d %v", kept, err)
	}
	_ = conn.Close(ctx)
	if code := login(t, c.addr, "amina", "first password 123"); code != 200 {
		t.Errorf("login after the restore: %d", code)
	}
	c.stop(t)
}
