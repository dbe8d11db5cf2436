// Package dbtest gives each test its own real PostgreSQL database: one bundled server per test
// package (on /dev/shm, fsync off), one migrated template, and a template clone per test.
//
//	func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }
//	func TestX(t *testing.T) { t.Parallel(); d := dbtest.New(t); ... }
//
// CHELAL_TEST_DATABASE_URL points the harness at an external server instead (e.g. a
// PostgreSQL 15, to prove the migrations run there); its user must be allowed to create databases.
package dbtest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

const templateName = "chelal_template"

var (
	mu      sync.Mutex
	adminDB *db.DB // connected to the maintenance database of the test server
	baseDSN string
	counter atomic.Int64
	prefix  string
)

// Main starts the package's server, migrates the template, runs the tests and stops the server.
// It returns the exit code for os.Exit.
func Main(m *testing.M) int {
	code, err := run(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, "dbtest:", err)
		return 1
	}
	return code
}

func run(m *testing.M) (int, error) {
	ctx := context.Background()
	if !flag.Parsed() {
		flag.Parse()
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	prefix = fmt.Sprintf("t%d_", os.Getpid())

	var stop func()
	if ext := os.Getenv("CHELAL_TEST_DATABASE_URL"); ext != "" {
		baseDSN = ext
		stop = func() {}
	} else {
		root := Root()
		sweepOrphans(root)
		dir := filepath.Join(root, fmt.Sprintf("cluster-%d", os.Getpid()))
		e, err := db.StartEmbedded(ctx, db.EmbeddedOptions{
			Dir:         dir,
			BinariesDir: filepath.Join(root, "bin"),
			Logger:      log,
			Ephemeral:   true,
			Parameters:  map[string]string{"max_connections": "300"},
		})
		if err != nil {
			return 0, err
		}
		baseDSN = e.DSN()
		stop = func() {
			if err := e.Stop(); err != nil {
				fmt.Fprintln(os.Stderr, "dbtest: stop:", err)
			}
			_ = os.RemoveAll(dir)
		}
	}
	defer stop()

	var err error
	adminDB, err = db.Connect(ctx, baseDSN)
	if err != nil {
		return 0, err
	}
	defer adminDB.Close()
	if err := createTemplate(ctx, log); err != nil {
		return 0, err
	}
	defer func() {
		_, _ = adminDB.Pool.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{prefix + templateName}.Sanitize()+" WITH (FORCE)")
	}()
	return m.Run(), nil
}

// Root is where test clusters live: /dev/shm when it exists (fast), the temp dir otherwise.
func Root() string {
	base := os.TempDir()
	if st, err := os.Stat("/dev/shm"); err == nil && st.IsDir() {
		base = "/dev/shm"
	}
	return filepath.Join(base, fmt.Sprintf("chelal-test-%d", os.Geteuid()))
}

func createTemplate(ctx context.Context, log *slog.Logger) error {
	name := prefix + templateName
	if _, err := adminDB.Pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	if err := db.Migrate(ctx, dsnFor(name), log); err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	return nil
}

// New returns a fresh database migrated to the newest schema, dropped when the test ends.
func New(t testing.TB) *db.DB {
	t.Helper()
	return clone(t, prefix+templateName)
}

// NewEmpty returns a fresh database with no migrations applied, dropped when the test ends.
func NewEmpty(t testing.TB) *db.DB {
	t.Helper()
	return clone(t, "template0")
}

// ID runs sql, a statement returning one integer (INSERT ... RETURNING id), on d and returns
// it; a failure fails the test. For the fixtures a test writes by hand.
func ID(t testing.TB, d *db.DB, sql string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := d.Pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return v
}

// User adds a staff member of role (a core_role name) and returns its id: username, the
// e-mail username@clinic.test, the names given ("": none) and a password no login matches.
// The fixture every domain's tests start from; a test of logging in makes its own.
func User(t testing.TB, d *db.DB, role, username, first, last string) int64 {
	t.Helper()
	return ID(t, d, `
		INSERT INTO auth_user (username, email, password, first_name, last_name, role_id)
		SELECT $1::text, $1::text || '@clinic.test', 'x', nullif($2, ''), nullif($3, ''), id FROM core_role WHERE name = $4
		RETURNING id`, username, first, last, role)
}

// Patient adds a patient and returns its id: its number (unique_id), names, date of birth
// (YYYY-MM-DD) and gender.
func Patient(t testing.TB, d *db.DB, uniqueID, first, last, born, gender string) int64 {
	t.Helper()
	return ID(t, d, `
		INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
		VALUES ($1, $2, $3, $4::date, $5) RETURNING id`, uniqueID, first, last, born, gender)
}

// DSN returns a connection string to the named database on the test server.
func DSN(name string) string { return dsnFor(name) }

func clone(t testing.TB, template string) *db.DB {
	t.Helper()
	if adminDB == nil {
		t.Fatal("dbtest: no test server: call dbtest.Main from TestMain")
	}
	ctx := context.Background()
	name := fmt.Sprintf("%sd%d", prefix, counter.Add(1))
	// CREATE DATABASE ... TEMPLATE fails if another session uses the template at that moment;
	// clones are serialised, which costs little (each takes milliseconds on /dev/shm).
	mu.Lock()
	_, err := adminDB.Pool.Exec(ctx, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
		pgx.Identifier{name}.Sanitize(), pgx.Identifier{template}.Sanitize()))
	mu.Unlock()
	if err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	d, err := db.Connect(ctx, dsnFor(name))
	if err != nil {
		t.Fatalf("dbtest: connect: %v", err)
	}
	t.Cleanup(func() {
		d.Close()
		if _, err := adminDB.Pool.Exec(context.Background(), "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			t.Errorf("dbtest: drop %s: %v", name, err)
		}
	})
	return d
}

func dsnFor(name string) string {
	u, err := url.Parse(baseDSN)
	if err != nil {
		panic(fmt.Sprintf("dbtest: bad base DSN: %v", err))
	}
	u.Path = "/" + name
	return u.String()
}

// sweepOrphans stops and removes test clusters whose test process died without cleaning up
// (a panic or a timeout skips TestMain's deferred Stop).
func sweepOrphans(root string) {
	dirs, _ := filepath.Glob(filepath.Join(root, "cluster-*"))
	for _, dir := range dirs {
		pid, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(dir), "cluster-"))
		if err != nil || processAlive(pid) {
			continue
		}
		if b, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid")); err == nil {
			if pgPid, err := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])); err == nil && pgPid > 0 {
				_ = syscall.Kill(pgPid, syscall.SIGQUIT)
				deadline := time.Now().Add(5 * time.Second)
				for processAlive(pgPid) && time.Now().Before(deadline) {
					time.Sleep(50 * time.Millisecond)
				}
				_ = syscall.Kill(pgPid, syscall.SIGKILL)
			}
		}
		_ = os.RemoveAll(dir)
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
