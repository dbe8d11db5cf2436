package cli

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/auth"
	"chelal/internal/config"
	"chelal/internal/db"
	"chelal/internal/importer"
)

// importUsage is the part of `chelal help` about bringing existing records in.
const importUsage = `  chelal import chelal-original [--from postgres://USER:PASS@HOST:5432/chelal_db] [--dry-run]
                              import a whole original Chelal (Django) database in one transaction;
                              without --from, the original's DATABASE_HOST/PORT/NAME/USER/PASSWORD
                              name it (Chelal's own database is then the embedded one or DATABASE_URL)
  chelal import patients|medications|services FILE [--date-format DD/MM/YYYY] [--map field=Column,...]
                              [--dry-run] [--refused OUT.csv]
                              import a CSV or XLSX; --dry-run lists every refused row and writes nothing
  chelal import undo ID       undo spreadsheet import ID while none of its rows changed since
`

// runImport is `chelal import ...`: bring a clinic's existing records in (issue 23).
func runImport(ctx context.Context, env Env, args []string) error {
	if len(args) == 0 {
		return usageErr("import needs chelal-original, patients, medications, services or undo")
	}
	switch args[0] {
	case importer.KindOriginal:
		return runImportOriginal(ctx, env, args[1:])
	case importer.KindPatients, importer.KindMedications, importer.KindServices:
		return runImportSheet(ctx, env, args[0], args[1:])
	case "undo":
		return runImportUndo(ctx, env, args[1:])
	}
	return usageErr("unknown import %q (chelal-original, patients, medications, services, undo)", args[0])
}

// originalEnv names the settings of the original Chelal, as its own settings.py read them.
var originalEnv = []string{"DATABASE_HOST", "DATABASE_PORT", "DATABASE_NAME", "DATABASE_USER", "DATABASE_PASSWORD"}

// originalFromEnv builds the original database's address from the DATABASE_* variables with
// the original's defaults (chelal_db, chelal_user, port 5432), "" when DATABASE_HOST is unset.
func originalFromEnv(getenv func(string) string) (string, error) {
	host := getenv("DATABASE_HOST")
	if host == "" {
		return "", nil
	}
	port := orDefault(getenv("DATABASE_PORT"), "5432")
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("DATABASE_PORT %q is not a port number", port)
	}
	u := url.URL{Scheme: "postgres", Host: host + ":" + port, Path: "/" + orDefault(getenv("DATABASE_NAME"), "chelal_db"),
		User: url.UserPassword(orDefault(getenv("DATABASE_USER"), "chelal_user"), getenv("DATABASE_PASSWORD"))}
	return u.String(), nil
}

func runImportOriginal(ctx context.Context, env Env, args []string) error {
	fs, cfg := newFlags(env, "import chelal-original")
	from := fs.String("from", "", "address of the original Chelal database (postgres://...); default: DATABASE_HOST and its siblings")
	dryRun := fs.Bool("dry-run", false, "list what would be imported and every refused row, and write nothing")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("import chelal-original takes no argument (give the address with --from)")
	}
	src := *from
	if src == "" {
		var err error
		if src, err = originalFromEnv(env.Getenv); err != nil {
			return err
		}
		if src == "" {
			return usageErr("give the original database with --from postgres://... or DATABASE_HOST")
		}
		// The DATABASE_* variables name the original here: Chelal's own database is the
		// embedded one, or DATABASE_URL.
		own := config.Load(func(k string) string {
			if slices.Contains(originalEnv, k) {
				return ""
			}
			return env.Getenv(k)
		})
		own.DataDir, own.Version = cfg.DataDir, cfg.Version // --data-dir, given as a flag
		cfg = own
	}
	if err := cfg.Err(); err != nil {
		return err
	}
	log := newLogger(env, cfg)
	conn, err := pgx.Connect(ctx, src)
	if err != nil {
		return fmt.Errorf("connect to the original database %s: %w", importer.RedactURL(src), err)
	}
	defer conn.Close(context.Background())

	d, dataDir, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	box, err := auth.LoadOrCreateKey(filepath.Join(dataDir, "secret.key"))
	if err != nil {
		return err
	}
	rep, err := importer.ImportOriginal(ctx, conn, d, importer.RedactURL(src), importer.OriginalOptions{DryRun: *dryRun, Box: box, Actor: db.Actor{}})
	if err != nil {
		return err
	}
	rep.Print(env.Stdout)
	return nil
}

func runImportSheet(ctx context.Context, env Env, kind string, args []string) error {
	fs, cfg := newFlags(env, "import "+kind)
	dateFormat := fs.String("date-format", "", "how the file writes dates: DD/MM/YYYY, MM/DD/YYYY, YYYY-MM-DD, DD.MM.YYYY or DD-MM-YYYY")
	mapping := fs.String("map", "", "columns of the fields, e.g. first_name=Prénom,last_name=Nom (default: remembered, else guessed from the titles)")
	dryRun := fs.Bool("dry-run", false, "show the mapping, the first rows and every refused row, and write nothing")
	refused := fs.String("refused", "", "write the refused rows, each with its reason, to this CSV file")
	if len(args) == 0 {
		return usageErr("import %s needs a file", kind)
	}
	file := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("import %s takes one file", kind)
	}
	o := importer.SheetOptions{Kind: kind, FileName: filepath.Base(file), DateFormat: *dateFormat, DryRun: *dryRun, PreviewRows: 5}
	if *mapping != "" {
		o.Mapping = map[string]string{}
		for _, pair := range strings.Split(*mapping, ",") {
			field, col, ok := strings.Cut(pair, "=")
			if !ok {
				return usageErr("--map wants field=Column pairs separated by commas")
			}
			o.Mapping[strings.TrimSpace(field)] = strings.TrimSpace(col)
		}
	}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := cfg.Err(); err != nil {
		return err
	}
	log := newLogger(env, cfg)
	d, _, err := openDB(ctx, cfg, log, true)
	if err != nil {
		return err
	}
	defer d.Close()
	rep, err := importer.ImportSheet(ctx, d, db.Actor{}, f, o, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Columns: %s\nMapping:", strings.Join(rep.Columns, " | "))
	for _, fl := range rep.Fields {
		fmt.Fprintf(env.Stdout, " %s=%q", fl.Name, rep.Mapping[fl.Name])
	}
	fmt.Fprintf(env.Stdout, "\nDates: %s\n", orDefault(rep.DateFormat, "(not declared)"))
	rep.Print(env.Stdout)
	if *refused != "" {
		out, err := os.Create(*refused)
		if err != nil {
			return err
		}
		if err := rep.WriteRefused(out); err != nil {
			return errors.Join(err, out.Close())
		}
		if err := out.Close(); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Refused rows written to %s\n", *refused)
	}
	return nil
}

func runImportUndo(ctx context.Context, env Env, args []string) error {
	fs, cfg := newFlags(env, "import undo")
	if len(args) == 0 {
		return usageErr("import undo needs the import's number")
	}
	id, err := strconv.ParseInt(args[0], 10, 64)
	if err != nil || id < 1 {
		return usageErr("import undo needs the import's number, not %q", args[0])
	}
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := cfg.Err(); err != nil {
		return err
	}
	d, _, err := openDB(ctx, cfg, newLogger(env, cfg), true)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := importer.Undo(ctx, d, db.Actor{}, id); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Import #%d undone.\n", id)
	return nil
}

// orDefault is v, or def when v is empty.
func orDefault(v, def string) string {
	if v == "" {
		return def
	}
	return v
}
