package db_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"chelal/internal/db"
	"chelal/internal/db/dbtest"
)

// tablesByVersion lists the tables each migration creates.
var tablesByVersion = map[uint][]string{
	1: {"auth_user", "core_appointment", "core_encounter", "core_patient", "core_prescription", "core_role", "core_vitals"},
	2: {"core_auditlog"},
	3: {"core_inventoryitem", "core_medicationcategory", "core_medicationitem"},
	4: {"core_bill", "core_billitem", "core_payment", "core_servicecatalog"},
	5: {"core_notification"},
	6: {"core_telemedicinesession"},
}

// seedVersion is the last migration of the seed's history; later migrations may add tables,
// which these tests tolerate but do not describe.
const seedVersion = 6

// tablesUpTo is every table that exists at schema version v, sorted.
func tablesUpTo(v uint) []string {
	var all []string
	for i := uint(1); i <= v; i++ {
		all = append(all, tablesByVersion[i]...)
	}
	slices.Sort(all)
	return all
}

// chelalTables lists the tables of the database's schema, except golang-migrate's own.
func chelalTables(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Pool.Query(context.Background(), `
		SELECT table_name FROM information_schema.tables
		 WHERE table_schema = current_schema() AND table_name <> 'schema_migrations'
		 ORDER BY table_name`)
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list tables: %v", err)
	}
	return names
}

// chelalFunctions lists the chelal_* functions of the database's schema.
func chelalFunctions(t *testing.T, d *db.DB) []string {
	t.Helper()
	rows, err := d.Pool.Query(context.Background(), `
		SELECT p.proname::text FROM pg_proc p
		 WHERE p.pronamespace = current_schema()::regnamespace AND p.proname LIKE 'chelal%'
		 ORDER BY 1`)
	if err != nil {
		t.Fatalf("list functions: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("list functions: %v", err)
	}
	return names
}

func newMigrator(t *testing.T, d *db.DB) *db.Migrator {
	t.Helper()
	mg, err := db.NewMigrator(d.DSN(), nil)
	if err != nil {
		t.Fatalf("new migrator: %v", err)
	}
	t.Cleanup(func() { _ = mg.Close() })
	return mg
}

// wantVersion checks the migrator's status and that exactly the tables of version v exist
// (for a version after the seed's history: at least the seed's tables).
func wantVersion(t *testing.T, mg *db.Migrator, d *db.DB, v uint) {
	t.Helper()
	st, err := mg.Status(context.Background())
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if st.Version != v || st.Dirty {
		t.Fatalf("status: version %d dirty %v, want version %d clean", st.Version, st.Dirty, v)
	}
	got := chelalTables(t, d)
	if v > seedVersion {
		for _, table := range tablesUpTo(seedVersion) {
			if !slices.Contains(got, table) {
				t.Fatalf("at version %d table %s is missing", v, table)
			}
		}
		return
	}
	if want := tablesUpTo(v); !slices.Equal(got, want) {
		t.Fatalf("at version %d tables are\n  %v\nwant\n  %v", v, got, want)
	}
}

func TestMigrationsUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.NewEmpty(t)
	mg := newMigrator(t, d)

	wantVersion(t, mg, d, 0)
	if err := mg.To(ctx, seedVersion); err != nil {
		t.Fatalf("up to %d: %v", seedVersion, err)
	}
	wantVersion(t, mg, d, seedVersion)
	st, err := mg.Status(ctx)
	if err != nil {
		t.Fatalf("status: %v", err)
	}
	if len(st.All) < seedVersion || !slices.Equal(st.All[:seedVersion], []uint{1, 2, 3, 4, 5, 6}) || st.Latest != st.All[len(st.All)-1] {
		t.Fatalf("status: latest %d all %v, want 1..6 first", st.Latest, st.All)
	}
	if err := mg.Up(ctx); err != nil {
		t.Fatalf("up: %v", err)
	}
	wantVersion(t, mg, d, st.Latest)

	if err := mg.To(ctx, 0); err != nil {
		t.Fatalf("down to 0: %v", err)
	}
	wantVersion(t, mg, d, 0)
	if got := chelalTables(t, d); len(got) != 0 {
		t.Fatalf("tables left after down to 0: %v", got)
	}
	if got := chelalFunctions(t, d); len(got) != 0 {
		t.Fatalf("functions left after down to 0: %v", got)
	}

	if err := mg.Up(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	wantVersion(t, mg, d, st.Latest)
	var roles int
	if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_role`).Scan(&roles); err != nil || roles != 7 {
		t.Fatalf("roles after up again: %d, %v; want 7 (the six, and lab of 0032)", roles, err)
	}
}

func TestMigrationsStepByStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.NewEmpty(t)
	mg := newMigrator(t, d)

	step := func(n int, want uint) {
		t.Helper()
		if err := mg.Steps(ctx, n); err != nil {
			t.Fatalf("steps(%d) towards %d: %v", n, want, err)
		}
		wantVersion(t, mg, d, want)
	}
	for v := uint(1); v <= seedVersion; v++ {
		step(1, v)
		step(-1, v-1)
		step(1, v)
	}
	for v := uint(seedVersion); v > 0; v-- {
		step(-1, v-1)
		if v == 2 {
			// 0002's down also removes the audit triggers it put on 0001's tables.
			var n int
			if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_trigger WHERE tgname = 'chelal_audit'`).Scan(&n); err != nil || n != 0 {
				t.Fatalf("chelal_audit triggers left at version 1: %d, %v", n, err)
			}
		}
	}
	if got := chelalFunctions(t, d); len(got) != 0 {
		t.Fatalf("functions left at version 0: %v", got)
	}
}

// colSpec is one expected column.
type colSpec struct {
	name     string
	typ      string // information_schema.columns.data_type
	size     string // varchar: character_maximum_length; numeric: "precision,scale"
	nullable bool
	def      string // text the column_default must contain; "" checks nothing
}

const (
	opt = true  // nullable
	req = false // NOT NULL
)

func idCol() colSpec      { return colSpec{"id", "integer", "", req, ""} }
func versionCol() colSpec { return colSpec{"version", "integer", "", req, "1"} }
func tsCol(name string) colSpec {
	return colSpec{name, "timestamp with time zone", "", req, "now()"}
}

// schemaSpec is the seed's tables as Chelal stores them (plus version/updated_at and the
// tables the seed references without defining).
var schemaSpec = map[string][]colSpec{
	"core_role": {
		idCol(),
		{"name", "character varying", "50", req, ""},
		{"description", "text", "", opt, ""},
		tsCol("updated_at"), versionCol(),
	},
	"auth_user": {
		idCol(),
		{"username", "character varying", "150", req, ""},
		{"email", "character varying", "254", req, ""},
		{"password", "character varying", "128", req, ""},
		{"first_name", "character varying", "150", opt, ""},
		{"last_name", "character varying", "150", opt, ""},
		{"is_active", "boolean", "", req, "true"},
		tsCol("date_joined"),
		{"role_id", "integer", "", opt, ""},
		{"language_preference", "character varying", "10", req, "'en'"},
		{"preferences", "jsonb", "", req, "'{}'"},
		{"profile_image", "character varying", "100", opt, ""},
		{"two_factor_enabled", "boolean", "", req, "false"},
		{"two_factor_secret", "character varying", "64", opt, ""},
		tsCol("updated_at"), versionCol(),
	},
	"core_patient": {
		idCol(),
		{"unique_id", "character varying", "32", req, ""},
		{"first_name", "character varying", "100", req, ""},
		{"last_name", "character varying", "100", req, ""},
		{"date_of_birth", "date", "", req, ""},
		{"gender", "character varying", "10", req, ""},
		{"contact_info", "character varying", "255", opt, ""},
		{"address", "character varying", "255", opt, ""},
		{"known_allergies", "text", "", opt, ""},
		{"birth_date_estimated", "boolean", "", req, "false"}, // since 0020: registered by age
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_appointment": {
		idCol(),
		{"patient_id", "integer", "", req, ""},
		{"doctor_id", "integer", "", req, ""},
		{"date", "date", "", req, ""},
		{"time", "time without time zone", "", req, ""},
		{"status", "character varying", "20", req, "'scheduled'"},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_encounter": {
		idCol(),
		{"patient_id", "integer", "", req, ""},
		{"appointment_id", "integer", "", opt, ""},
		{"doctor_id", "integer", "", req, ""},
		{"notes", "text", "", req, ""},
		{"diagnosis", "text", "", opt, ""},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_prescription": {
		idCol(),
		{"encounter_id", "integer", "", req, ""},
		{"medication_name", "character varying", "255", req, ""},
		{"dosage", "character varying", "100", req, ""},
		{"frequency", "character varying", "100", req, ""},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_vitals": {
		idCol(),
		{"encounter_id", "integer", "", req, ""},
		// NOT NULL in the seed; optional since 0020 (a nurse records what she measured; the
		// core_vitals_some_measure check wants one measure at least).
		{"systolic_bp", "integer", "", opt, ""},
		{"diastolic_bp", "integer", "", opt, ""},
		{"heart_rate", "integer", "", opt, ""},
		{"respiratory_rate", "integer", "", opt, ""},
		{"temperature", "numeric", "4,1", opt, ""},
		{"oxygen_saturation", "numeric", "5,2", opt, ""},
		{"height", "numeric", "5,1", opt, ""},
		{"weight", "numeric", "5,1", opt, ""},
		{"bmi", "numeric", "4,1", opt, ""},
		tsCol("recorded_at"), tsCol("updated_at"), versionCol(),
	},
	"core_inventoryitem": {
		idCol(),
		{"name", "character varying", "255", req, ""},
		{"description", "text", "", opt, ""},
		{"quantity", "integer", "", req, "0"},
		{"unit", "character varying", "50", req, "'tablet'"},
		tsCol("updated_at"), versionCol(),
	},
	"core_medicationcategory": {
		idCol(),
		{"name", "character varying", "100", req, ""},
		{"description", "text", "", opt, ""},
		tsCol("updated_at"), versionCol(),
	},
	"core_medicationitem": {
		idCol(),
		{"name", "character varying", "255", req, ""},
		{"description", "text", "", opt, ""},
		{"category_id", "integer", "", req, ""},
		{"strength", "character varying", "100", req, ""},
		{"form", "character varying", "100", req, ""},
		{"requires_prescription", "boolean", "", req, "true"},
		{"stock_quantity", "integer", "", req, "0"},
		{"reorder_level", "integer", "", req, "10"},
		{"unit_price", "numeric", "12,2", req, ""},
		{"expiry_date", "date", "", opt, ""},
		{"generic_name", "text", "", opt, ""}, // since 0030: the substance of a brand, for the allergy check
		tsCol("updated_at"), versionCol(),
	},
	"core_servicecatalog": {
		idCol(),
		{"name", "character varying", "255", req, ""},
		{"code", "character varying", "50", req, ""},
		{"category", "character varying", "20", req, "'other'"},
		{"price", "numeric", "12,2", req, ""},
		{"is_active", "boolean", "", req, "true"},
		{"description", "text", "", opt, ""},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_bill": {
		idCol(),
		{"patient_id", "integer", "", req, ""},
		{"total_amount", "numeric", "12,2", req, ""},
		{"paid_amount", "numeric", "12,2", req, "0"},
		{"status", "character varying", "20", req, "'pending'"},
		tsCol("created_at"),
		{"due_date", "date", "", req, ""},
		tsCol("updated_at"), versionCol(),
	},
	"core_billitem": {
		idCol(),
		{"bill_id", "integer", "", req, ""},
		{"service_catalog_id", "integer", "", opt, ""}, // 0010: medication lines and credits have none
		{"quantity", "integer", "", req, "1"},
		{"unit_price", "numeric", "12,2", req, ""},
		{"total_price", "numeric", "12,2", req, ""},
		{"description", "text", "", opt, ""},
		tsCol("updated_at"), versionCol(),
	},
	"core_payment": {
		idCol(),
		{"bill_id", "integer", "", req, ""},
		{"amount", "numeric", "12,2", req, ""},
		{"payment_method", "character varying", "50", req, ""},
		{"transaction_id", "character varying", "100", opt, ""},
		tsCol("payment_date"),
		{"notes", "text", "", opt, ""},
		tsCol("updated_at"), versionCol(),
	},
	"core_notification": {
		idCol(),
		{"user_id", "integer", "", req, ""},
		{"title", "character varying", "255", req, ""},
		{"message", "text", "", req, ""},
		{"notification_type", "character varying", "50", req, ""},
		{"is_read", "boolean", "", req, "false"},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
	"core_auditlog": {
		idCol(),
		{"user_id", "integer", "", opt, ""},
		{"action", "character varying", "100", req, ""},
		{"model_name", "character varying", "100", req, ""},
		{"object_id", "integer", "", req, ""},
		{"changes", "jsonb", "", req, ""},
		tsCol("timestamp"),
		{"ip_address", "inet", "", opt, ""},
	},
	"core_telemedicinesession": {
		idCol(),
		{"appointment_id", "integer", "", req, ""},
		{"room_id", "uuid", "", req, "gen_random_uuid()"},
		{"status", "character varying", "20", req, "'scheduled'"},
		{"started_at", "timestamp with time zone", "", opt, ""},
		{"ended_at", "timestamp with time zone", "", opt, ""},
		{"notes", "text", "", opt, ""},
		tsCol("created_at"), tsCol("updated_at"), versionCol(),
	},
}

type dbColumn struct {
	typ, size, def string
	nullable       bool
	identity       bool
}

func loadColumns(t *testing.T, d *db.DB) map[string]map[string]dbColumn {
	t.Helper()
	rows, err := d.Pool.Query(context.Background(), `
		SELECT table_name, column_name, data_type,
		       CASE WHEN data_type = 'numeric' THEN numeric_precision || ',' || numeric_scale
		            ELSE coalesce(character_maximum_length::text, '') END,
		       coalesce(column_default, ''), is_nullable = 'YES', is_identity = 'YES'
		  FROM information_schema.columns
		 WHERE table_schema = current_schema()`)
	if err != nil {
		t.Fatalf("columns: %v", err)
	}
	defer rows.Close()
	cols := map[string]map[string]dbColumn{}
	for rows.Next() {
		var table, name string
		var c dbColumn
		if err := rows.Scan(&table, &name, &c.typ, &c.size, &c.def, &c.nullable, &c.identity); err != nil {
			t.Fatalf("columns: %v", err)
		}
		if cols[table] == nil {
			cols[table] = map[string]dbColumn{}
		}
		cols[table][name] = c
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("columns: %v", err)
	}
	return cols
}

func TestSchemaColumns(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cols := loadColumns(t, d)
	if got, want := len(schemaSpec), len(tablesUpTo(seedVersion)); got != want {
		t.Fatalf("schemaSpec describes %d tables, the migrations create %d", got, want)
	}
	for table, spec := range schemaSpec {
		have, ok := cols[table]
		if !ok {
			t.Errorf("table %s is missing", table)
			continue
		}
		for _, want := range spec {
			got, ok := have[want.name]
			if !ok {
				t.Errorf("%s.%s is missing", table, want.name)
				continue
			}
			if got.typ != want.typ {
				t.Errorf("%s.%s: type %q, want %q", table, want.name, got.typ, want.typ)
			}
			if got.size != want.size {
				t.Errorf("%s.%s: size %q, want %q", table, want.name, got.size, want.size)
			}
			if got.nullable != want.nullable {
				t.Errorf("%s.%s: nullable %v, want %v", table, want.name, got.nullable, want.nullable)
			}
			if want.def != "" && !strings.Contains(got.def, want.def) {
				t.Errorf("%s.%s: default %q, want it to contain %q", table, want.name, got.def, want.def)
			}
			if want.name == "id" && !got.identity {
				t.Errorf("%s.id is not an identity column", table)
			}
		}
	}
}

func TestSchemaIndexes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	// The seed's indexes, by name, with their columns in order.
	seed := []struct {
		name, table string
		cols        []string
	}{
		{"idx_patient_name", "core_patient", []string{"first_name", "last_name"}},
		{"idx_patient_unique_id", "core_patient", []string{"unique_id"}},
		{"idx_appointment_date", "core_appointment", []string{"date"}},
		{"idx_appointment_doctor_date", "core_appointment", []string{"doctor_id", "date"}},
		{"idx_appointment_patient", "core_appointment", []string{"patient_id"}},
		{"idx_encounter_patient", "core_encounter", []string{"patient_id"}},
		{"idx_encounter_doctor", "core_encounter", []string{"doctor_id"}},
		{"idx_encounter_date", "core_encounter", []string{"created_at"}},
		{"idx_audit_user", "core_auditlog", []string{"user_id"}},
		{"idx_audit_timestamp", "core_auditlog", []string{"timestamp"}},
		{"idx_audit_model", "core_auditlog", []string{"model_name", "object_id"}},
	}
	for _, ix := range seed {
		var table string
		var cols []string
		err := d.Pool.QueryRow(ctx, `
			SELECT t.relname::text, array_agg(a.attname::text ORDER BY k.ord)
			  FROM pg_index x
			  JOIN pg_class i ON i.oid = x.indexrelid
			  JOIN pg_class t ON t.oid = x.indrelid
			 CROSS JOIN LATERAL unnest(x.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
			  JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
			 WHERE i.relname = $1 AND i.relnamespace = current_schema()::regnamespace
			 GROUP BY t.relname`, ix.name).Scan(&table, &cols)
		if err != nil {
			t.Errorf("index %s: %v", ix.name, err)
			continue
		}
		if table != ix.table || !slices.Equal(cols, ix.cols) {
			t.Errorf("index %s is on %s%v, want %s%v", ix.name, table, cols, ix.table, ix.cols)
		}
	}

	// Every foreign key column leads some index (joins and ON DELETE checks need it).
	rows, err := d.Pool.Query(ctx, `
		SELECT c.conrelid::regclass::text, a.attname::text
		  FROM pg_constraint c
		  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
		 WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
		   AND NOT EXISTS (SELECT 1 FROM pg_index x
		                    WHERE x.indrelid = c.conrelid AND x.indkey[0] = c.conkey[1])`)
	if err != nil {
		t.Fatalf("foreign key indexes: %v", err)
	}
	missing, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (string, error) {
		var table, col string
		err := r.Scan(&table, &col)
		return table + "." + col, err
	})
	if err != nil {
		t.Fatalf("foreign key indexes: %v", err)
	}
	if len(missing) > 0 {
		t.Errorf("foreign key columns without an index: %v", missing)
	}
}

func TestSchemaUniqueConstraints(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	unique := [][2]string{
		{"auth_user", "username"},
		{"auth_user", "email"},
		{"core_role", "name"},
		{"core_patient", "unique_id"},
		{"core_inventoryitem", "name"},
		{"core_medicationitem", "name"},
		{"core_medicationcategory", "name"},
		{"core_servicecatalog", "code"},
		{"core_telemedicinesession", "appointment_id"},
		{"core_telemedicinesession", "room_id"},
	}
	for _, u := range unique {
		var n int
		err := d.Pool.QueryRow(ctx, `
			SELECT count(*) FROM pg_constraint c
			 WHERE c.contype = 'u' AND c.conrelid = $1::regclass
			   AND c.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass AND attname = $2)]`,
			u[0], u[1]).Scan(&n)
		if err != nil || n != 1 {
			t.Errorf("UNIQUE (%s.%s): %d constraints, %v; want 1", u[0], u[1], n, err)
		}
	}
	// Emails and usernames are also unique case-insensitively.
	for _, ix := range []string{"auth_user_email_lower_key", "auth_user_username_lower_key"} {
		var def string
		if err := d.Pool.QueryRow(ctx, `SELECT indexdef FROM pg_indexes WHERE indexname = $1`, ix).Scan(&def); err != nil {
			t.Errorf("index %s: %v", ix, err)
			continue
		}
		if !strings.HasPrefix(def, "CREATE UNIQUE INDEX") || !strings.Contains(def, "lower(") {
			t.Errorf("index %s: %s; want a unique index on lower(...)", ix, def)
		}
	}
}

func TestSchemaForeignKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	want := map[string]string{
		"auth_user.role_id":                       "RESTRICT",
		"core_appointment.patient_id":             "RESTRICT",
		"core_appointment.doctor_id":              "RESTRICT",
		"core_encounter.patient_id":               "RESTRICT",
		"core_encounter.appointment_id":           "SET NULL",
		"core_encounter.doctor_id":                "RESTRICT",
		"core_prescription.encounter_id":          "RESTRICT",
		"core_vitals.encounter_id":                "RESTRICT",
		"core_auditlog.user_id":                   "RESTRICT",
		"core_medicationitem.category_id":         "RESTRICT",
		"core_bill.patient_id":                    "RESTRICT",
		"core_billitem.bill_id":                   "RESTRICT",
		"core_billitem.service_catalog_id":        "RESTRICT",
		"core_payment.bill_id":                    "RESTRICT",
		"core_bill.created_by":                    "RESTRICT",
		"core_bill.cancelled_by":                  "RESTRICT",
		"core_billitem.created_by":                "RESTRICT",
		"core_payment.received_by":                "RESTRICT",
		"core_notification.user_id":               "CASCADE",
		"core_telemedicinesession.appointment_id": "RESTRICT",
	}
	rows, err := d.Pool.Query(ctx, `
		SELECT k.table_name || '.' || k.column_name, rc.delete_rule
		  FROM information_schema.referential_constraints rc
		  JOIN information_schema.key_column_usage k
		    ON k.constraint_schema = rc.constraint_schema AND k.constraint_name = rc.constraint_name
		 WHERE rc.constraint_schema = current_schema()`)
	if err != nil {
		t.Fatalf("foreign keys: %v", err)
	}
	got := map[string]string{}
	for rows.Next() {
		var col, rule string
		if err := rows.Scan(&col, &rule); err != nil {
			t.Fatalf("foreign keys: %v", err)
		}
		got[col] = rule
		if rule != "RESTRICT" && rule != "CASCADE" && rule != "SET NULL" {
			t.Errorf("foreign key %s: ON DELETE %s; every foreign key needs an explicit RESTRICT, CASCADE or SET NULL", col, rule)
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("foreign keys: %v", err)
	}
	for col, rule := range want {
		if got[col] != rule {
			t.Errorf("foreign key %s: ON DELETE %q, want %q", col, got[col], rule)
		}
	}
}

func TestSchemaRolesSeeded(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	rows, err := d.Pool.Query(context.Background(),
		`SELECT name FROM core_role WHERE description IS NOT NULL AND description <> '' ORDER BY name`)
	if err != nil {
		t.Fatalf("roles: %v", err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatalf("roles: %v", err)
	}
	if want := []string{"admin", "cashier", "doctor", "lab", "nurse", "pharmacist", "receptionist"}; !slices.Equal(names, want) {
		t.Fatalf("roles %v, want %v (each with a description)", names, want)
	}
}

// Every seed table but the audit log carries a row version kept by chelal_touch, and every
// seed table but the audit log itself is audited.
func TestSchemaVersionAndTriggers(t *testing.T) {
	t.Parallel()
	d := dbtest.New(t)
	cols := loadColumns(t, d)
	for _, table := range tablesUpTo(seedVersion) {
		v, hasVersion := cols[table]["version"]
		if table == "core_auditlog" {
			if hasVersion {
				t.Errorf("core_auditlog is append-only and needs no version column")
			}
			continue
		}
		if !hasVersion || v.typ != "integer" || v.nullable || v.def != "1" {
			t.Errorf("%s.version: %+v (present %v); want integer NOT NULL DEFAULT 1", table, v, hasVersion)
		}
		var triggers []string
		err := d.Pool.QueryRow(context.Background(), `
			SELECT coalesce(array_agg(tgname::text ORDER BY tgname), '{}') FROM pg_trigger
			 WHERE tgrelid = $1::regclass AND NOT tgisinternal`, table).Scan(&triggers)
		if err != nil {
			t.Fatalf("triggers of %s: %v", table, err)
		}
		if !slices.Contains(triggers, "chelal_touch") || !slices.Contains(triggers, "chelal_audit") {
			t.Errorf("%s triggers %v; want chelal_touch and chelal_audit", table, triggers)
		}
	}
}

// fixtures are one valid row of each table, inserted by the system actor.
type fixtures struct {
	role, user, patient, appointment, encounter, category, medication, service, bill int64
}

func insertFixtures(t *testing.T, d *db.DB) fixtures {
	t.Helper()
	ctx := context.Background()
	var f fixtures
	steps := []struct {
		sql  string
		dest *int64
		args func() []any
	}{
		{`SELECT id FROM core_role WHERE name = 'doctor'`, &f.role, func() []any { return nil }},
		{`INSERT INTO auth_user (username, email, password, role_id) VALUES ('dr.amani', 'Amani@Clinic.example', 'argon2id$fixture', $1) RETURNING id`,
			&f.user, func() []any { return []any{f.role} }},
		{`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('P-0001', 'Amina', 'Otieno', '1990-04-02', 'female') RETURNING id`,
			&f.patient, func() []any { return nil }},
		{`INSERT INTO core_appointment (patient_id, doctor_id, date, time) VALUES ($1, $2, '2026-03-02', '09:30') RETURNING id`,
			&f.appointment, func() []any { return []any{f.patient, f.user} }},
		{`INSERT INTO core_encounter (patient_id, appointment_id, doctor_id, notes) VALUES ($1, $2, $3, 'cough for 3 days') RETURNING id`,
			&f.encounter, func() []any { return []any{f.patient, f.appointment, f.user} }},
		{`INSERT INTO core_medicationcategory (name) VALUES ('Antibiotics') RETURNING id`,
			&f.category, func() []any { return nil }},
		{`INSERT INTO core_medicationitem (name, category_id, strength, form, unit_price) VALUES ('Amoxicillin', $1, '500 mg', 'capsule', '12.50') RETURNING id`,
			&f.medication, func() []any { return []any{f.category} }},
		{`INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('Consultation', 'CONS', 'consultation', '1500.00') RETURNING id`,
			&f.service, func() []any { return nil }},
		// A bill's total is the sum of its items (0010): it opens at 0 and its item adds 1500.00.
		{`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, '0.00', '2026-03-31') RETURNING id`,
			&f.bill, func() []any { return []any{f.patient} }},
		{`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price) VALUES ($1, $2, 1, '1500.00', '1500.00') RETURNING bill_id`,
			&f.bill, func() []any { return []any{f.bill, f.service} }},
	}
	for _, s := range steps {
		if err := d.Pool.QueryRow(ctx, s.sql, s.args()...).Scan(s.dest); err != nil {
			t.Fatalf("fixture %q: %v", s.sql, err)
		}
	}
	return f
}

func TestConstraintViolations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)
	f := insertFixtures(t, d)
	const (
		checkViolation  = "23514"
		uniqueViolation = "23505"
	)
	cases := []struct {
		name       string
		sql        string
		args       []any
		code       string
		constraint string
	}{
		{"negative bill item quantity",
			`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price) VALUES ($1, $2, -1, '10.00', '10.00')`,
			[]any{f.bill, f.service}, checkViolation, "core_billitem_quantity_check"},
		{"zero bill item quantity",
			`INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price) VALUES ($1, $2, 0, '10.00', '0.00')`,
			[]any{f.bill, f.service}, checkViolation, "core_billitem_quantity_check"},
		{"negative bill item price",
			`INSERT INTO core_billitem (bill_id, service_catalog_id, unit_price, total_price) VALUES ($1, $2, '-10.00', '-10.00')`,
			[]any{f.bill, f.service}, checkViolation, "core_billitem_unit_price_check"},
		{"negative payment amount",
			`INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, '-5.00', 'cash')`,
			[]any{f.bill}, checkViolation, "core_payment_amount_check"},
		{"zero payment amount",
			`INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, '0', 'cash')`,
			[]any{f.bill}, checkViolation, "core_payment_amount_check"},
		{"unknown payment method",
			`INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, '5.00', 'bitcoin')`,
			[]any{f.bill}, checkViolation, "core_payment_payment_method_check"},
		{"negative medication stock",
			`UPDATE core_medicationitem SET stock_quantity = -1 WHERE id = $1`,
			[]any{f.medication}, checkViolation, "core_medicationitem_stock_quantity_check"},
		{"negative reorder level",
			`UPDATE core_medicationitem SET reorder_level = -1 WHERE id = $1`,
			[]any{f.medication}, checkViolation, "core_medicationitem_reorder_level_check"},
		{"negative inventory quantity",
			`INSERT INTO core_inventoryitem (name, quantity) VALUES ('Gloves', -3)`,
			nil, checkViolation, "core_inventoryitem_quantity_check"},
		{"negative service price",
			`INSERT INTO core_servicecatalog (name, code, price) VALUES ('X-ray', 'XR', '-1.00')`,
			nil, checkViolation, "core_servicecatalog_price_check"},
		{"unknown service category",
			`INSERT INTO core_servicecatalog (name, code, category, price) VALUES ('X-ray', 'XR', 'imaging', '1.00')`,
			nil, checkViolation, "core_servicecatalog_category_check"},
		{"duplicate patient unique_id",
			`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('P-0001', 'Baraka', 'Mwangi', '1985-01-01', 'male')`,
			nil, uniqueViolation, "core_patient_unique_id_key"},
		{"unknown patient gender",
			`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('P-0002', 'Baraka', 'Mwangi', '1985-01-01', 'M')`,
			nil, checkViolation, "core_patient_gender_check"},
		{"blank patient name",
			`INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender) VALUES ('P-0003', '  ', 'Mwangi', '1985-01-01', 'male')`,
			nil, checkViolation, "core_patient_first_name_not_blank"},
		{"duplicate user email",
			`INSERT INTO auth_user (username, email, password) VALUES ('amani2', 'Amani@Clinic.example', 'x')`,
			nil, uniqueViolation, "auth_user_email_key"},
		{"duplicate user email differing in case",
			`INSERT INTO auth_user (username, email, password) VALUES ('amani3', 'amani@clinic.EXAMPLE', 'x')`,
			nil, uniqueViolation, "auth_user_email_lower_key"},
		{"duplicate username differing in case",
			`INSERT INTO auth_user (username, email, password) VALUES ('Dr.Amani', 'other@clinic.example', 'x')`,
			nil, uniqueViolation, "auth_user_username_lower_key"},
		{"unknown language",
			`INSERT INTO auth_user (username, email, password, language_preference) VALUES ('zola', 'zola@clinic.example', 'x', 'de')`,
			nil, checkViolation, "auth_user_language_preference_check"},
		{"unknown appointment status",
			`INSERT INTO core_appointment (patient_id, doctor_id, date, time, status) VALUES ($1, $2, '2026-03-02', '10:00', 'postponed')`,
			[]any{f.patient, f.user}, checkViolation, "core_appointment_status_check"},
		{"double booking",
			`INSERT INTO core_appointment (patient_id, doctor_id, date, time) VALUES ($1, $2, '2026-03-02', '09:30')`,
			[]any{f.patient, f.user}, uniqueViolation, "core_appointment_doctor_slot_key"},
		{"checked in twice with one doctor on one day (0023)",
			`INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, checked_in_at, walk_in)
			 VALUES ($1, $2, '2026-03-03', '08:01:10', 'checked_in', now(), true), ($1, $2, '2026-03-03', '08:04:00', 'checked_in', now(), true)`,
			[]any{f.patient, f.user}, uniqueViolation, "core_appointment_patient_doctor_day_key"},
		{"unknown bill status",
			`UPDATE core_bill SET status = 'overdue' WHERE id = $1`,
			[]any{f.bill}, checkViolation, "core_bill_status_check"},
		{"paid more than the total",
			`UPDATE core_bill SET paid_amount = total_amount + 0.01 WHERE id = $1`,
			[]any{f.bill}, checkViolation, "core_bill_paid_amount_check"},
		{"negative bill total",
			`INSERT INTO core_bill (patient_id, total_amount, due_date) VALUES ($1, '-1.00', '2026-03-31')`,
			// paid_amount (0) > total_amount fails too; which check reports first is not ours to fix.
			[]any{f.patient}, checkViolation, ""},
		{"diastolic not below systolic",
			`INSERT INTO core_vitals (encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation) VALUES ($1, 80, 120, 70, 16, 36.8, 98)`,
			[]any{f.encounter}, checkViolation, "core_vitals_diastolic_bp_check"},
		{"a reading without any measure",
			`INSERT INTO core_vitals (encounter_id) VALUES ($1)`,
			[]any{f.encounter}, checkViolation, "core_vitals_some_measure"},
		{"oxygen saturation over 100",
			`INSERT INTO core_vitals (encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation) VALUES ($1, 120, 80, 70, 16, 36.8, 101)`,
			[]any{f.encounter}, checkViolation, "core_vitals_oxygen_saturation_check"},
		{"blank notification type",
			`INSERT INTO core_notification (user_id, title, message, notification_type) VALUES ($1, 'Stock', 'Low stock', ' ')`,
			[]any{f.user}, checkViolation, "core_notification_notification_type_not_blank"},
		{"telemedicine session ending before it starts",
			`INSERT INTO core_telemedicinesession (appointment_id, started_at, ended_at) VALUES ($1, '2026-03-02 10:00Z', '2026-03-02 09:00Z')`,
			[]any{f.appointment}, checkViolation, "core_telemedicinesession_ended_at_check"},
		{"unknown telemedicine status",
			`INSERT INTO core_telemedicinesession (appointment_id, status) VALUES ($1, 'paused')`,
			[]any{f.appointment}, checkViolation, "core_telemedicinesession_status_check"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.Pool.Exec(ctx, tc.sql, tc.args...)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) {
				t.Fatalf("got %v, want SQLSTATE %s", err, tc.code)
			}
			if pgErr.Code != tc.code || (tc.constraint != "" && pgErr.ConstraintName != tc.constraint) {
				t.Fatalf("got SQLSTATE %s on %q (%s), want %s on %q", pgErr.Code, pgErr.ConstraintName, pgErr.Message, tc.code, tc.constraint)
			}
		})
	}

	// The valid counterparts are accepted: a cancelled slot can be booked again, one session per
	// appointment, a bill paid exactly in full.
	mustExec(t, d, `UPDATE core_appointment SET status = 'cancelled', cancel_reason = 'patient called' WHERE id = $1`, f.appointment)
	mustExec(t, d, `INSERT INTO core_appointment (patient_id, doctor_id, date, time) VALUES ($1, $2, '2026-03-02', '09:30')`, f.patient, f.user)
	mustExec(t, d, `INSERT INTO core_telemedicinesession (appointment_id) VALUES ($1)`, f.appointment)
	if _, err := d.Pool.Exec(ctx, `INSERT INTO core_telemedicinesession (appointment_id) VALUES ($1)`, f.appointment); !isSQLState(err, uniqueViolation) {
		t.Errorf("second session for one appointment: %v, want unique violation", err)
	}
	// Paid through a payment: paid_amount follows the payments and the status the amounts (0010).
	mustExec(t, d, `INSERT INTO core_payment (bill_id, amount, payment_method) VALUES ($1, '1500.00', 'cash')`, f.bill)
	var status string
	if err := d.Pool.QueryRow(ctx, `SELECT status FROM core_bill WHERE id = $1 AND paid_amount = total_amount`, f.bill).Scan(&status); err != nil || status != "paid" {
		t.Errorf("bill paid in full: status %q (%v), want paid", status, err)
	}
}

func mustExec(t *testing.T, d *db.DB, sql string, args ...any) {
	t.Helper()
	if _, err := d.Pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

func isSQLState(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// auditRow is one core_auditlog row, with the changes as canonical JSON text.
type auditRow struct {
	action, model string
	objectID      int64
	userID        *int64
	ip            *string
	changes       string
}

// auditRows returns the audit rows of one object, oldest first.
func auditRows(t *testing.T, d *db.DB, model string, id int64) []auditRow {
	t.Helper()
	rows, err := d.Pool.Query(context.Background(), `
		SELECT action, model_name, object_id, user_id, host(ip_address), changes::text
		  FROM core_auditlog WHERE model_name = $1 AND object_id = $2 ORDER BY id`, model, id)
	if err != nil {
		t.Fatalf("audit rows: %v", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (auditRow, error) {
		var a auditRow
		err := r.Scan(&a.action, &a.model, &a.objectID, &a.userID, &a.ip, &a.changes)
		return a, err
	})
	if err != nil {
		t.Fatalf("audit rows: %v", err)
	}
	return out
}

// jsonText renders a JSON literal the way PostgreSQL prints jsonb, for exact comparison.
func jsonText(t *testing.T, d *db.DB, literal string) string {
	t.Helper()
	var s string
	if err := d.Pool.QueryRow(context.Background(), `SELECT $1::jsonb::text`, literal).Scan(&s); err != nil {
		t.Fatalf("jsonb %s: %v", literal, err)
	}
	return s
}

func TestAuditTrigger(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := dbtest.New(t)

	const hash = "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA"
	var userID int64
	err := d.InTx(ctx, db.Actor{}, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO auth_user (username, email, password, two_factor_secret)
			VALUES ('nurse.joy', 'joy@clinic.example', $1, 'JBSWY3DPEHPK3PXP') RETURNING id`, hash).Scan(&userID)
	})
	if err != nil {
		t.Fatalf("insert user: %v", err)
	}
	actor := db.Actor{UserID: userID, IP: netip.MustParseAddr("192.168.1.23")}

	t.Run("create by the system", func(t *testing.T) {
		rows := auditRows(t, d, "auth_user", userID)
		if len(rows) != 1 || rows[0].action != "create" || rows[0].userID != nil || rows[0].ip != nil {
			t.Fatalf("audit rows of the new user: %+v; want one 'create' with no user and no ip", rows)
		}
		var pw, secret, username string
		if err := d.Pool.QueryRow(ctx, `
			SELECT changes->'new'->>'password', changes->'new'->>'two_factor_secret', changes->'new'->>'username'
			  FROM core_auditlog WHERE model_name = 'auth_user' AND object_id = $1`, userID).Scan(&pw, &secret, &username); err != nil {
			t.Fatal(err)
		}
		if pw != "[redacted]" || secret != "[redacted]" || username != "nurse.joy" {
			t.Fatalf("create changes: password %q, secret %q, username %q", pw, secret, username)
		}
	})

	var patientID int64
	var createdVersion int
	var createdAt time.Time
	err = d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
			VALUES ('P-0042', 'Amina', 'Otieno', '1990-04-02', 'female') RETURNING id, version, updated_at`).Scan(&patientID, &createdVersion, &createdAt)
	})
	if err != nil {
		t.Fatalf("insert patient: %v", err)
	}

	t.Run("create", func(t *testing.T) {
		rows := auditRows(t, d, "core_patient", patientID)
		if len(rows) != 1 {
			t.Fatalf("audit rows after insert: %+v; want 1", rows)
		}
		r := rows[0]
		if r.action != "create" || r.objectID != patientID || r.userID == nil || *r.userID != userID || r.ip == nil || *r.ip != "192.168.1.23" {
			t.Fatalf("create row %+v; want action create by user %d from 192.168.1.23", r, userID)
		}
		if !strings.Contains(r.changes, `"first_name": "Amina"`) || !strings.HasPrefix(r.changes, `{"new": {`) {
			t.Fatalf("create changes %s; want the new row", r.changes)
		}
	})

	t.Run("update", func(t *testing.T) {
		err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE core_patient SET first_name = 'Aisha' WHERE id = $1`, patientID)
			return err
		})
		if err != nil {
			t.Fatalf("update: %v", err)
		}
		rows := auditRows(t, d, "core_patient", patientID)
		if len(rows) != 2 {
			t.Fatalf("audit rows after update: %+v; want 2", rows)
		}
		r := rows[1]
		if r.action != "update" || r.model != "core_patient" || r.objectID != patientID ||
			r.userID == nil || *r.userID != userID || r.ip == nil || *r.ip != "192.168.1.23" {
			t.Fatalf("update row %+v", r)
		}
		if want := jsonText(t, d, `{"old": {"first_name": "Amina"}, "new": {"first_name": "Aisha"}}`); r.changes != want {
			t.Fatalf("update changes %s, want %s", r.changes, want)
		}
		var version int
		var updatedAt time.Time
		if err := d.Pool.QueryRow(ctx, `SELECT version, updated_at FROM core_patient WHERE id = $1`, patientID).Scan(&version, &updatedAt); err != nil {
			t.Fatal(err)
		}
		if createdVersion != 1 || version != 2 {
			t.Fatalf("version %d after insert and %d after update, want 1 and 2", createdVersion, version)
		}
		if !updatedAt.After(createdAt) {
			t.Fatalf("updated_at %v did not move on from %v", updatedAt, createdAt)
		}
	})

	t.Run("update that changes nothing", func(t *testing.T) {
		mustExec(t, d, `UPDATE core_patient SET first_name = first_name, version = 99 WHERE id = $1`, patientID)
		if rows := auditRows(t, d, "core_patient", patientID); len(rows) != 2 {
			t.Fatalf("a no-op update wrote an audit row: %+v", rows[len(rows)-1])
		}
		var version int
		if err := d.Pool.QueryRow(ctx, `SELECT version FROM core_patient WHERE id = $1`, patientID).Scan(&version); err != nil || version != 2 {
			t.Fatalf("version after a no-op update: %d, %v; want 2", version, err)
		}
	})

	t.Run("rolled back", func(t *testing.T) {
		errBoom := errors.New("boom")
		err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `UPDATE core_patient SET last_name = 'Kamau' WHERE id = $1`, patientID); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE model_name = 'core_patient' AND object_id = $1`, patientID).Scan(&n); err != nil {
				return err
			}
			if n != 3 {
				return fmt.Errorf("inside the transaction: %d audit rows, want 3", n)
			}
			return errBoom
		})
		if !errors.Is(err, errBoom) {
			t.Fatalf("InTx: %v", err)
		}
		if rows := auditRows(t, d, "core_patient", patientID); len(rows) != 2 {
			t.Fatalf("a rolled-back change left audit rows: %+v", rows)
		}
	})

	t.Run("password never logged", func(t *testing.T) {
		const newHash = "$argon2id$v=19$m=65536,t=3,p=4$bmV3c2FsdA$bmV3aGFzaG5ld2hhc2g"
		err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `UPDATE auth_user SET password = $1, two_factor_secret = NULL, first_name = 'Joy' WHERE id = $2`, newHash, userID)
			return err
		})
		if err != nil {
			t.Fatalf("update user: %v", err)
		}
		rows := auditRows(t, d, "auth_user", userID)
		if len(rows) != 2 || rows[1].action != "update" {
			t.Fatalf("audit rows of the user: %+v; want create and update", rows)
		}
		want := jsonText(t, d, `{"old": {"password": "[redacted]", "two_factor_secret": "[redacted]", "first_name": null},
		                         "new": {"password": "[redacted]", "two_factor_secret": null, "first_name": "Joy"}}`)
		if rows[1].changes != want {
			t.Fatalf("update changes %s, want %s", rows[1].changes, want)
		}
		var leaks int
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog
			WHERE strpos(changes::text, 'argon2id') > 0 OR strpos(changes::text, 'JBSWY3DPEHPK3PXP') > 0`).Scan(&leaks); err != nil || leaks != 0 {
			t.Fatalf("%d audit rows hold a password hash or 2FA secret (%v)", leaks, err)
		}
	})

	t.Run("delete", func(t *testing.T) {
		var id int64
		err := d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
			if err := tx.QueryRow(ctx, `INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender)
				VALUES ('P-0043', 'Duplicate', 'Entry', '1990-04-02', 'unknown') RETURNING id`).Scan(&id); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM core_patient WHERE id = $1`, id)
			return err
		})
		if err != nil {
			t.Fatalf("insert and delete: %v", err)
		}
		rows := auditRows(t, d, "core_patient", id)
		if len(rows) != 2 || rows[0].action != "create" || rows[1].action != "delete" ||
			rows[1].userID == nil || *rows[1].userID != userID {
			t.Fatalf("audit rows of a deleted patient: %+v; want create, delete", rows)
		}
		if !strings.HasPrefix(rows[1].changes, `{"old": {`) || !strings.Contains(rows[1].changes, `"unique_id": "P-0043"`) {
			t.Fatalf("delete changes %s; want the old row", rows[1].changes)
		}
	})

	t.Run("append-only", func(t *testing.T) {
		for _, sql := range []string{
			`UPDATE core_auditlog SET action = 'tampered'`,
			`UPDATE core_auditlog SET user_id = NULL WHERE user_id IS NOT NULL`,
			`DELETE FROM core_auditlog`,
			`TRUNCATE core_auditlog`,
		} {
			_, err := d.Pool.Exec(ctx, sql)
			var pgErr *pgconn.PgError
			if !errors.As(err, &pgErr) || pgErr.Code != "42501" || pgErr.Message != "core_auditlog is append-only" {
				t.Errorf("%s: %v; want 42501 core_auditlog is append-only", sql, err)
			}
		}
		var n int
		if err := d.Pool.QueryRow(ctx, `SELECT count(*) FROM core_auditlog WHERE action = 'tampered'`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("tampered rows: %d, %v", n, err)
		}
		// A user who has acted cannot be deleted: that would orphan the log's attribution.
		// ON DELETE RESTRICT reports restrict_violation (23001) from PostgreSQL 18 on and
		// foreign_key_violation (23503) before.
		if _, err := d.Pool.Exec(ctx, `DELETE FROM auth_user WHERE id = $1`, userID); !isSQLState(err, "23001") && !isSQLState(err, "23503") {
			t.Errorf("deleting a user with audit rows: %v; want a restrict or foreign key violation", err)
		}
	})
}
