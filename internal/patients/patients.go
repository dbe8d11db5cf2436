// Package patients owns patient records: registration with a checked medical record number,
// the duplicate check, search, and opening a chart, itself recorded in the audit log (who
// looked at whose record, from where). It reads only its own tables: the chart's timeline is
// assembled above the domains (internal/chart), each contributing through TimelineRows.
//
// A patient's fields are written once, in Demographics (what a form edits) and Patient (what
// the system keeps): their db tags give every column list, scan, INSERT and UPDATE here (see
// internal/db), their json tags the API and the OpenAPI document the frontend's types come
// from. sqlc was weighed for the fixed queries (insert, update, select by id) and not adopted:
// it would generate a second set of row structs to map onto these API types, adding back the
// touch points it removes, and the other queries (search, duplicates) are assembled at run
// time, which it does not handle.
package patients

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// Patient is a patient's record: the demographics a form edits, and what the system keeps.
type Patient struct {
	ID       int64  `json:"id" db:"id"`
	UniqueID string `json:"unique_id" db:"unique_id"`
	Demographics
	// BirthDateEstimated says DateOfBirth was derived from an age given at registration (the
	// real date being unknown): the age is shown as "about 34 years".
	BirthDateEstimated bool      `json:"birth_date_estimated" db:"birth_date_estimated"`
	CreatedAt          time.Time `json:"created_at" db:"created_at"`
	UpdatedAt          time.Time `json:"updated_at" db:"updated_at"`
	Version            int64     `json:"version" db:"version"`
}

// patientColumns is the select list of a Patient (p is core_patient), from its db tags.
var patientColumns = db.Columns[Patient]("p")

// queryPatient reads the one patient sql selects (pgx.ErrNoRows when none).
func queryPatient(ctx context.Context, q db.Querier, sql string, args ...any) (Patient, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return Patient{}, err
	}
	return pgx.CollectExactlyOneRow(rows, db.RowTo[Patient])
}

// Service reads and writes patient records.
type Service struct {
	db     *db.DB
	now    func() time.Time
	prefix prefixCache // the record-number prefix, for searches
	// searchCountCap replaces SearchCountCap when set (tests page past a small cap).
	searchCountCap int
	names          *nameIndex // the name search's index in memory, kept by Run
}

// NewService returns the patients service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now, names: newNameIndex()} }

// Genders a patient record accepts.
var Genders = []string{"male", "female", "other", "unknown"}

// Demographics are a patient's demographics as entered at registration or in an edit: the
// one list of a patient's fields. Their validate tags are the fields' limits (Validate, the
// OpenAPI document and the forms); their db tags are core_patient's columns, from which the
// SQL of this package is built (db.Columns, db.Assignments): a new field of the record is a
// migration, a field here (json, db and validate tags), the form and its labels.
type Demographics struct {
	FirstName      string `json:"first_name" db:"first_name" validate:"required,max=100,text"`
	LastName       string `json:"last_name" db:"last_name" validate:"required,max=100,text"`
	DateOfBirth    string `json:"date_of_birth" db:"date_of_birth,text"` // YYYY-MM-DD
	Gender         string `json:"gender" db:"gender" validate:"required,oneof=male female other unknown"`
	ContactInfo    string `json:"contact_info" db:"contact_info,nullempty" validate:"max=255,text"`
	Address        string `json:"address" db:"address,nullempty" validate:"max=255,text"`
	KnownAllergies string `json:"known_allergies" db:"known_allergies,nullempty" validate:"max=4000,text"`
	NationalID     string `json:"national_id" db:"national_id,nullempty" validate:"max=50,line"`
}

// RegisterParams is a registration. When the birth date is unknown, the age is given instead
// (AgeYears, or AgeMonths for an infant, or both: 1 year and 6 months) and DateOfBirth left
// empty: the birth date is then derived from the age and kept as estimated. ConfirmDuplicate
// says the user saw the likely duplicates and wants a new record anyway.
type RegisterParams struct {
	Demographics
	AgeYears         *int `json:"age_years,omitempty" validate:"min=0,max=130" doc:"The age in years when the birth date is unknown (leave date_of_birth empty)."`
	AgeMonths        *int `json:"age_months,omitempty" validate:"min=0,max=59" doc:"The age in months (an infant's), alone or with age_years."`
	ConfirmDuplicate bool `json:"confirm_duplicate"`
}

// byAge says the registration gives an age instead of a birth date.
func (p RegisterParams) byAge() bool { return p.AgeYears != nil || p.AgeMonths != nil }

// BirthDateFromAge is the birth date of someone aged years and months on today: the same day
// of the month, or the month's last day when it has fewer days (born "2 years ago" on 29
// February 2028 is 28 February 2026).
func BirthDateFromAge(today time.Time, years, months int) time.Time {
	total := today.Year()*12 + int(today.Month()) - 1 - years*12 - months
	y, m := total/12, time.Month(total%12+1)
	last := time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
	return time.Date(y, m, min(today.Day(), last), 0, 0, 0, 0, time.UTC)
}

// birthDate is the registration's birth date: the one given, or the one derived from the age
// (with estimated true). It does not check what it is given: Validate does.
func (p RegisterParams) birthDate(today time.Time) (date string, estimated bool) {
	if !p.byAge() || p.DateOfBirth != "" {
		return p.DateOfBirth, false
	}
	var y, m int
	if p.AgeYears != nil {
		y = *p.AgeYears
	}
	if p.AgeMonths != nil {
		m = *p.AgeMonths
	}
	return BirthDateFromAge(today, y, m).Format(time.DateOnly), true
}

// Validate reports every bad field at once: the demographics (the birth date derived from the
// age when an age is given), and the age: years 0-130, months 0-59, not with a birth date.
func (p RegisterParams) Validate(today time.Time) error {
	f := validate.Struct(p) // the demographics' tags and the ages' ranges
	dob, checkDOB := p.DateOfBirth, true
	if p.byAge() {
		switch {
		case p.DateOfBirth != "":
			f.Add("date_of_birth", apperr.CodeInvalid, "Give either the date of birth or the age, not both.")
			checkDOB = false
		case f.Has("age_years") || f.Has("age_months"):
			checkDOB = false // the age's errors are enough
		default:
			dob, _ = p.birthDate(today)
		}
	}
	if checkDOB {
		checkBirthDate(&f, dob, today)
	}
	return f.Err()
}

// normalize trims the spaces around every field, and writes the gender in lower case.
func (p *Demographics) normalize() {
	v := reflect.ValueOf(p).Elem()
	for i := range v.NumField() {
		if f := v.Field(i); f.Kind() == reflect.String {
			f.SetString(strings.TrimSpace(f.String()))
		}
	}
	p.Gender = strings.ToLower(p.Gender)
}

// Validate reports every bad field at once: the tags' limits, and a birth date in the last
// 130 years. today is the clinic's current date.
func (p Demographics) Validate(today time.Time) error {
	f := validate.Struct(p)
	checkBirthDate(&f, p.DateOfBirth, today)
	return f.Err()
}

// checkBirthDate adds a field error unless dob is a date (YYYY-MM-DD) in the last 130 years.
func checkBirthDate(f *apperr.Fields, dob string, today time.Time) {
	switch d, err := time.Parse(time.DateOnly, dob); {
	case dob == "":
		f.Add("date_of_birth", apperr.CodeRequired, "Date of birth is required.")
	case err != nil:
		f.Add("date_of_birth", apperr.CodeInvalid, "Date of birth must be a date (YYYY-MM-DD).")
	case d.After(today):
		f.Add("date_of_birth", apperr.CodeOutOfRange, "Date of birth cannot be in the future.")
	case d.Before(today.AddDate(-130, 0, 0)):
		f.Add("date_of_birth", apperr.CodeOutOfRange, "Date of birth cannot be more than 130 years ago.")
	}
}

// today is the clinic's current date (its time zone setting, the machine's by default).
func (s *Service) today(ctx context.Context, q db.Querier) (time.Time, error) {
	return settings.Today(ctx, q, s.now())
}

// Create registers a patient and gives them the next record number. When likely duplicates
// exist and the user has not confirmed, it answers apperr.ErrConflict (code
// possible-duplicate) and creates nothing.
func (s *Service) Create(ctx context.Context, actor db.Actor, p RegisterParams) (Patient, error) {
	p.normalize()
	today, err := s.today(ctx, s.db.Pool)
	if err != nil {
		return Patient{}, err
	}
	if err := p.Validate(today); err != nil {
		return Patient{}, err
	}
	var estimated bool
	p.DateOfBirth, estimated = p.birthDate(today)
	var out Patient
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if !p.ConfirmDuplicate {
			dups, err := duplicates(ctx, tx, DuplicateQuery{FirstName: p.FirstName, LastName: p.LastName, DateOfBirth: p.DateOfBirth, ContactInfo: p.ContactInfo})
			if err != nil {
				return err
			}
			if len(dups) > 0 {
				return apperr.Errorf(apperr.ErrConflict, "%d similar patient record(s) exist (%s ...). Check them, then confirm to register a new patient anyway.",
					len(dups), dups[0].UniqueID).WithCode("possible-duplicate")
			}
		}
		prefix, err := settings.Get(ctx, tx, settings.MRNPrefix, settings.DefaultMRNPrefix)
		if err != nil {
			return err
		}
		if !validPrefix(prefix) {
			return fmt.Errorf("mrn_prefix setting %q is not 1-10 capital letters", prefix)
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT nextval('core_patient_mrn_seq')`).Scan(&n); err != nil {
			return err
		}
		w := db.Assignments(1, p.Demographics).With("unique_id", FormatMRN(prefix, n)).With("birth_date_estimated", estimated)
		out, err = queryPatient(ctx, tx, `INSERT INTO core_patient AS p (`+w.Names()+`) VALUES (`+w.Values()+`) RETURNING `+patientColumns,
			w.Args()...)
		if err != nil {
			return fmt.Errorf("create patient: %w", err)
		}
		return nil
	})
	return out, err
}

// EditParams is an edit of a patient's demographics made on Version. Decoded from JSON, only
// the fields sent change (the others, and those sent as null, are left alone: see
// UnmarshalJSON); built in Go, Demographics replaces the record's whole.
type EditParams struct {
	Version int64 `json:"version"`
	// The demographics, each optional (the omitempty tells the OpenAPI document so).
	Demographics `json:",omitempty"`
	// BirthDateEstimated keeps a changed birth date marked as estimated; without it, a changed
	// date of birth is taken as the real one.
	BirthDateEstimated *bool `json:"birth_date_estimated,omitempty"`

	sent json.RawMessage // the JSON object this edit was decoded from
}

// UnmarshalJSON decodes an edit and keeps its JSON, so that Update changes only the fields
// sent. Unknown fields are refused, as for every request body.
func (e *EditParams) UnmarshalJSON(b []byte) error {
	type plain EditParams // without this method
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p plain
	if err := dec.Decode(&p); err != nil {
		return err
	}
	*e = EditParams(p)
	e.sent = append(json.RawMessage(nil), b...)
	return nil
}

// apply is the demographics cur becomes with the edit.
func (e EditParams) apply(cur Demographics) (Demographics, error) {
	if e.sent == nil {
		return e.Demographics, nil
	}
	// Decoding over the current values changes only the fields the JSON holds.
	err := json.Unmarshal(e.sent, &cur)
	return cur, err
}

// Validate checks what can be checked of an edit before the record is read: its version and
// each field it sends (not null), by Demographics' limits, all reported at once. The whole is
// checked again once merged with the record (Update): the birth date against the clinic's day.
func (u EditParams) Validate() error {
	var f apperr.Fields
	apperr.CheckVersion(&f, u.Version)
	var sent map[string]json.RawMessage
	if u.sent != nil && json.Unmarshal(u.sent, &sent) == nil {
		d := u.Demographics
		d.normalize()
		t, v := reflect.TypeOf(d), reflect.ValueOf(d)
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
			if raw, ok := sent[name]; !ok || string(raw) == "null" {
				continue
			}
			r, err := validate.Field(t, t.Field(i))
			if err != nil {
				return err
			}
			r.String(&f, name, v.Field(i).String())
		}
	}
	return f.Err()
}

// Update applies an edit made on version; a stale version is apperr.ErrConflict
// (stale-version) and changes nothing.
func (s *Service) Update(ctx context.Context, actor db.Actor, id int64, u EditParams) (Patient, error) {
	if err := u.Validate(); err != nil {
		return Patient{}, err
	}
	today, err := s.today(ctx, s.db.Pool)
	if err != nil {
		return Patient{}, err
	}
	var out Patient
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := queryPatient(ctx, tx, `SELECT `+patientColumns+` FROM core_patient p WHERE p.id = $1 FOR UPDATE`, id)
		if err = db.AtVersion(err, cur.Version, u.Version, "patient"); err != nil {
			return err
		}
		p, err := u.apply(cur.Demographics)
		if err != nil {
			return err
		}
		p.normalize()
		if err := p.Validate(today); err != nil {
			return err
		}
		estimated := cur.BirthDateEstimated && p.DateOfBirth == cur.DateOfBirth
		if u.BirthDateEstimated != nil {
			estimated = *u.BirthDateEstimated
		}
		w := db.Assignments(2, p).With("birth_date_estimated", estimated)
		out, err = queryPatient(ctx, tx, `UPDATE core_patient AS p SET `+w.Set()+` WHERE p.id = $1 RETURNING `+patientColumns,
			append([]any{id}, w.Args()...)...)
		return err
	})
	return out, err
}

// Open returns a patient's chart for actor and records the look in the audit log, in one
// transaction: no chart is shown without its audit row. An unknown id is apperr.ErrNotFound.
func (s *Service) Open(ctx context.Context, actor db.Actor, id int64) (Patient, error) {
	var p Patient
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		p, err = queryPatient(ctx, tx, `SELECT `+patientColumns+` FROM core_patient p WHERE p.id = $1`, id)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("open patient %d: %w", id, err)
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_patient", ObjectID: id})
	})
	return p, err
}

// Exists says whether patient id exists (for other domains' checks).
func Exists(ctx context.Context, q db.Querier, id int64) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_patient WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}
