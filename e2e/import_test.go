package e2e

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportCommands: a clinic moving from the original Chelal runs `chelal import
// chelal-original` against the old database (named by the original's own DATABASE_*
// settings), first as a dry run; its users then log in to the new Chelal with their old
// passwords. A register kept in a spreadsheet comes in with `chelal import patients`.
func TestImportCommands(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// The original's PostgreSQL: a database chelal_db on another Chelal's embedded server.
	host := newDataDir(t)
	hostServe := startServe(t, host)
	defer hostServe.stop(t)
	admin := connect(t, embeddedDSN(t, host))
	if _, err := admin.Exec(ctx, `CREATE DATABASE chelal_db`); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(embeddedDSN(t, host))
	if err != nil {
		t.Fatal(err)
	}
	pw, _ := u.User.Password()
	u.Path = "/chelal_db"
	orig := connect(t, u.String())
	if _, err := orig.Exec(ctx, `
		CREATE TABLE core_role (id serial PRIMARY KEY, name varchar(50) UNIQUE NOT NULL, description text);
		CREATE TABLE auth_user (id serial PRIMARY KEY, username varchar(150) UNIQUE NOT NULL, email varchar(254) UNIQUE NOT NULL,
		    password varchar(128) NOT NULL, first_name varchar(150), last_name varchar(150), is_active boolean DEFAULT true,
		    date_joined timestamp NOT NULL, role_id integer REFERENCES core_role (id), language_preference varchar(10) DEFAULT 'en',
		    preferences jsonb, profile_image varchar(100), two_factor_enabled boolean DEFAULT false, two_factor_secret varchar(64));
		CREATE TABLE core_patient (id serial PRIMARY KEY, unique_id varchar(32) UNIQUE NOT NULL, first_name varchar(100) NOT NULL,
		    last_name varchar(100) NOT NULL, date_of_birth date NOT NULL, gender varchar(10) NOT NULL, contact_info varchar(255),
		    address varchar(255), known_allergies text, created_at timestamp NOT NULL, updated_at timestamp NOT NULL);
		INSERT INTO core_role VALUES (1, 'Doctor', NULL);
		INSERT INTO auth_user (username, email, password, first_name, last_name, date_joined, role_id) VALUES
		    ('olddoc', 'olddoc@old.test', 'pbkdf2_sha256$260000$seasalt123$kxU6il220OIKJLp1MtFkmidiZcUA9xAc+gqAq+Ln5CE=', 'Old', 'Doc', '2019-01-01', 1);
		INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, contact_info, created_at, updated_at) VALUES
		    ('P-0001', 'José', 'Müller', '1988-03-15', 'M', NULL, '2020-01-01', '2020-01-01'),
		    ('P-0002', '', 'Nameless', '1988-03-15', 'F', NULL, '2020-01-01', '2020-01-01');`); err != nil {
		t.Fatal(err)
	}

	data := newDataDir(t)
	env := []string{"CHELAL_DATA_DIR=" + data, "DATABASE_HOST=127.0.0.1", "DATABASE_PORT=" + u.Port(),
		"DATABASE_NAME=chelal_db", "DATABASE_USER=chelal", "DATABASE_PASSWORD=" + pw}
	out, code := runChelal(t, false, env, "import", "chelal-original", "--dry-run")
	if code != 0 || !strings.Contains(out, "dry run") || !strings.Contains(out, "core_patient 2: no first name") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if strings.Contains(out, pw) {
		t.Fatalf("the report shows the original's password:\n%s", out)
	}
	out, code = runChelal(t, false, env, "import", "chelal-original")
	if code != 0 || !strings.Contains(out, "recorded.") || !strings.Contains(out, "core_patient                      2        1        1") {
		t.Fatalf("import: exit %d\n%s", code, out)
	}
	out, code = runChelal(t, false, env, "import", "chelal-original")
	if code == 0 || !strings.Contains(out, "imported already") {
		t.Fatalf("second import: exit %d\n%s", code, out)
	}

	// A spreadsheet, from a folder the chelal user can read.
	sheets := filepath.Join(data, "sheets")
	if err := os.Mkdir(sheets, 0o755); err != nil {
		t.Fatal(err)
	}
	mustWrite(t, filepath.Join(sheets, "register.csv"), "First name,Last name,Date of birth,Sex,Phone\nAmina,Hassan,03/04/1990,F,0722 000 111\nBad,Date,1990-04-03,F,\n")
	chownR(t, sheets)
	refused := filepath.Join(sheets, "refused.csv")
	out, code = runChelal(t, false, []string{"CHELAL_DATA_DIR=" + data}, "import", "patients", filepath.Join(sheets, "register.csv"),
		"--date-format", "DD/MM/YYYY", "--refused", refused)
	if code != 0 || !strings.Contains(out, "patients 3: date_of_birth") {
		t.Fatalf("import patients: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(refused); err != nil || !strings.Contains(string(b), "Bad,Date") {
		t.Fatalf("refused rows file: %q %v", b, err)
	}

	c := startServe(t, data)
	defer c.stop(t)
	if st := login(t, c.addr, "olddoc", "correct horse battery"); st != http.StatusOK {
		t.Fatalf("login with the original password: %d", st)
	}
	if st := login(t, c.addr, "olddoc", "correct horse battery"); st != http.StatusOK {
		t.Fatalf("second login (Argon2id now): %d", st)
	}
}
