package server

import (
	"context"
	"fmt"
	"testing"

	"chelal/internal/notify"
)

// TestNotificationsAreEachUsersOwn: the pharmacists get the pharmacy's notification, see it
// unread, mark it read; nobody else sees it or can mark it.
func TestNotificationsAreEachUsersOwn(t *testing.T) {
	t.Parallel()
	c := newClinic(t, "")
	ctx := context.Background()
	if n, err := notify.Role(ctx, c.a.db.Pool, "pharmacist", "low_stock", "Low stock", "Coartem: 3 left (reorder at 10)"); err != nil || n != 1 {
		t.Fatalf("notify: %d %v", n, err)
	}
	for i := 0; i < 3; i++ {
		if _, err := notify.Role(ctx, c.a.db.Pool, "admin", "backup_failed", "Backup failed", fmt.Sprintf("attempt %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	page := expect(t, c.pha.do("GET", "/api/v1/notifications", nil), 200)
	items := page["items"].([]any)
	if len(items) != 1 || page["unread_count"] != float64(1) || items[0].(map[string]any)["title"] != "Low stock" {
		t.Fatalf("pharmacist's notifications: %v", page)
	}
	id := idOf(items[0].(map[string]any))
	if got := expect(t, c.desk.do("GET", "/api/v1/notifications", nil), 200); len(got["items"].([]any)) != 0 {
		t.Errorf("the receptionist sees %v", got)
	}
	expect(t, c.admin.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil), 404) // not theirs
	expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil, CSRFHeader, ""), 403)
	read := expect(t, c.pha.do("POST", fmt.Sprintf("/api/v1/notifications/%d/read", id), nil), 200)
	if read["is_read"] != true {
		t.Errorf("marked: %v", read)
	}
	if got := expect(t, c.pha.do("GET", "/api/v1/notifications?unread=true", nil), 200); len(got["items"].([]any)) != 0 || got["unread_count"] != float64(0) {
		t.Errorf("after reading: %v", got)
	}
	// Pages, newest first; read-all.
	first := expect(t, c.admin.do("GET", "/api/v1/notifications?limit=2", nil), 200)
	if len(first["items"].([]any)) != 2 || first["next_cursor"] == nil || first["items"].([]any)[0].(map[string]any)["message"] != "attempt 2" {
		t.Fatalf("first page: %v", first)
	}
	rest := expect(t, c.admin.do("GET", "/api/v1/notifications?limit=2&cursor="+first["next_cursor"].(string), nil), 200)
	if len(rest["items"].([]any)) != 1 || rest["next_cursor"] != nil {
		t.Fatalf("second page: %v", rest)
	}
	if all := expect(t, c.admin.do("POST", "/api/v1/notifications/read-all", nil), 200); all["updated"] != float64(3) {
		t.Errorf("read-all: %v", all)
	}
	expect(t, c.admin.do("GET", "/api/v1/notifications?cursor=nonsense", nil), 422)
	expect(t, c.admin.do("GET", "/api/v1/notifications?limit=500", nil), 422)
}
