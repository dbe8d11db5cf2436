// Package importer brings a clinic's existing records into Chelal (issue 23): a whole original
// Chelal database (Django/PostgreSQL, the seed's schema) and spreadsheets (CSV, XLSX) of
// patients and of medications with their opening stock.
//
// Every import runs in one transaction: it brings in every acceptable row, lists every refused
// row with the reason, and either commits all of it or, in a dry run, nothing. Rows the
// database refuses (a CHECK, a unique index) are caught one by one with a savepoint, so one bad
// row never hides the others. Each import is a core_importrun row (what, from where, by whom,
// how many rows: audited like any change), and core_importrow maps each source row to the row
// it became.
package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Refusal is a source row left out (or, as a note, brought in changed), with the reason.
type RowRefusal struct {
	Table  string `json:"table"`
	Row    int64  `json:"row"` // the original id, or the spreadsheet's line number
	Reason string `json:"reason"`
}

// Count is what happened to the rows of one source table.
type TableCount struct {
	Table    string `json:"table"`
	Read     int    `json:"read"`
	Imported int    `json:"imported"`
	Refused  int    `json:"refused"`
}

// Report is the outcome of an import or of its dry run.
type Report struct {
	Kind     string       `json:"kind"`
	Source   string       `json:"source"`
	DryRun   bool         `json:"dry_run"`
	ImportID int64        `json:"import_id,omitempty"` // 0 in a dry run
	Counts   []TableCount `json:"counts"`
	Refused  []RowRefusal `json:"refused"`
	Notes    []RowRefusal `json:"notes"` // rows brought in with a change the user should know of
}

func (r *Report) count(table string) *TableCount {
	for i := range r.Counts {
		if r.Counts[i].Table == table {
			return &r.Counts[i]
		}
	}
	r.Counts = append(r.Counts, TableCount{Table: table})
	return &r.Counts[len(r.Counts)-1]
}

// Imported returns how many rows of table were brought in.
func (r *Report) Imported(table string) int { return r.count(table).Imported }

func (r *Report) refuse(table string, row int64, format string, a ...any) {
	r.count(table).Refused++
	r.Refused = append(r.Refused, RowRefusal{Table: table, Row: row, Reason: fmt.Sprintf(format, a...)})
}

func (r *Report) note(table string, row int64, format string, a ...any) {
	r.Notes = append(r.Notes, RowRefusal{Table: table, Row: row, Reason: fmt.Sprintf(format, a...)})
}

// Print writes the report for a terminal: the counts, then every refused row and every note.
func (r *Report) Print(w io.Writer) {
	mode := "imported"
	if r.DryRun {
		mode = "dry run: nothing was written"
	}
	fmt.Fprintf(w, "Import %s from %s (%s)\n", r.Kind, r.Source, mode)
	fmt.Fprintf(w, "  %-26s %8s %8s %8s\n", "table", "read", "imported", "refused")
	for _, c := range r.Counts {
		fmt.Fprintf(w, "  %-26s %8d %8d %8d\n", c.Table, c.Read, c.Imported, c.Refused)
	}
	if len(r.Refused) > 0 {
		fmt.Fprintf(w, "\nRefused rows (%d):\n", len(r.Refused))
		for _, x := range r.Refused {
			fmt.Fprintf(w, "  %s %d: %s\n", x.Table, x.Row, x.Reason)
		}
	}
	if len(r.Notes) > 0 {
		fmt.Fprintf(w, "\nBrought in with a change (%d):\n", len(r.Notes))
		for _, x := range r.Notes {
			fmt.Fprintf(w, "  %s %d: %s\n", x.Table, x.Row, x.Reason)
		}
	}
	if r.ImportID != 0 {
		fmt.Fprintf(w, "\nImport #%d recorded.\n", r.ImportID)
	}
}

// errDryRun rolls a dry run's transaction back once everything was tried.
var errDryRun = errors.New("dry run")

// rowError says whether err is a row's own fault (a constraint, a bad value), which refuses
// the row, rather than a failure of the import itself.
func rowError(err error) (string, bool) {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return "", false
	}
	switch {
	case strings.HasPrefix(pgErr.Code, "22"), strings.HasPrefix(pgErr.Code, "23"),
		pgErr.Code == "P0001", pgErr.Code == "55000": // data, integrity, a trigger's refusal
	default:
		return "", false
	}
	if reason, ok := constraintReasons[pgErr.ConstraintName]; ok {
		return reason, true
	}
	msg := pgErr.Message
	if pgErr.ConstraintName != "" {
		msg += " (" + pgErr.ConstraintName + ")"
	}
	return msg, true
}

// constraintReasons words the refusals a clinic's old data meets most often.
var constraintReasons = map[string]string{
	"core_appointment_doctor_slot_key":            "the doctor already has an appointment at that date and time",
	"core_appointment_patient_doctor_day_key":     "the patient is already in the doctor's queue that day",
	"core_appointment_date_check":                 "appointment date before 2000",
	"core_patient_date_of_birth_check":            "date of birth before 1880",
	"core_vitals_systolic_bp_check":               "systolic blood pressure out of range",
	"core_vitals_diastolic_bp_check":              "diastolic pressure not below the systolic",
	"core_vitals_heart_rate_check":                "heart rate out of range",
	"core_vitals_respiratory_rate_check":          "respiratory rate out of range",
	"core_vitals_temperature_check":               "temperature out of range (20-50 °C)",
	"core_vitals_oxygen_saturation_check":         "oxygen saturation out of range (0-100 %)",
	"core_vitals_height_check":                    "height out of range",
	"core_vitals_weight_check":                    "weight out of range",
	"core_vitals_some_measure":                    "no measure at all",
	"core_encounter_notes_length":                 "notes longer than 20,000 characters",
	"core_encounter_diagnosis_length":             "diagnosis longer than 2,000 characters",
	"core_prescription_dosage_not_blank":          "no dosage",
	"core_prescription_frequency_not_blank":       "no frequency",
	"core_prescription_medication_name_not_blank": "no medication name",
	"core_notification_title_not_blank":           "no title",
	"core_bill_due_date_check":                    "due date before 2000",
}

// savepoint runs fn in a savepoint of tx. A row's own error rolls the savepoint back and is
// returned as refused (with its reason); any other error is returned as err.
func savepoint(ctx context.Context, tx pgx.Tx, fn func(tx pgx.Tx) error) (refused string, err error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return "", err
	}
	if err := fn(sp); err != nil {
		if rbErr := sp.Rollback(ctx); rbErr != nil {
			return "", errors.Join(err, rbErr)
		}
		if reason, ok := rowError(err); ok {
			return reason, nil
		}
		return "", err
	}
	return "", sp.Commit(ctx)
}

// importRow is one row of core_importrow.
type importRow struct {
	table        string
	oldID, newID int64
}

// recordRun writes the core_importrun row's counts and the map of every imported row.
func recordRun(ctx context.Context, tx pgx.Tx, id int64, r *Report, rows []importRow) error {
	counts := map[string]map[string]int{}
	for _, c := range r.Counts {
		counts[c.Table] = map[string]int{"read": c.Read, "imported": c.Imported, "refused": c.Refused}
	}
	if _, err := tx.Exec(ctx, `UPDATE core_importrun SET counts = $2 WHERE id = $1`, id, counts); err != nil {
		return fmt.Errorf("record import: %w", err)
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].table < rows[j].table })
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"core_importrow"}, []string{"import_id", "table_name", "old_id", "new_id"},
		pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
			return []any{id, rows[i].table, rows[i].oldID, rows[i].newID}, nil
		}))
	if err != nil {
		return fmt.Errorf("record imported rows: %w", err)
	}
	return nil
}
