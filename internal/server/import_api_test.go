package server

import (
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"chelal/internal/auth"
)

// An administrator previews a spreadsheet (columns, suggested mapping, first rows with their
// problems), imports it, gets the refused rows back as a file, sees it in the list, and undoes
// it; nobody else may.
func TestImportSheetAPI(t *testing.T) {
	t.Parallel()
	a := newAPI(t, auth.Config{})
	a.newUser("boss", auth.RoleAdmin)
	a.newUser("desk", auth.RoleReceptionist)
	admin := a.login("boss", "10.0.0.1")
	csvBody := "First name,Last name,Date of birth,Sex,Phone\nAmina,Hassan,03/04/1990,F,0722 000 111\nBad,Sex,03/04/1991,Q,\n"
	target := func(q url.Values) string { return "/api/v1/imports?" + q.Encode() }
	q := url.Values{"kind": {"patients"}, "file_name": {"register.csv"}, "date_format": {"DD/MM/YYYY"}, "dry_run": {"true"}}

	// The upload answers at once with the job; the job's status gives the progress, then the
	// report.
	run := func(q url.Values) map[string]any {
		t.Helper()
		job := expect(t, admin.do("POST", target(q), csvBody, "Content-Type", "text/csv"), 202)
		if job["state"] != "running" || job["file_name"] != "register.csv" {
			t.Fatalf("job at the start: %v", job)
		}
		for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
			st := expect(t, admin.do("GET", "/api/v1/imports/job", nil), 200)
			if st["id"] != job["id"] {
				t.Fatalf("another job: %v, started %v", st, job)
			}
			if st["state"] == "running" {
				continue
			}
			if st["state"] != "done" || st["rows_total"] != float64(2) || st["rows_done"] != float64(2) {
				t.Fatalf("job: %v", st)
			}
			res, _ := st["result"].(map[string]any)
			return res
		}
		t.Fatal("the import did not finish in a minute")
		return nil
	}
	preview := run(q)
	mapping, _ := preview["mapping"].(map[string]any)
	rows, _ := preview["preview"].([]any)
	if mapping["first_name"] != "First name" || len(rows) != 2 || preview["refused_csv"] == "" {
		t.Fatalf("preview: %v", preview)
	}
	second, _ := rows[1].(map[string]any)
	if problems, _ := second["problems"].([]any); len(problems) != 1 || !strings.Contains(fmt.Sprint(problems), "unknown sex value") {
		t.Fatalf("second row's problems: %v", second)
	}
	expect(t, a.login("desk", "10.0.0.2").do("POST", target(q), csvBody, "Content-Type", "text/csv"), 403)

	q.Set("dry_run", "false")
	q.Set("mapping", `{"first_name":"First name","last_name":"Last name","date_of_birth":"Date of birth","gender":"Sex","contact_info":"Phone"}`)
	done := run(q)
	if !strings.Contains(done["refused_csv"].(string), "Bad,Sex,03/04/1991,Q,,\"gender: unknown sex value") {
		t.Fatalf("refused rows file: %q", done["refused_csv"])
	}
	id := int64(done["import_id"].(float64))
	list := expect(t, admin.do("GET", "/api/v1/imports", nil), 200)
	if items, _ := list["items"].([]any); len(items) != 1 || !strings.Contains(fmt.Sprint(items[0]), "username:boss") {
		t.Fatalf("imports list: %v", list)
	}

	// Bad uploads are refused with a problem and change nothing.
	expect(t, admin.do("POST", target(q), csvBody, "Content-Type", "image/png"), 415)
	bad := url.Values{"kind": {"x-rays"}, "file_name": {"a.csv"}}
	expect(t, admin.do("POST", target(bad), csvBody, "Content-Type", "text/csv"), 422)
	bad = url.Values{"kind": {"patients"}, "file_name": {"a.csv"}, "mapping": {"[not json"}}
	expect(t, admin.do("POST", target(bad), csvBody, "Content-Type", "text/csv"), 422)

	expect(t, admin.do("POST", fmt.Sprintf("/api/v1/imports/%d/undo", id), nil), 204)
	expect(t, admin.do("POST", fmt.Sprintf("/api/v1/imports/%d/undo", id), nil), 409)
	expect(t, admin.do("POST", "/api/v1/imports/999999/undo", nil), 404)
}
