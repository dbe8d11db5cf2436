// Package patients owns patient records: registration with a checked medical record number,
// the duplicate check, search, the chart and its timeline. Opening a chart is itself recorded
// in the audit log (who looked at whose record, from where).
package patients

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/settings"
)

// Patient is a patient's demographic record.
type Patient struct {
	ID          int64  `json:"id"`
	UniqueID    string `json:"unique_id"`
	FirstName   string `json:"first_name"`
	LastName    string `json:"last_name"`
	DateOfBirth string `json:"date_of_birth"` // YYYY-MM-DD
	// BirthDateEstimated says DateOfBirth was derived from an age given at registration (the
	// real date being unknown): the age is shown as "about 34 years".
	BirthDateEstimated bool      `json:"birth_date_estimated"`
	Gender             string    `json:"gender"`
	ContactInfo        string    `json:"contact_info"`
	Address            string    `json:"address"`
	KnownAllergies     string    `json:"known_allergies"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Version            int64     `json:"version"`
}

const patientColumns = `p.id, p.unique_id, p.first_name, p.last_name, p.date_of_birth::text, p.gender,
	coalesce(p.contact_info, ''), coalesce(p.address, ''), coalesce(p.known_allergies, ''),
	p.created_at, p.updated_at, p.version, p.birth_date_estimated`

func scanPatient(row pgx.Row, extra ...any) (Patient, error) {
	var p Patient
	dest := append([]any{&p.ID, &p.UniqueID, &p.FirstName, &p.LastName, &p.DateOfBirth, &p.Gender,
		&p.ContactInfo, &p.Address, &p.KnownAllergies, &p.CreatedAt, &p.UpdatedAt, &p.Version, &p.BirthDateEstimated}, extra...)
	err := row.Scan(dest...)
	p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

// Service reads and writes patient records.
type Service struct {
	db     *db.DB
	now    func() time.Time
	prefix prefixCache // the record-number prefix, for searches
}

// NewService returns the patients service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// Genders a patient record accepts.
var Genders = []string{"male", "female", "other", "unknown"}

// Demographics are a patient's demographics as entered at registration or in an edit.
type Demographics struct {
	FirstName      string `json:"first_name"`
	LastName       string `json:"last_name"`
	DateOfBirth    string `json:"date_of_birth"`
	Gender         string `json:"gender"`
	ContactInfo    string `json:"contact_info"`
	Address        string `json:"address"`
	KnownAllergies string `json:"known_allergies"`
}

// RegisterParams is a registration. When the birth date is unknown, the age is given instead
// (AgeYears, or AgeMonths for an infant, or both: 1 year and 6 months) and DateOfBirth left
// empty: the birth date is then derived from the age and kept as estimated. ConfirmDuplicate
// says the user saw the likely duplicates and wants a new record anyway.
type RegisterParams struct {
	Demographics
	AgeYears         *int `json:"age_years,omitempty" doc:"The age in years when the birth date is unknown (leave date_of_birth empty)."`
	AgeMonths        *int `json:"age_months,omitempty" doc:"The age in months (an infant's), alone or with age_years."`
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
	var f apperr.Fields
	d := p.Demographics
	if p.byAge() {
		ok := true
		if p.DateOfBirth != "" {
			f.Add("date_of_birth", apperr.CodeInvalid, "Give either the date of birth or the age, not both.")
			ok = false
		}
		if p.AgeYears != nil && (*p.AgeYears < 0 || *p.AgeYears > 130) {
			f.Add("age_years", apperr.CodeOutOfRange, "The age is from 0 to 130 years.")
			ok = false
		}
		if p.AgeMonths != nil && (*p.AgeMonths < 0 || *p.AgeMonths > 59) {
			f.Add("age_months", apperr.CodeOutOfRange, "The age in months is from 0 to 59.")
			ok = false
		}
		if ok {
			d.DateOfBirth, _ = p.birthDate(today)
		} else {
			d.DateOfBirth = today.Format(time.DateOnly) // the age's errors are enough
		}
	}
	f = append(f, apperr.FieldsOf(d.Validate(today))...)
	return f.Err()
}

func (p *Demographics) normalize() {
	p.FirstName = strings.TrimSpace(p.FirstName)
	p.LastName = strings.TrimSpace(p.LastName)
	p.DateOfBirth = strings.TrimSpace(p.DateOfBirth)
	p.Gender = strings.ToLower(strings.TrimSpace(p.Gender))
	p.ContactInfo = strings.TrimSpace(p.ContactInfo)
	p.Address = strings.TrimSpace(p.Address)
	p.KnownAllergies = strings.TrimSpace(p.KnownAllergies)
}

// Validate reports every bad field at once. today is the clinic's current date.
func (p Demographics) Validate(today time.Time) error {
	var f apperr.Fields
	text := func(field, v string, required bool, max int) {
		switch {
		case v == "" && required:
			f.Add(field, apperr.CodeRequired, "This field is required.")
		case utf8.RuneCountInString(v) > max:
			f.Add(field, apperr.CodeTooLong, fmt.Sprintf("At most %d characters.", max))
		case strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 && r != '\n' && r != '\t' || r == 0x7f }):
			f.Add(field, apperr.CodeInvalid, "Control characters are not allowed.")
		}
	}
	text("first_name", p.FirstName, true, 100)
	text("last_name", p.LastName, true, 100)
	text("contact_info", p.ContactInfo, false, 255)
	text("address", p.Address, false, 255)
	text("known_allergies", p.KnownAllergies, false, 4000)
	switch dob, err := time.Parse(time.DateOnly, p.DateOfBirth); {
	case p.DateOfBirth == "":
		f.Add("date_of_birth", apperr.CodeRequired, "Date of birth is required.")
	case err != nil:
		f.Add("date_of_birth", apperr.CodeInvalid, "Date of birth must be a date (YYYY-MM-DD).")
	case dob.After(today):
		f.Add("date_of_birth", apperr.CodeOutOfRange, "Date of birth cannot be in the future.")
	case dob.Before(today.AddDate(-130, 0, 0)):
		f.Add("date_of_birth", apperr.CodeOutOfRange, "Date of birth cannot be more than 130 years ago.")
	}
	switch {
	case p.Gender == "":
		f.Add("gender", apperr.CodeRequired, "Gender is required.")
	case !contains(Genders, p.Gender):
		f.Add("gender", apperr.CodeInvalid, "Gender must be male, female, other or unknown.")
	}
	return f.Err()
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// today is the clinic's current date (its time zone setting, the machine's by default).
func (s *Service) today(ctx context.Context, q settings.Querier) (time.Time, error) {
	loc, err := ClinicLocation(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := s.now().In(loc).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// ClinicLocation is the clinic's time zone: the timezone setting, or the machine's.
func ClinicLocation(ctx context.Context, q settings.Querier) (*time.Location, error) {
	name, err := settings.Get(ctx, q, settings.TimeZone, "")
	if err != nil || name == "" {
		return time.Local, err
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("timezone setting %q: %w", name, err)
	}
	return loc, nil
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
		out, err = scanPatient(tx.QueryRow(ctx, `
			INSERT INTO core_patient AS p (unique_id, first_name, last_name, date_of_birth, gender, contact_info, address,
			                               known_allergies, birth_date_estimated)
			VALUES ($1, $2, $3, $4, $5, nullif($6, ''), nullif($7, ''), nullif($8, ''), $9)
			RETURNING `+patientColumns,
			FormatMRN(prefix, n), p.FirstName, p.LastName, p.DateOfBirth, p.Gender, p.ContactInfo, p.Address, p.KnownAllergies,
			estimated))
		if err != nil {
			return fmt.Errorf("create patient: %w", err)
		}
		return nil
	})
	return out, err
}

// EditParams is an edit of a patient's demographics; nil fields are left alone.
type EditParams struct {
	Version        int64   `json:"version"`
	FirstName      *string `json:"first_name,omitempty"`
	LastName       *string `json:"last_name,omitempty"`
	DateOfBirth    *string `json:"date_of_birth,omitempty"`
	Gender         *string `json:"gender,omitempty"`
	ContactInfo    *string `json:"contact_info,omitempty"`
	Address        *string `json:"address,omitempty"`
	KnownAllergies *string `json:"known_allergies,omitempty"`
	// BirthDateEstimated keeps a changed birth date marked as estimated; without it, a changed
	// date of birth is taken as the real one.
	BirthDateEstimated *bool `json:"birth_date_estimated,omitempty"`
}

// Update applies an edit made on version; a stale version is apperr.ErrConflict
// (stale-version) and changes nothing.
func (s *Service) Update(ctx context.Context, actor db.Actor, id int64, u EditParams) (Patient, error) {
	if u.Version <= 0 {
		var f apperr.Fields
		apperr.CheckVersion(&f, u.Version)
		return Patient{}, f.Err()
	}
	today, err := s.today(ctx, s.db.Pool)
	if err != nil {
		return Patient{}, err
	}
	var out Patient
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, err := scanPatient(tx.QueryRow(ctx, `SELECT `+patientColumns+` FROM core_patient p WHERE p.id = $1 FOR UPDATE`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return err
		}
		if cur.Version != u.Version {
			return apperr.Stale("patient")
		}
		p := Demographics{FirstName: cur.FirstName, LastName: cur.LastName, DateOfBirth: cur.DateOfBirth, Gender: cur.Gender,
			ContactInfo: cur.ContactInfo, Address: cur.Address, KnownAllergies: cur.KnownAllergies}
		set := func(dst *string, v *string) {
			if v != nil {
				*dst = *v
			}
		}
		set(&p.FirstName, u.FirstName)
		set(&p.LastName, u.LastName)
		set(&p.DateOfBirth, u.DateOfBirth)
		set(&p.Gender, u.Gender)
		set(&p.ContactInfo, u.ContactInfo)
		set(&p.Address, u.Address)
		set(&p.KnownAllergies, u.KnownAllergies)
		p.normalize()
		if err := p.Validate(today); err != nil {
			return err
		}
		estimated := cur.BirthDateEstimated && p.DateOfBirth == cur.DateOfBirth
		if u.BirthDateEstimated != nil {
			estimated = *u.BirthDateEstimated
		}
		out, err = scanPatient(tx.QueryRow(ctx, `
			UPDATE core_patient AS p SET first_name = $2, last_name = $3, date_of_birth = $4, gender = $5,
			       contact_info = nullif($6, ''), address = nullif($7, ''), known_allergies = nullif($8, ''),
			       birth_date_estimated = $9
			 WHERE p.id = $1 RETURNING `+patientColumns,
			id, p.FirstName, p.LastName, p.DateOfBirth, p.Gender, p.ContactInfo, p.Address, p.KnownAllergies, estimated))
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
		p, err = scanPatient(tx.QueryRow(ctx, `SELECT `+patientColumns+` FROM core_patient p WHERE p.id = $1`, id))
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
func Exists(ctx context.Context, q settings.Querier, id int64) (bool, error) {
	var ok bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_patient WHERE id = $1)`, id).Scan(&ok)
	return ok, err
}
