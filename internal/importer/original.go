package importer

import (
	"context"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/patients"
	"chelal/internal/settings"
)

// KindOriginal is the import of a whole original Chelal database.
const KindOriginal = "chelal-original"

// OriginalOptions are the choices of an import from the original Chelal.
type OriginalOptions struct {
	DryRun bool
	// Box seals the carried-over TOTP secrets; nil turns the imported users' 2FA off.
	Box   *auth.SecretBox
	Actor db.Actor
}

// RedactURL returns a PostgreSQL address without its password, to show and to record.
func RedactURL(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return "the original database"
	}
	if u.User != nil {
		u.User = url.User(u.User.Username())
	}
	u.RawQuery = ""
	return u.String()
}

// original is one run of the import from the original Chelal.
type original struct {
	src    source
	tx     pgx.Tx
	o      OriginalOptions
	rep    *Report
	rows   []importRow
	ids    map[string]map[int64]int64 // source table -> original id -> Chelal id
	prefix string
	// medication names (lower case) -> Chelal id, to link prescriptions to the catalog
	medByName map[string]int64
	category  int64 // "Imported" medication category, made on first need
}

// ImportOriginal imports the original Chelal database read through srcConn into d, in one
// transaction (nothing in a dry run). An original database imported before (and not undone)
// is refused as a conflict: importing it twice would double every record.
func ImportOriginal(ctx context.Context, srcConn *pgx.Conn, d *db.DB, sourceName string, o OriginalOptions) (*Report, error) {
	rep := &Report{Kind: KindOriginal, Source: sourceName, DryRun: o.DryRun, Counts: []TableCount{}, Refused: []RowRefusal{}, Notes: []RowRefusal{}}
	stx, err := srcConn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return nil, fmt.Errorf("read the original database: %w", err)
	}
	defer func() { _ = stx.Rollback(ctx) }()
	if ok, err := (source{stx}).has(ctx, "core_patient"); err != nil {
		return nil, fmt.Errorf("read the original database: %w", err)
	} else if !ok {
		return nil, apperr.New(apperr.ErrInvalid, "That database has no core_patient table: it is not an original Chelal database.")
	}
	if ok, err := (source{stx}).has(ctx, "core_stockbatch"); err != nil {
		return nil, fmt.Errorf("read the original database: %w", err)
	} else if ok {
		// A Chelal database (this one, or a backup restored somewhere): its rows would come
		// back as copies. Chelal moves between servers with backup and restore instead.
		return nil, apperr.New(apperr.ErrInvalid, "That database is a Chelal database, not an original (Django) one: move it with backup and restore.")
	}

	err = d.InTx(ctx, o.Actor, func(ctx context.Context, tx pgx.Tx) error {
		var prev int64
		err := tx.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM core_importrun WHERE kind = $1 AND undone_at IS NULL`, KindOriginal).Scan(&prev)
		if err != nil {
			return err
		}
		if prev != 0 {
			return apperr.Errorf(apperr.ErrConflict, "An original Chelal database was imported already (import #%d); importing again would double every record.", prev)
		}
		// Timestamps of the original without a zone are UTC (Django stores UTC).
		if _, err := tx.Exec(ctx, `SET LOCAL TimeZone = 'UTC'`); err != nil {
			return err
		}
		var userID *int64
		if o.Actor.UserID != 0 {
			userID = &o.Actor.UserID
		}
		var runID int64
		if err := tx.QueryRow(ctx, `INSERT INTO core_importrun (kind, source, created_by) VALUES ($1, $2, $3) RETURNING id`,
			KindOriginal, sourceName, userID).Scan(&runID); err != nil {
			return fmt.Errorf("record import: %w", err)
		}
		prefix, err := settings.Get(ctx, tx, settings.MRNPrefix, settings.DefaultMRNPrefix)
		if err != nil {
			return err
		}
		r := &original{src: source{stx}, tx: tx, o: o, rep: rep, ids: map[string]map[int64]int64{}, prefix: prefix, medByName: map[string]int64{}}
		for _, step := range []func(context.Context) error{
			r.roles, r.users, r.patients, r.categories, r.medications, r.inventory, r.services,
			r.appointments, r.encounters, r.prescriptions, r.vitals, r.bills, r.notifications, r.auditLog,
		} {
			if err := step(ctx); err != nil {
				return err
			}
		}
		// The deferred checks (a bill's sums) run now, so a dry run meets them too.
		if _, err := tx.Exec(ctx, `SET CONSTRAINTS ALL IMMEDIATE`); err != nil {
			return fmt.Errorf("check the imported rows: %w", err)
		}
		if err := recordRun(ctx, tx, runID, rep, r.rows); err != nil {
			return err
		}
		if o.DryRun {
			return errDryRun
		}
		rep.ImportID = runID
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return nil, err
	}
	return rep, nil
}

// mapped returns the Chelal id of an original row of table; ok is false when it was not
// imported (refused, or never there).
func (r *original) mapped(table string, id *int64) (int64, bool) {
	if id == nil {
		return 0, false
	}
	n, ok := r.ids[table][*id]
	return n, ok
}

func (r *original) keep(table string, oldID, newID int64) {
	if r.ids[table] == nil {
		r.ids[table] = map[int64]int64{}
	}
	r.ids[table][oldID] = newID
	r.rows = append(r.rows, importRow{table: table, oldID: oldID, newID: newID})
	r.rep.count(table).Imported++
}

// insert runs one row's statements in a savepoint: a row's own error refuses the row (with
// the reason) and the import goes on.
func (r *original) insert(ctx context.Context, table string, oldID int64, fn func(tx pgx.Tx) (int64, error)) (int64, bool, error) {
	var newID int64
	reason, err := savepoint(ctx, r.tx, func(tx pgx.Tx) error {
		var err error
		newID, err = fn(tx)
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("import %s %d: %w", table, oldID, err)
	}
	if reason != "" {
		r.rep.refuse(table, oldID, "%s", reason)
		return 0, false, nil
	}
	r.keep(table, oldID, newID)
	return newID, true, nil
}

// inserter writes one row in its savepoint and returns the new row's id.
type inserter func(tx pgx.Tx) (int64, error)

// eachRow imports the original's table t row by row: each row is counted as read, then row
// either refuses it (having said why: it returns nil) or returns what inserts it, run in the
// row's savepoint.
func (r *original) eachRow(ctx context.Context, t string, row func(s srcRow) inserter) error {
	return r.src.each(ctx, t, func(s srcRow) error {
		r.rep.count(t).Read++
		fn := row(s)
		if fn == nil {
			return nil
		}
		_, _, err := r.insert(ctx, t, s.id(), fn)
		return err
	})
}

// statement is the inserter of one statement returning the new row's id.
func statement(ctx context.Context, sql string, args ...any) inserter {
	return func(tx pgx.Tx) (int64, error) {
		var id int64
		err := tx.QueryRow(ctx, sql, args...).Scan(&id)
		return id, err
	}
}

// eachNamed is eachRow for a table whose rows need a name: a row without one is refused ("no
// name"), row is given each other one with its name.
func (r *original) eachNamed(ctx context.Context, t string, row func(s srcRow, name string) inserter) error {
	return r.eachRow(ctx, t, func(s srcRow) inserter {
		name := s.str("name")
		if name == "" {
			r.rep.refuse(t, s.id(), "no name")
			return nil
		}
		return row(s, name)
	})
}

// ref is a column naming a row of an imported table, and why a row is refused when that row
// was not imported (format has a %s for the old id).
type ref struct{ col, table, format string }

var (
	patientRef   = ref{"patient_id", "core_patient", "its patient (%s) was not imported"}
	doctorRef    = ref{"doctor_id", "auth_user", "its doctor (user %s) was not imported"}
	encounterRef = ref{"encounter_id", "core_encounter", "its encounter (%s) was not imported"}
	userRef      = ref{"user_id", "auth_user", "its user (%s) was not imported"}
)

// eachReferring is eachRow for a table whose rows name rows of others (refs): a row naming
// one that was not imported is refused, saying why (the first such ref), and row has the
// Chelal ids of the rows named, in the order of refs.
func (r *original) eachReferring(ctx context.Context, t string, refs []ref, row func(s srcRow, ids []int64) inserter) error {
	return r.eachRow(ctx, t, func(s srcRow) inserter {
		ids := make([]int64, len(refs))
		for i, x := range refs {
			id, ok := r.mapped(x.table, s.intp(x.col))
			if !ok {
				r.rep.refuse(t, s.id(), x.format, s.str(x.col))
				return nil
			}
			ids[i] = id
		}
		return row(s, ids)
	})
}

// findOrInsert returns the id of the row find (one argument: a name, a code) finds, else of
// the row insert makes (made).
func findOrInsert(ctx context.Context, tx pgx.Tx, find string, key any, insert string, args ...any) (id int64, made bool, err error) {
	err = tx.QueryRow(ctx, find, key).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		made = true
		err = tx.QueryRow(ctx, insert, args...).Scan(&id)
	}
	return id, made, err
}

// roleNames maps the names an original clinic gave its roles to Chelal's six.
var roleNames = map[string]string{
	"admin": "admin", "administrator": "admin", "superuser": "admin", "administrateur": "admin",
	"doctor": "doctor", "physician": "doctor", "clinician": "doctor", "médecin": "doctor", "medecin": "doctor", "daktari": "doctor",
	"nurse": "nurse", "infirmier": "nurse", "infirmière": "nurse", "muuguzi": "nurse",
	"receptionist": "receptionist", "reception": "receptionist", "réception": "receptionist",
	"pharmacist": "pharmacist", "pharmacy": "pharmacist", "pharmacien": "pharmacist",
	"cashier": "cashier", "accountant": "cashier", "caissier": "cashier",
}

func (r *original) roles(ctx context.Context) error {
	const t = "core_role"
	return r.eachNamed(ctx, t, func(s srcRow, name string) inserter {
		name = strings.ToLower(name)
		if n, ok := roleNames[name]; ok {
			name = n
		}
		return func(tx pgx.Tx) (int64, error) {
			id, made, err := findOrInsert(ctx, tx, `SELECT id FROM core_role WHERE lower(name) = $1`, name,
				`INSERT INTO core_role (name, description) VALUES ($1, $2) RETURNING id`, name, s.opt("description"))
			if made {
				r.rep.note(t, s.id(), "role %q is new to Chelal: it has no permissions until an administrator grants some", name)
			}
			return id, err
		}
	})
}

func (r *original) users(ctx context.Context) error {
	const t = "auth_user"
	return r.src.each(ctx, t, func(s srcRow) error {
		r.rep.count(t).Read++
		username := s.str("username")
		if username == "" {
			r.rep.refuse(t, s.id(), "no username")
			return nil
		}
		var existing int64
		err := r.tx.QueryRow(ctx, `SELECT id FROM auth_user WHERE lower(username) = lower($1)`, username).Scan(&existing)
		if err == nil {
			r.rep.note(t, s.id(), "%s has an account in Chelal already: that account is kept as it is", username)
			r.keep(t, s.id(), existing)
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}

		email := strings.ToLower(s.str("email"))
		var taken bool
		if err := r.tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM auth_user WHERE lower(email) = $1)`, email).Scan(&taken); err != nil {
			return err
		}
		if !strings.Contains(email, "@") || strings.HasPrefix(email, "@") || strings.HasSuffix(email, "@") || taken || len(email) > 254 {
			placeholder := strings.ToLower(username) + "@imported.invalid"
			r.rep.note(t, s.id(), "email %q is missing, malformed or used by another account: set to %s", email, placeholder)
			email = placeholder
		}
		password := s.str("password")
		switch {
		case auth.IsDjangoHash(password), strings.HasPrefix(password, "$argon2id$"):
		case strings.HasPrefix(password, "!") && len(password) <= 128:
			r.rep.note(t, s.id(), "%s had no usable password: set one with chelal admin reset-password", username)
		default:
			kind, _, _ := strings.Cut(password, "$")
			r.rep.note(t, s.id(), "%s's password (%q hash) cannot be carried over: set a new one with chelal admin reset-password", username, kind)
			password = "!imported-without-password"
		}
		lang := strings.ToLower(s.str("language_preference"))
		if len(lang) > 2 {
			lang = lang[:2]
		}
		if lang != "en" && lang != "fr" && lang != "sw" {
			lang = "en"
		}
		prefs, ok := s.jsonValue("preferences").(map[string]any)
		if !ok {
			prefs = map[string]any{}
		}
		twoFA := s.boolean("two_factor_enabled", false)
		var sealed *string
		if twoFA {
			if secret, ok := readableTOTPSecret(s.str("two_factor_secret")); ok && r.o.Box != nil {
				v, err := r.o.Box.SealTOTPSecret(secret)
				if err != nil {
					return err
				}
				sealed = &v
			} else {
				twoFA = false
				r.rep.note(t, s.id(), "%s's 2FA secret is not readable: 2FA is off until they enrol again", username)
			}
		}
		roleID, _ := r.mapped("core_role", s.intp("role_id"))
		_, _, err = r.insert(ctx, t, s.id(), func(tx pgx.Tx) (int64, error) {
			var id int64
			err := tx.QueryRow(ctx, `
				INSERT INTO auth_user (username, email, password, first_name, last_name, is_active, date_joined,
				                       role_id, language_preference, preferences, two_factor_enabled, two_factor_secret)
				VALUES ($1, $2, $3, $4, $5, $6, coalesce($7::timestamptz, now()), $8, $9, $10, $11, $12) RETURNING id`,
				username, email, password, s.opt("first_name"), s.opt("last_name"), s.boolean("is_active", true),
				s.opt("date_joined"), nullID(roleID), lang, prefs, twoFA, sealed).Scan(&id)
			return id, err
		})
		return err
	})
}

// readableTOTPSecret returns a 2FA secret of the original (base32 as pyotp writes it, or the
// hex of django-otp) in the base32 form Chelal seals, when it is a 160-bit secret.
func readableTOTPSecret(s string) (string, bool) {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	if raw, err := enc.DecodeString(strings.TrimRight(s, "=")); err == nil && len(raw) == 20 {
		return enc.EncodeToString(raw), true
	}
	if raw, err := hex.DecodeString(s); err == nil && len(raw) == 20 {
		return enc.EncodeToString(raw), true
	}
	return "", false
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// genders maps the ways an original (or a register) wrote a patient's sex.
var genders = map[string]string{
	"m": "male", "male": "male", "man": "male", "homme": "male", "h": "male", "masculin": "male", "mwanaume": "male", "me": "male",
	"f": "female", "female": "female", "woman": "female", "femme": "female", "féminin": "female", "feminin": "female", "mwanamke": "female", "ke": "female",
	"o": "other", "other": "other", "autre": "other", "nyingine": "other",
	"u": "unknown", "unknown": "unknown", "inconnu": "unknown", "": "unknown",
}

// Gender reads a sex as written in old records; ok is false for a value it does not know.
func Gender(s string) (string, bool) {
	g, ok := genders[strings.ToLower(strings.TrimSpace(s))]
	return g, ok
}

func (r *original) patients(ctx context.Context) error {
	const t = "core_patient"
	return r.src.each(ctx, t, func(s srcRow) error {
		r.rep.count(t).Read++
		first, last := s.str("first_name"), s.str("last_name")
		switch {
		case first == "" && last == "":
			r.rep.refuse(t, s.id(), "no name")
			return nil
		case first == "":
			r.rep.refuse(t, s.id(), "no first name (%s)", last)
			return nil
		case last == "":
			r.rep.refuse(t, s.id(), "no last name (%s)", first)
			return nil
		case s.str("date_of_birth") == "":
			r.rep.refuse(t, s.id(), "no date of birth")
			return nil
		}
		gender, ok := Gender(s.str("gender"))
		if !ok {
			r.rep.note(t, s.id(), "sex %q not understood: recorded as unknown", s.str("gender"))
			gender = "unknown"
		}
		old := s.str("unique_id")
		_, _, err := r.insert(ctx, t, s.id(), func(tx pgx.Tx) (int64, error) {
			mrn := ""
			if canon, isMRN, err := patients.ParseMRN(old, r.prefix); isMRN && err == nil && canon == old {
				var taken bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_patient WHERE unique_id = $1)`, old).Scan(&taken); err != nil {
					return 0, err
				}
				if !taken {
					mrn = old // already a record number of this clinic: kept
				}
			}
			if mrn == "" {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT nextval('core_patient_mrn_seq')`).Scan(&n); err != nil {
					return 0, err
				}
				mrn = patients.FormatMRN(r.prefix, n)
			}
			var id int64
			err := tx.QueryRow(ctx, `
				INSERT INTO core_patient (unique_id, first_name, last_name, date_of_birth, gender, contact_info, address,
				                          known_allergies, created_at, updated_at)
				VALUES ($1, $2, $3, $4::date, $5, $6, $7, $8, coalesce($9::timestamptz, now()), coalesce($10::timestamptz, $9::timestamptz, now()))
				RETURNING id`,
				mrn, first, last, s.str("date_of_birth"), gender, s.opt("contact_info"), s.opt("address"),
				s.opt("known_allergies"), s.opt("created_at"), s.opt("updated_at")).Scan(&id)
			if err != nil {
				return 0, err
			}
			if mrn != old && old != "" {
				if err := addAlias(ctx, tx, id, old, KindOriginal); err != nil {
					return 0, err
				}
			}
			return id, nil
		})
		return err
	})
}

// addAlias keeps a patient's old record number, where the record-number search finds it. An
// old number that two patients shared (after removing spaces and dashes) is kept for neither
// second one: search must not answer a number with the wrong patient.
func addAlias(ctx context.Context, tx pgx.Tx, patientID int64, old, source string) error {
	key := patients.AliasKey(old)
	if key == "" || len(old) > 64 {
		return nil
	}
	_, err := tx.Exec(ctx, `
		INSERT INTO core_patientalias (patient_id, alias, alias_key, source) VALUES ($1, $2, $3, $4)
		ON CONFLICT (alias_key) DO NOTHING`, patientID, old, key, source)
	return err
}

func (r *original) categories(ctx context.Context) error {
	const t = "core_medicationcategory"
	return r.eachNamed(ctx, t, func(s srcRow, name string) inserter {
		return func(tx pgx.Tx) (int64, error) {
			id, _, err := findOrInsert(ctx, tx, `SELECT id FROM core_medicationcategory WHERE lower(name) = lower($1)`, name,
				`INSERT INTO core_medicationcategory (name, description) VALUES ($1, $2) RETURNING id`, name, s.opt("description"))
			return id, err
		}
	})
}

// importedCategory is the category of medications whose own category is unknown.
func (r *original) importedCategory(ctx context.Context, tx pgx.Tx) (int64, error) {
	if r.category != 0 {
		return r.category, nil
	}
	err := tx.QueryRow(ctx, `
		INSERT INTO core_medicationcategory (name, description) VALUES ('Imported', 'Medications imported without a category')
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name RETURNING id`).Scan(&r.category)
	return r.category, err
}

func (r *original) medications(ctx context.Context) error {
	const t = "core_medicationitem"
	const stock = "core_medicationitem.stock"
	return r.src.each(ctx, t, func(s srcRow) error {
		r.rep.count(t).Read++
		name := s.str("name")
		price, err := decimal.NewFromString(s.num("unit_price"))
		switch {
		case name == "":
			r.rep.refuse(t, s.id(), "no name")
			return nil
		case err != nil || price.IsNegative():
			r.rep.refuse(t, s.id(), "%s: unit price %q is not an amount", name, s.num("unit_price"))
			return nil
		case s.str("strength") == "" || s.str("form") == "":
			r.rep.refuse(t, s.id(), "%s: no strength or form", name)
			return nil
		}
		qty, _ := s.int("stock_quantity")
		expiry := s.str("expiry_date")
		newID, ok, err := r.insert(ctx, t, s.id(), func(tx pgx.Tx) (int64, error) {
			cat, ok := r.mapped("core_medicationcategory", s.intp("category_id"))
			if !ok {
				var err error
				if cat, err = r.importedCategory(ctx, tx); err != nil {
					return 0, err
				}
			}
			reorder, ok := s.int("reorder_level")
			if !ok {
				reorder = 10
			}
			var id int64
			err := tx.QueryRow(ctx, `
				INSERT INTO core_medicationitem (name, description, category_id, strength, form, requires_prescription,
				                                 reorder_level, unit_price)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
				name, s.opt("description"), cat, s.str("strength"), s.str("form"), s.boolean("requires_prescription", true),
				reorder, price).Scan(&id)
			return id, err
		})
		if err != nil || !ok {
			return err
		}
		r.medByName[strings.ToLower(name)] = newID
		// The stock on hand becomes one opening batch with the original's expiry date.
		if qty == 0 {
			return nil
		}
		r.rep.count(stock).Read++
		switch {
		case qty < 0:
			r.rep.refuse(stock, s.id(), "%s: stock of %d below zero not brought in; count it and receive it", name, qty)
			return nil
		case expiry == "":
			r.rep.refuse(stock, s.id(), "%s: stock of %d not brought in: no expiry date in the original; receive it with its expiry", name, qty)
			return nil
		}
		_, _, err = r.insert(ctx, stock, s.id(), func(tx pgx.Tx) (int64, error) {
			var batch int64
			if err := tx.QueryRow(ctx, `
				INSERT INTO core_stockbatch (medication_id, batch_number, expiry_date, quantity_received, unit_cost)
				VALUES ($1, $2, $3::date, $4, 0) RETURNING id`, newID, fmt.Sprintf("OPENING-%d", s.id()), expiry, qty).Scan(&batch); err != nil {
				return 0, err
			}
			_, err := tx.Exec(ctx, `
				INSERT INTO core_stockmovement (medication_id, batch_id, kind, quantity_change, balance_after, batch_balance_after, reason)
				VALUES ($1, $2, 'receive', $3, 0, 0, 'opening stock from the original Chelal')`, newID, batch, qty)
			return batch, err
		})
		return err
	})
}

func (r *original) inventory(ctx context.Context) error {
	const t = "core_inventoryitem"
	return r.eachNamed(ctx, t, func(s srcRow, name string) inserter {
		qty, _ := s.int("quantity")
		if qty < 0 {
			r.rep.refuse(t, s.id(), "%s: quantity %d below zero", name, qty)
			return nil
		}
		unit := s.str("unit")
		if unit == "" {
			unit = "unit"
		}
		return func(tx pgx.Tx) (int64, error) {
			id, err := statement(ctx, `INSERT INTO core_inventoryitem (name, description, unit) VALUES ($1, $2, $3) RETURNING id`,
				name, s.opt("description"), unit)(tx)
			if err != nil || qty == 0 {
				return id, err
			}
			_, err = tx.Exec(ctx, `
				INSERT INTO core_inventorymovement (item_id, quantity_change, balance_after, reason)
				VALUES ($1, $2, 0, 'opening stock from the original Chelal')`, id, qty)
			return id, err
		}
	})
}

// services brings the service catalog: the original's core_servicecatalog when it has one,
// and a service for each catalog id its bill items name that is not in it (the seed does not
// describe the table), priced as first billed.
func (r *original) services(ctx context.Context) error {
	const t = "core_servicecatalog"
	add := func(s srcRow, name, code, price string) error {
		_, _, err := r.insert(ctx, t, s.id(), func(tx pgx.Tx) (int64, error) {
			id, _, err := findOrInsert(ctx, tx, `SELECT id FROM core_servicecatalog WHERE code = $1`, code, `
				INSERT INTO core_servicecatalog (name, code, category, price, is_active, description)
				VALUES ($1, $2, 'other', $3::numeric, $4, $5) RETURNING id`,
				name, code, price, s.boolean("is_active", true), s.opt("description"))
			return id, err
		})
		return err
	}
	if err := r.src.each(ctx, t, func(s srcRow) error {
		r.rep.count(t).Read++
		name, code := s.str("name"), s.str("code")
		price := s.num("price")
		if price == "" {
			price = s.num("unit_price")
		}
		if code == "" {
			code = fmt.Sprintf("ORIG-%d", s.id())
		}
		if name == "" || price == "" {
			r.rep.refuse(t, s.id(), "no name or no price")
			return nil
		}
		return add(s, name, code, price)
	}); err != nil {
		return err
	}
	return r.src.each(ctx, "core_billitem", func(s srcRow) error {
		sid, ok := s.int("service_catalog_id")
		if !ok {
			return nil
		}
		if _, done := r.ids[t][sid]; done {
			return nil
		}
		if _, refused := r.refusedRow(t, sid); refused {
			return nil
		}
		name := s.str("description")
		if name == "" || len(name) > 255 {
			name = fmt.Sprintf("Service %d of the original Chelal", sid)
		}
		r.rep.count(t).Read++
		r.rep.note(t, sid, "service %d is not in the original's catalog: made from its first bill line (%q, %s)", sid, name, s.num("unit_price"))
		return add(srcRow{"id": jsonInt(sid)}, name, fmt.Sprintf("ORIG-%d", sid), s.num("unit_price"))
	})
}

func (r *original) refusedRow(table string, id int64) (RowRefusal, bool) {
	for _, x := range r.rep.Refused {
		if x.Table == table && x.Row == id {
			return x, true
		}
	}
	return RowRefusal{}, false
}

// appointmentStatuses maps the original's statuses to Chelal's.
var appointmentStatuses = map[string]string{
	"scheduled": "scheduled", "confirmed": "scheduled", "pending": "scheduled", "booked": "scheduled",
	"checked_in": "checked_in", "arrived": "checked_in", "in_progress": "in_progress",
	"completed": "completed", "done": "completed", "cancelled": "cancelled", "canceled": "cancelled",
	"no_show": "no_show", "no-show": "no_show", "missed": "no_show",
}

func (r *original) appointments(ctx context.Context) error {
	const t = "core_appointment"
	return r.eachReferring(ctx, t, []ref{patientRef, doctorRef}, func(s srcRow, ids []int64) inserter {
		patient, doctor := ids[0], ids[1]
		status, ok := appointmentStatuses[strings.ToLower(s.str("status"))]
		if !ok {
			r.rep.refuse(t, s.id(), "status %q unknown", s.str("status"))
			return nil
		}
		var cancelReason *string
		if status == "cancelled" {
			v := "Cancelled in the original Chelal"
			cancelReason = &v
		}
		return statement(ctx, `
			INSERT INTO core_appointment (patient_id, doctor_id, date, time, status, cancel_reason, checked_in_at, created_at, updated_at)
			VALUES ($1, $2, $3::date, $4::time, $5::text, $6,
			        CASE WHEN $5::text IN ('checked_in', 'in_progress', 'completed') THEN $3::date + $4::time END,
			        coalesce($7::timestamptz, now()), coalesce($8::timestamptz, $7::timestamptz, now()))
			RETURNING id`,
			patient, doctor, s.str("date"), s.str("time"), status, cancelReason, s.opt("created_at"), s.opt("updated_at"))
	})
}

func (r *original) encounters(ctx context.Context) error {
	const t = "core_encounter"
	usedAppointments := map[int64]bool{}
	return r.eachReferring(ctx, t, []ref{patientRef, doctorRef}, func(s srcRow, ids []int64) inserter {
		patient, doctor := ids[0], ids[1]
		appt, ok := r.mapped("core_appointment", s.intp("appointment_id"))
		switch {
		case s.intp("appointment_id") != nil && !ok:
			r.rep.note(t, s.id(), "its appointment %s was not imported: kept without it", s.str("appointment_id"))
		case ok && usedAppointments[appt]:
			r.rep.note(t, s.id(), "a second encounter of appointment %s: kept without the appointment", s.str("appointment_id"))
			appt = 0
		case ok:
			usedAppointments[appt] = true
		}
		notes := s.str("notes")
		if notes == "" {
			notes = "(no notes in the original Chelal)"
		}
		// History is closed: only addenda follow, as for any finished consultation.
		return statement(ctx, `
			INSERT INTO core_encounter (patient_id, appointment_id, doctor_id, notes, diagnosis, status, closed_at, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, 'closed', coalesce($7::timestamptz, $6::timestamptz, now()),
			        coalesce($6::timestamptz, now()), coalesce($7::timestamptz, $6::timestamptz, now()))
			RETURNING id`,
			patient, nullID(appt), doctor, notes, s.opt("diagnosis"), s.opt("created_at"), s.opt("updated_at"))
	})
}

func (r *original) prescriptions(ctx context.Context) error {
	const t = "core_prescription"
	return r.eachReferring(ctx, t, []ref{encounterRef}, func(s srcRow, ids []int64) inserter {
		enc := ids[0]
		med := r.medByName[strings.ToLower(s.str("medication_name"))]
		// The original did not track dispensing: an old prescription leaves the pharmacy's
		// queue (discontinued, with that reason) instead of waiting there for ever.
		return statement(ctx, `
			INSERT INTO core_prescription (encounter_id, medication_name, dosage, frequency, medication_id,
			                               discontinued_at, discontinue_reason, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), 'Prescribed in the original Chelal (dispensing not tracked there)',
			        coalesce($6::timestamptz, now()), coalesce($7::timestamptz, $6::timestamptz, now()))
			RETURNING id`,
			enc, s.str("medication_name"), s.str("dosage"), s.str("frequency"), nullID(med), s.opt("created_at"), s.opt("updated_at"))
	})
}

func (r *original) vitals(ctx context.Context) error {
	const t = "core_vitals"
	return r.eachReferring(ctx, t, []ref{encounterRef}, func(s srcRow, ids []int64) inserter {
		enc := ids[0]
		temp := s.num("temperature")
		if d, err := decimal.NewFromString(temp); err == nil && d.GreaterThanOrEqual(decimal.NewFromInt(86)) && d.LessThanOrEqual(decimal.NewFromInt(113)) {
			// Written in °F: 86-113 °F is 30-45 °C, and no temperature in °C is that high.
			c := d.Sub(decimal.NewFromInt(32)).Mul(decimal.NewFromInt(5)).Div(decimal.NewFromInt(9)).Round(1)
			r.rep.note(t, s.id(), "temperature %s read as °F: recorded as %s °C", temp, c)
			temp = c.String()
		}
		return statement(ctx, `
			INSERT INTO core_vitals (encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature,
			                         oxygen_saturation, height, weight, bmi, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6::numeric, $7::numeric, $8::numeric, $9::numeric, $10::numeric, coalesce($11::timestamptz, now()))
			RETURNING id`,
			enc, s.intp("systolic_bp"), s.intp("diastolic_bp"), s.intp("heart_rate"), s.intp("respiratory_rate"),
			nullText(temp), nullText(s.num("oxygen_saturation")), nullText(s.num("height")), nullText(s.num("weight")),
			nullText(s.num("bmi")), s.opt("recorded_at"))
	})
}

func nullText(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// paymentMethods maps the original's payment methods to Chelal's.
var paymentMethods = map[string]string{
	"cash": "cash", "mobile_money": "mobile_money", "mobile": "mobile_money", "mpesa": "mobile_money", "m-pesa": "mobile_money",
	"mobile money": "mobile_money", "airtel_money": "mobile_money", "card": "card", "credit_card": "card", "debit_card": "card",
	"insurance": "insurance", "nhif": "insurance", "other": "other", "bank_transfer": "other", "cheque": "other",
}

// bills brings bills with their lines and payments, checking the sums: a bill whose total is
// not the sum of its lines (or a line whose total is not quantity x price) is refused whole;
// payments are the money received, and a bill overpaid in the original gets its payments up
// to the total (the excess is listed, to refund or credit by hand).
func (r *original) bills(ctx context.Context) error {
	const t, ti, tp = "core_bill", "core_billitem", "core_payment"
	items, err := r.src.all(ctx, ti)
	if err != nil {
		return err
	}
	pays, err := r.src.all(ctx, tp)
	if err != nil {
		return err
	}
	itemsOf, paysOf := map[int64][]srcRow{}, map[int64][]srcRow{}
	for _, it := range items {
		b, _ := it.int("bill_id")
		itemsOf[b] = append(itemsOf[b], it)
	}
	for _, p := range pays {
		b, _ := p.int("bill_id")
		paysOf[b] = append(paysOf[b], p)
	}
	return r.src.each(ctx, t, func(s srcRow) error {
		c, ci, cp := r.rep.count(t), r.rep.count(ti), r.rep.count(tp)
		c.Read++
		ci.Read += len(itemsOf[s.id()])
		cp.Read += len(paysOf[s.id()])
		refuse := func(format string, a ...any) {
			r.rep.refuse(t, s.id(), format, a...)
			ci.Refused += len(itemsOf[s.id()])
			cp.Refused += len(paysOf[s.id()])
		}
		patient, ok := r.mapped("core_patient", s.intp("patient_id"))
		if !ok {
			refuse("its patient (%s) was not imported", s.str("patient_id"))
			return nil
		}
		total, err := decimal.NewFromString(s.num("total_amount"))
		if err != nil {
			refuse("total %q is not an amount", s.num("total_amount"))
			return nil
		}
		sum := decimal.Zero
		for _, it := range itemsOf[s.id()] {
			qty, _ := it.int("quantity")
			unit, err1 := decimal.NewFromString(it.num("unit_price"))
			line, err2 := decimal.NewFromString(it.num("total_price"))
			switch {
			case err1 != nil || err2 != nil || qty <= 0 || unit.IsNegative():
				refuse("line %d: quantity %d, price %q, total %q are not a bill line", it.id(), qty, it.num("unit_price"), it.num("total_price"))
				return nil
			case !unit.Mul(decimal.NewFromInt(qty)).Equal(line):
				refuse("line %d: total %s is not %d × %s", it.id(), line.StringFixed(2), qty, unit.StringFixed(2))
				return nil
			}
			if _, ok := r.mapped("core_servicecatalog", it.intp("service_catalog_id")); !ok && it.intp("service_catalog_id") != nil {
				refuse("line %d: its service (%s) was not imported", it.id(), it.str("service_catalog_id"))
				return nil
			}
			sum = sum.Add(line)
		}
		if !sum.Equal(total) {
			refuse("total %s is not the sum of its lines (%s)", total.StringFixed(2), sum.StringFixed(2))
			return nil
		}
		status := strings.ToLower(s.str("status"))
		paid := decimal.Zero
		var payments []srcRow
		var amounts []decimal.Decimal
		for _, p := range paysOf[s.id()] {
			amount, err := decimal.NewFromString(p.num("amount"))
			if err != nil || !amount.IsPositive() {
				r.rep.refuse(tp, p.id(), "amount %q is not a payment", p.num("amount"))
				continue
			}
			if left := total.Sub(paid); amount.GreaterThan(left) {
				if !left.IsPositive() {
					r.rep.refuse(tp, p.id(), "bill %d was paid in full before this payment of %s: not brought in (refund or credit it by hand)", s.id(), amount.StringFixed(2))
					continue
				}
				r.rep.note(tp, p.id(), "bill %d was overpaid in the original: this payment of %s is brought in as %s, the balance; refund or credit the %s by hand",
					s.id(), amount.StringFixed(2), left.StringFixed(2), amount.Sub(left).StringFixed(2))
				amount = left
			}
			paid = paid.Add(amount)
			payments = append(payments, p)
			amounts = append(amounts, amount)
		}
		if want, err := decimal.NewFromString(s.num("paid_amount")); err == nil && !want.Equal(paid) && want.LessThanOrEqual(total) {
			r.rep.note(t, s.id(), "paid_amount %s in the original, but its payments add up to %s: Chelal keeps the payments", want.StringFixed(2), paid.StringFixed(2))
		}
		cancel := status == "cancelled" || status == "canceled"
		if cancel && paid.IsPositive() {
			r.rep.note(t, s.id(), "cancelled in the original although paid: brought in as not cancelled")
			cancel = false
		}
		var lines []importRow // kept only if the whole bill goes in
		_, ok, err = r.insert(ctx, t, s.id(), func(tx pgx.Tx) (int64, error) {
			lines = lines[:0]
			var id int64
			if err := tx.QueryRow(ctx, `
				INSERT INTO core_bill (patient_id, total_amount, paid_amount, status, created_at, due_date)
				VALUES ($1, 0, 0, 'pending', coalesce($2::timestamptz, now()), coalesce($3::date, ($2::timestamptz)::date, current_date)) RETURNING id`,
				patient, s.opt("created_at"), s.opt("due_date")).Scan(&id); err != nil {
				return 0, err
			}
			for _, it := range itemsOf[s.id()] {
				svc, _ := r.mapped("core_servicecatalog", it.intp("service_catalog_id"))
				var lineID int64
				if err := tx.QueryRow(ctx, `
					INSERT INTO core_billitem (bill_id, service_catalog_id, quantity, unit_price, total_price, description, created_at)
					VALUES ($1, $2, $3, $4::numeric, $5::numeric, $6, coalesce($7::timestamptz, now())) RETURNING id`,
					id, nullID(svc), it.intp("quantity"), it.num("unit_price"), it.num("total_price"), it.opt("description"), s.opt("created_at")).Scan(&lineID); err != nil {
					return 0, err
				}
				lines = append(lines, importRow{table: ti, oldID: it.id(), newID: lineID})
			}
			for i, p := range payments {
				method, ok := paymentMethods[strings.ToLower(p.str("payment_method"))]
				notes := p.opt("notes")
				if !ok {
					method = "other"
					n := strings.TrimSpace("Paid by " + p.str("payment_method") + " (original Chelal). " + p.str("notes"))
					notes = &n
				}
				var payID int64
				if err := tx.QueryRow(ctx, `
					INSERT INTO core_payment (bill_id, amount, payment_method, transaction_id, payment_date, notes)
					VALUES ($1, $2, $3, $4, coalesce($5::timestamptz, now()), $6) RETURNING id`,
					id, amounts[i], method, p.opt("transaction_id"), p.opt("payment_date"), notes).Scan(&payID); err != nil {
					return 0, err
				}
				lines = append(lines, importRow{table: tp, oldID: p.id(), newID: payID})
			}
			if cancel {
				if _, err := tx.Exec(ctx, `
					UPDATE core_bill SET status = 'cancelled', cancelled_at = created_at, cancel_reason = 'Cancelled in the original Chelal'
					 WHERE id = $1`, id); err != nil {
					return 0, err
				}
			}
			return id, nil
		})
		if err != nil {
			return err
		}
		if ok {
			r.rows = append(r.rows, lines...)
			ci.Imported += len(itemsOf[s.id()])
			cp.Imported += len(payments)
		} else {
			ci.Refused += len(itemsOf[s.id()])
			cp.Refused += len(payments)
		}
		return nil
	})
}

func (r *original) notifications(ctx context.Context) error {
	const t = "core_notification"
	return r.eachReferring(ctx, t, []ref{userRef}, func(s srcRow, ids []int64) inserter {
		user := ids[0]
		kind := s.str("notification_type")
		if kind == "" {
			kind = "imported"
		}
		return statement(ctx, `
			INSERT INTO core_notification (user_id, title, message, notification_type, is_read, created_at)
			VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now())) RETURNING id`,
			user, s.str("title"), s.str("message"), kind, s.boolean("is_read", false), s.opt("created_at"))
	})
}

// auditTables maps the model names the original's audit log used to Chelal tables.
func auditTable(model string) string {
	m := strings.ToLower(strings.TrimSpace(model))
	m = strings.TrimPrefix(strings.TrimPrefix(m, "core."), "core_")
	switch m {
	case "user", "auth_user", "auth.user", "customuser":
		return "auth_user"
	case "patient", "appointment", "encounter", "prescription", "vitals", "inventoryitem", "medicationitem",
		"bill", "billitem", "payment", "notification", "role", "servicecatalog", "medicationcategory":
		return "core_" + m
	}
	return ""
}

// auditLog keeps the original's audit log as history: each row becomes a core_auditlog row
// with its time, user, address and action, its object id mapped to the Chelal row it became,
// and the original's own values under "original".
func (r *original) auditLog(ctx context.Context) error {
	const t = "core_auditlog"
	return r.eachRow(ctx, t, func(s srcRow) inserter {
		action := s.str("action")
		if action == "" {
			action = "unknown"
		}
		if len(action) > 100 {
			action = action[:100]
		}
		model := s.str("model_name")
		if model == "" {
			model = "unknown"
		}
		table := auditTable(model)
		oldObj, _ := s.int("object_id")
		obj := oldObj
		modelName := model
		if n, ok := r.mapped(table, &oldObj); ok {
			obj, modelName = n, table
		}
		if obj > 1<<31-1 || obj < -(1<<31) {
			obj = 0
		}
		user, _ := r.mapped("auth_user", s.intp("user_id"))
		var ip *string
		if a, err := netip.ParseAddr(s.str("ip_address")); err == nil {
			v := a.String()
			ip = &v
		}
		changes := map[string]any{
			"imported_from":      KindOriginal,
			"original":           s.jsonValue("changes"),
			"original_model":     model,
			"original_object_id": oldObj,
			"original_user_id":   s.intp("user_id"),
		}
		return statement(ctx, `
			INSERT INTO core_auditlog (user_id, action, model_name, object_id, changes, "timestamp", ip_address)
			VALUES ($1, $2, $3, $4, $5, coalesce($6::timestamptz, now()), $7::inet) RETURNING id`,
			nullID(user), action, modelName, obj, changes, s.opt("timestamp"), ip)
	})
}

func jsonInt(n int64) any { return jsonNumber(fmt.Sprint(n)) }
