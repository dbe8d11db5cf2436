package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestPostmasterKilledUnderWriteLoad kills the embedded postmaster with SIGKILL while two
// clients register patients through the API: Chelal must notice, restart it, and serve again
// within 10 s; every registration it acknowledged (201) must be there; every other answer is a
// 503 database-unavailable with Retry-After (never a 500); the administrators are notified.
func TestPostmasterKilledUnderWriteLoad(t *testing.T) {
	t.Parallel()
	data, c := serveWithAdmin(t)
	admin := newAPIClient(t, c.addr, "amina", "first password 123")

	var (
		mu        sync.Mutex
		acked     []string // last names of the registrations answered 201
		bad       []string // answers that are neither 201 nor a proper 503
		n503      atomic.Int64
		lastAck   atomic.Int64 // unix nanos of the newest 201
		stop      = make(chan struct{})
		writersWG sync.WaitGroup
	)
	register := func(name string) (int, string, string) {
		body, _ := json.Marshal(map[string]any{"first_name": "Load", "last_name": name, "date_of_birth": "1990-01-01", "gender": "female", "confirm_duplicate": true})
		req, _ := http.NewRequest("POST", admin.base+"/api/v1/patients", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-CSRF-Token", admin.csrf)
		resp, err := admin.http.Do(req)
		if err != nil {
			return 0, "", err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	for w := 0; w < 2; w++ {
		writersWG.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				name := fmt.Sprintf("W%d-%d", w, i)
				status, retry, body := register(name)
				mu.Lock()
				switch {
				case status == http.StatusCreated:
					acked = append(acked, name)
					lastAck.Store(time.Now().UnixNano())
				case status == http.StatusServiceUnavailable && retry != "" && strings.Contains(body, "database-unavailable"):
					n503.Add(1)
					time.Sleep(20 * time.Millisecond)
				default:
					bad = append(bad, fmt.Sprintf("%s: %d %s", name, status, strings.TrimSpace(body)))
				}
				mu.Unlock()
			}
		})
	}
	defer func() {
		select {
		case <-stop:
		default:
			close(stop)
		}
		writersWG.Wait()
	}()

	// Let some registrations commit, then kill the postmaster mid-load.
	deadline := time.Now().Add(30 * time.Second)
	for {
		mu.Lock()
		n := len(acked)
		mu.Unlock()
		if n >= 20 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d registrations in 30 s before the kill", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	pgPid := postmasterPID(data)
	if pgPid == 0 {
		t.Fatal("no postmaster.pid while Chelal runs")
	}
	mustKill(t, pgPid)
	killed := time.Now()

	// Service back within 10 s: a new postmaster runs, health answers 200, and a registration
	// is acknowledged again after that. (Backends outlive their postmaster for a moment, so
	// answers right after the kill prove nothing.)
	client := &http.Client{Timeout: 2 * time.Second}
	var restartedAt time.Time
	for {
		healthy := false
		if pid := postmasterPID(data); restartedAt.IsZero() && pid != 0 && pid != pgPid {
			restartedAt = time.Now()
		}
		if !restartedAt.IsZero() {
			if resp, err := client.Get("http://" + c.addr + "/api/v1/health"); err == nil {
				healthy = resp.StatusCode == http.StatusOK
				resp.Body.Close()
			}
		}
		if healthy && lastAck.Load() > restartedAt.UnixNano() {
			break
		}
		if time.Since(killed) > 10*time.Second {
			t.Fatalf("service not back 10 s after kill -9 of the postmaster (healthy %v)\n%s", healthy, c.out.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	back := time.Since(killed)
	time.Sleep(500 * time.Millisecond) // a little more load on the restarted server
	close(stop)
	writersWG.Wait()

	mu.Lock()
	defer mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("%d answers were neither 201 nor 503 database-unavailable, e.g. %s", len(bad), bad[0])
	}
	conn := connect(t, embeddedDSN(t, data))
	rows, err := conn.Query(context.Background(), `SELECT last_name FROM core_patient WHERE first_name = 'Load'`)
	if err != nil {
		t.Fatal(err)
	}
	stored := map[string]bool{}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		stored[name] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	lost := 0
	for _, name := range acked {
		if !stored[name] {
			lost++
		}
	}
	if lost > 0 {
		t.Fatalf("%d of %d acknowledged registrations were lost", lost, len(acked))
	}
	if postmasterPID(data) == pgPid {
		t.Fatalf("postmaster.pid still names the killed %d", pgPid)
	}
	out := c.out.String()
	for _, want := range []string{"stopped unexpectedly; restarting it", "was restarted"} {
		if !strings.Contains(out, want) {
			t.Errorf("the log does not say %q:\n%s", want, out)
		}
	}
	var notes struct {
		Items []struct {
			Title string `json:"title"`
		} `json:"items"`
	}
	found := false
	for end := time.Now().Add(5 * time.Second); !found && time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
		admin.call("GET", "/api/v1/notifications", nil, &notes)
		for _, n := range notes.Items {
			found = found || n.Title == "Database restarted"
		}
	}
	if !found {
		t.Errorf("the administrator was not notified of the restart: %+v", notes.Items)
	}
	t.Logf("back %s after kill -9; %d registrations acknowledged and kept, %d answered 503", back.Round(time.Millisecond), len(acked), n503.Load())
	c.stop(t)
}

// TestDiskFullAtStart starts Chelal on a data folder whose disk (a 16 MB tmpfs) cannot hold
// it: the start fails at once with a message naming the folder, the free space and the space
// needed, instead of a half-unpacked server and an error from deep inside.
func TestDiskFullAtStart(t *testing.T) {
	t.Parallel()
	data, err := os.MkdirTemp(workDir, "full-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16m,mode=0755", "tmpfs", data).CombinedOutput(); err != nil {
		t.Fatalf("mount a small tmpfs: %v: %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("umount", "-l", data).Run() })
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
	want := "the disk holding " + filepath.Join(data, "pg") + " is full: "
	if code == 0 || !strings.Contains(out, want) || !strings.Contains(out, "MB free, and Chelal needs at least") || !strings.Contains(out, "Free some space") {
		t.Fatalf("exit %d, want a message with %q, the free and the needed space; output:\n%s", code, want, out)
	}
	if strings.Count(strings.TrimSpace(out), "\n") > 3 {
		t.Errorf("the refusal should be a few lines, not a trace:\n%s", out)
	}
	if testing.Verbose() {
		t.Logf("refused with:\n%s", out)
	}
}

// TestNewerSchemaRefused: data migrated by a newer Chelal (a schema version this binary has no
// migration for) is refused at start with both numbers and what to do, and left as it was.
func TestNewerSchemaRefused(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	c := startServe(t, data)
	conn := connect(t, embeddedDSN(t, data))
	ctx := context.Background()
	var latest int
	if err := conn.QueryRow(ctx, `SELECT version FROM schema_migrations`).Scan(&latest); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `UPDATE schema_migrations SET version = $1`, latest+1); err != nil {
		t.Fatal(err)
	}
	_ = conn.Close(ctx)
	c.stop(t)

	out, code := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "serve", "--addr", freeAddr(t))
	want := fmt.Sprintf("made by a newer Chelal (schema %d); this is schema %d: install the newer version", latest+1, latest)
	if code == 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d, want %q in:\n%s", code, want, out)
	}
	out2, _ := runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "migrate", "status")
	if !strings.Contains(out2, fmt.Sprintf("schema version %04d of %04d", latest+1, latest)) {
		t.Fatalf("the newer schema was changed; migrate status:\n%s", out2)
	}
}
