package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// serveWithAdmin starts Chelal on a new data folder with one administrator, amina, whose
// password is "first password 123".
func serveWithAdmin(t *testing.T) (string, *chelal) {
	t.Helper()
	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data}
	if out, code := runChelalInput(t, false, env, "first password 123\n", "admin", "create", "--username", "amina", "--email", "amina@clinic.test"); code != 0 {
		t.Fatalf("admin create: %d\n%s", code, out)
	}
	return data, startServe(t, data)
}

// importJob is what GET /api/v1/imports/job tells.
type importJob struct {
	ID        int64  `json:"id"`
	State     string `json:"state"`
	Phase     string `json:"phase"`
	RowsDone  int    `json:"rows_done"`
	RowsTotal int    `json:"rows_total"`
	Error     string `json:"error"`
}

// TestImportInterruptedByACrash: Chelal and its PostgreSQL are killed in the middle of a
// spreadsheet import started from the UI. The import was one transaction, so nothing of it is
// kept; after the restart its job shows as interrupted, and a new import can start.
func TestImportInterruptedByACrash(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")
	var b strings.Builder
	b.WriteString("First name,Last name,Date of birth,Sex\n")
	const rows = 40000
	for i := 1; i <= rows; i++ {
		dob := time.Date(1930, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
		fmt.Fprintf(&b, "Amina,Otieno %d,%s,F\n", i, dob.Format("02/01/2006"))
	}
	upload := func() (int, importJob) {
		q := url.Values{"kind": {"patients"}, "file_name": {"register.csv"}, "date_format": {"DD/MM/YYYY"}, "dry_run": {"false"},
			"mapping": {`{"first_name":"First name","last_name":"Last name","date_of_birth":"Date of birth","gender":"Sex"}`}}
		req, _ := http.NewRequest("POST", admin.base+"/api/v1/imports?"+q.Encode(), strings.NewReader(b.String()))
		req.Header.Set("Content-Type", "text/csv")
		req.Header.Set("X-CSRF-Token", admin.csrf)
		resp, err := admin.http.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var job importJob
		_ = json.NewDecoder(resp.Body).Decode(&job)
		return resp.StatusCode, job
	}
	code, job := upload()
	if code != 202 || job.State != "running" {
		t.Fatalf("upload: %d %+v", code, job)
	}
	if code, _ := upload(); code != 409 {
		t.Fatalf("a second import while one runs: %d, want 409", code)
	}
	// Wait until some rows are in the (open) transaction, then kill everything.
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(20 * time.Millisecond) {
		var st importJob
		if code := admin.call("GET", "/api/v1/imports/job", nil, &st); code != 200 {
			t.Fatalf("job: %d", code)
		}
		if st.State != "running" {
			t.Fatalf("the import ended before the crash (%+v): make the file bigger", st)
		}
		if st.RowsDone > 0 && st.RowsTotal == rows {
			t.Logf("killed at %d of %d rows", st.RowsDone, st.RowsTotal)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no progress in 3 minutes: %+v", st)
		}
	}
	pg := postmasterPID(data)
	mustKill(t, pg)
	c.kill(t)
	waitGone(t, pg)

	c2 := startServe(t, data)
	defer c2.stop(t)
	conn := connect(t, embeddedDSN(t, data))
	var patients, runs int
	if err := conn.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM core_patient), (SELECT count(*) FROM core_importrun)`).Scan(&patients, &runs); err != nil {
		t.Fatal(err)
	}
	if patients != 0 || runs != 0 {
		t.Fatalf("after the crash: %d patients, %d imports kept; want none", patients, runs)
	}
	admin = newAPIClient(t, c2.addr, "amina", "first password 123")
	var st importJob
	if code := admin.call("GET", "/api/v1/imports/job", nil, &st); code != 200 || st.State != "interrupted" || st.ID != job.ID || !strings.Contains(st.Error, "nothing of it was kept") {
		t.Fatalf("job after the restart: %d %+v", code, st)
	}
}
