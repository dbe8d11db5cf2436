// Package audit is Chelal's audit trail: the rows the database triggers write for every change,
// the rows the application adds for what triggers cannot see (logins, logouts, denied requests,
// each opening of a patient's chart), and the administrators' query over both.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/db"
)

// Actions the application records (the triggers record create, update and delete).
const (
	ActionLogin       = "login"
	ActionLoginFailed = "login_failed"
	ActionLoginLocked = "login_locked"
	// ActionLoginOTPRequired: the password was right and the second factor is still to come.
	ActionLoginOTPRequired = "login_otp_required"
	ActionLogout           = "logout"
	ActionAccessDenied     = "access_denied"
	ActionView             = "view"
	ActionPasswordReset    = "password_reset"
	// ActionReauthFailed: a logged-in user's wrong current password or code (re-authentication).
	ActionReauthFailed = "reauth_failed"
	// ActionReauthLocked: a re-authentication refused by the login throttles.
	ActionReauthLocked = "reauth_locked"
	// ActionLoginUnlocked: an administrator cleared the failed attempts of an account or address.
	ActionLoginUnlocked = "login_unlocked"
)

// Execer is what Record needs: a transaction (so the row commits or vanishes with the change
// it records) or a pool.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// Entry is one application audit row. The acting user and client IP are not fields: they come
// from the transaction settings db.InTx sets, exactly as for the trigger's rows.
type Entry struct {
	Action    string
	ModelName string         // the table concerned, e.g. "auth_user", "core_patient"
	ObjectID  int64          // the row concerned; 0 when there is none (an unknown username)
	Changes   map[string]any // what to remember; never secrets
}

// Record writes e in the transaction tx (run it inside db.InTx so the actor is set).
func Record(ctx context.Context, tx Execer, e Entry) error {
	changes := e.Changes
	if changes == nil {
		changes = map[string]any{}
	}
	body, err := json.Marshal(changes)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	_, err = tx.Exec(ctx, `
		INSERT INTO core_auditlog (user_id, action, model_name, object_id, changes, ip_address)
		VALUES (NULLIF(current_setting('chelal.user_id', true), '')::integer, $1, $2, $3, $4,
		        NULLIF(current_setting('chelal.client_ip', true), '')::inet)`,
		e.Action, e.ModelName, e.ObjectID, body)
	if err != nil {
		return fmt.Errorf("audit %s: %w", e.Action, err)
	}
	return nil
}

// Row is one audit row as the API shows it.
type Row struct {
	ID        int64           `json:"id"`
	UserID    *int64          `json:"user_id"`
	Username  *string         `json:"username"`
	Action    string          `json:"action"`
	ModelName string          `json:"model_name"`
	ObjectID  int64           `json:"object_id"`
	Changes   json.RawMessage `json:"changes"`
	Timestamp time.Time       `json:"timestamp"`
	IPAddress *string         `json:"ip_address"`
}

// Filter selects audit rows; zero fields do not filter.
type Filter struct {
	ModelName string
	ObjectID  int64
	UserID    int64
	// PatientID keeps the rows that concern one patient (see patientRows).
	PatientID int64
	Action    string
	From, To  time.Time // From inclusive, To exclusive
	Limit     int
	Cursor    string // from a previous page's NextCursor
}

// Page is one page of rows, newest first.
type Page = db.Page[Row]

// patientRows says which audit rows concern a patient, by the table they are about: the
// patient's own row (its changes and each opening of the chart), and the rows of the tables that
// hang off a patient: directly by patient_id (appointments, encounters, bills), through the
// encounter (vitals, prescriptions, addenda), the bill (bill items, payments), the prescription
// (dispenses) or the appointment (telemedicine sessions). Each entry maps a table to a query of
// the ids of that table's rows that belong to patient $N. The link is resolved when the log is
// read, from the rows as they are now: clinical rows are never deleted (RESTRICT everywhere) and
// never move to another patient, so this is the same as the patient at the time of the change,
// and it needs no column of its own in the append-only log.
var patientRows = map[string]string{
	"core_patient":             `SELECT $N::integer`,
	"core_appointment":         `SELECT id FROM core_appointment WHERE patient_id = $N`,
	"core_encounter":           `SELECT id FROM core_encounter WHERE patient_id = $N`,
	"core_bill":                `SELECT id FROM core_bill WHERE patient_id = $N`,
	"core_vitals":              `SELECT x.id FROM core_vitals x JOIN core_encounter e ON e.id = x.encounter_id WHERE e.patient_id = $N`,
	"core_prescription":        `SELECT x.id FROM core_prescription x JOIN core_encounter e ON e.id = x.encounter_id WHERE e.patient_id = $N`,
	"core_encounteraddendum":   `SELECT x.id FROM core_encounteraddendum x JOIN core_encounter e ON e.id = x.encounter_id WHERE e.patient_id = $N`,
	"core_billitem":            `SELECT x.id FROM core_billitem x JOIN core_bill b ON b.id = x.bill_id WHERE b.patient_id = $N`,
	"core_payment":             `SELECT x.id FROM core_payment x JOIN core_bill b ON b.id = x.bill_id WHERE b.patient_id = $N`,
	"core_dispense":            `SELECT x.id FROM core_dispense x JOIN core_prescription p ON p.id = x.prescription_id JOIN core_encounter e ON e.id = p.encounter_id WHERE e.patient_id = $N`,
	"core_telemedicinesession": `SELECT x.id FROM core_telemedicinesession x JOIN core_appointment ap ON ap.id = x.appointment_id WHERE ap.patient_id = $N`,
}

// patientCondition is the WHERE condition of the rows about the patient of placeholder ph
// (see patientRows). It
// gathers the matching audit ids table by table, each through the (model_name, object_id)
// index, so that a patient's few rows are found without reading the whole log.
func patientCondition(ph string) string {
	tables := make([]string, 0, len(patientRows))
	for t := range patientRows {
		tables = append(tables, t)
	}
	sort.Strings(tables)
	var parts []string
	for _, t := range tables {
		parts = append(parts, fmt.Sprintf("SELECT x.id FROM core_auditlog x WHERE x.model_name = '%s' AND x.object_id IN (%s)",
			t, strings.ReplaceAll(patientRows[t], "$N", ph)))
	}
	return "a.id IN (" + strings.Join(parts, " UNION ALL ") + ")"
}

// where gathers the conditions and arguments of f (without the cursor).
func (f Filter) where() *db.Where {
	var w db.Where
	if f.ModelName != "" {
		w.Add("a.model_name = $?", f.ModelName)
	}
	if f.ObjectID != 0 {
		w.Add("a.object_id = $?", f.ObjectID)
	}
	if f.UserID != 0 {
		w.Add("a.user_id = $?", f.UserID)
	}
	if f.PatientID != 0 {
		w.Cond(patientCondition(w.Arg(f.PatientID)))
	}
	if f.Action != "" {
		w.Add("a.action = $?", f.Action)
	}
	if !f.From.IsZero() {
		w.Add(`a."timestamp" >= $?`, f.From)
	}
	if !f.To.IsZero() {
		w.Add(`a."timestamp" < $?`, f.To)
	}
	return &w
}

const selectRows = `SELECT a.id, a.user_id, u.username, a.action, a.model_name, a.object_id, a.changes,
	               a."timestamp", host(a.ip_address)
	          FROM core_auditlog a LEFT JOIN auth_user u ON u.id = a.user_id`

func scanRow(r pgx.CollectableRow) (Row, error) {
	var a Row
	err := r.Scan(&a.ID, &a.UserID, &a.Username, &a.Action, &a.ModelName, &a.ObjectID, &a.Changes, &a.Timestamp, &a.IPAddress)
	a.Timestamp = a.Timestamp.UTC()
	return a, err
}

// List returns the rows matching f, newest first, a page at a time (keyset pagination on id,
// so a page is stable while new rows arrive).
func List(ctx context.Context, q db.Querier, f Filter) (Page, error) {
	limit, after, err := db.PageRequest(f.Limit, f.Cursor)
	if err != nil {
		return Page{}, err
	}
	w := f.where()
	if after != 0 {
		w.Add("a.id < $?", after)
	}
	sql := selectRows + w.SQL() + " ORDER BY a.id DESC LIMIT " + w.Arg(limit+1)
	page, err := db.QueryPage(ctx, q, limit, scanRow, func(r Row) string { return db.EncodeCursor(r.ID) },
		sql, w.Args()...)
	if err != nil {
		return page, fmt.Errorf("list audit: %w", err)
	}
	return page, nil
}
