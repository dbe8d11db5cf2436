package settings

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"golang.org/x/text/currency"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/validate"
)

// Defaults of the settings an administrator may change (the readers use these too).
const (
	DefaultClinicName        = "Chelal clinic"
	DefaultMRNPrefix         = "CHL"
	DefaultSlotMinutes       = 15
	DefaultTemperatureUnit   = "C"
	DefaultWeightUnit        = "kg"
	DefaultExpiryWarningDays = 90
	DefaultConsultationCode  = "CONSULT"
	DefaultDateFormat        = "DD/MM/YYYY"
)

// Clinic is every setting with its value in effect (the default where none was set), and the
// settings' version: it grows with each change, for optimistic concurrency.
type Clinic struct {
	ClinicName              string `json:"clinic_name"`
	MRNPrefix               string `json:"mrn_prefix" doc:"Read-only: the prefix of record numbers already issued."`
	SlotMinutes             int    `json:"slot_minutes"`
	TimeZone                string `json:"timezone" doc:"IANA name; empty: the server's own zone"`
	Zone                    string `json:"zone" doc:"Read-only: the time zone in effect (IANA name), timezone or else the server's own; every today and wall-clock time is read in it"`
	Currency                string `json:"currency" doc:"ISO 4217 code money is shown in; empty: amounts without a currency"`
	DateFormat              string `json:"date_format" enum:"DD/MM/YYYY,MM/DD/YYYY,YYYY-MM-DD" doc:"How the UI's date fields show and read a day; the API's dates are ISO whatever it is"`
	TemperatureUnit         string `json:"temperature_unit" enum:"C,F"`
	WeightUnit              string `json:"weight_unit" enum:"kg,lb"`
	ExpiryWarningDays       int    `json:"pharmacy_expiry_warning_days"`
	BillingAutoConsultation bool   `json:"billing_auto_consultation"`
	BillingConsultationCode string `json:"billing_consultation_code"`
	BillingAutoDispense     bool   `json:"billing_auto_dispense"`
	ReportAgeBands          []int  `json:"report_age_bands" doc:"The reports' age groups: each group's lower bound in years, ascending from 0"`
	BillingAutoLab          bool   `json:"billing_auto_lab"`
	LabVerification         bool   `json:"lab_verification"`
	Version                 int64  `json:"version"`
}

// Change is an administrator's change of some settings, made on Version; absent fields stay.
type Change struct {
	Version                 int64   `json:"version"`
	ClinicName              *string `json:"clinic_name,omitempty" validate:"required,max=200"`
	SlotMinutes             *int    `json:"slot_minutes,omitempty" validate:"min=5,max=240"`
	TimeZone                *string `json:"timezone,omitempty"`
	Currency                *string `json:"currency,omitempty"`
	DateFormat              *string `json:"date_format,omitempty" validate:"required,oneof=DD/MM/YYYY MM/DD/YYYY YYYY-MM-DD"`
	TemperatureUnit         *string `json:"temperature_unit,omitempty" validate:"required,oneof=C F"`
	WeightUnit              *string `json:"weight_unit,omitempty" validate:"required,oneof=kg lb"`
	ExpiryWarningDays       *int    `json:"pharmacy_expiry_warning_days,omitempty" validate:"min=1,max=730"`
	BillingAutoConsultation *bool   `json:"billing_auto_consultation,omitempty"`
	BillingConsultationCode *string `json:"billing_consultation_code,omitempty"`
	BillingAutoDispense     *bool   `json:"billing_auto_dispense,omitempty"`
	ReportAgeBands          []int   `json:"report_age_bands,omitempty" validate:"max=12"`
	BillingAutoLab          *bool   `json:"billing_auto_lab,omitempty"`
	LabVerification         *bool   `json:"lab_verification,omitempty"`
}

// Load reads the settings in effect.
func Load(ctx context.Context, q db.Querier) (Clinic, error) {
	c := Clinic{ClinicName: DefaultClinicName, MRNPrefix: DefaultMRNPrefix, SlotMinutes: DefaultSlotMinutes,
		TemperatureUnit: DefaultTemperatureUnit, WeightUnit: DefaultWeightUnit, ExpiryWarningDays: DefaultExpiryWarningDays,
		BillingAutoConsultation: true, BillingConsultationCode: DefaultConsultationCode, BillingAutoDispense: true,
		BillingAutoLab: true, DateFormat: DefaultDateFormat, ReportAgeBands: DefaultReportAgeBands}
	fields := map[string]any{
		ClinicName: &c.ClinicName, MRNPrefix: &c.MRNPrefix, SlotMinutes: &c.SlotMinutes, TimeZone: &c.TimeZone, Currency: &c.Currency,
		TemperatureUnit: &c.TemperatureUnit, WeightUnit: &c.WeightUnit, ExpiryWarningDays: &c.ExpiryWarningDays,
		BillingAutoConsultation: &c.BillingAutoConsultation, BillingConsultationCode: &c.BillingConsultationCode,
		BillingAutoDispense: &c.BillingAutoDispense, DateFormat: &c.DateFormat, ReportAgeBands: &c.ReportAgeBands,
		BillingAutoLab: &c.BillingAutoLab, LabVerification: &c.LabVerification,
	}
	c.Version = 1 // a clinic that never set anything is at version 1
	rows, err := q.Query(ctx, `SELECT key, value, version FROM core_setting`)
	if err != nil {
		return c, fmt.Errorf("settings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var key string
		var raw []byte
		var v int64
		if err := rows.Scan(&key, &raw, &v); err != nil {
			return c, err
		}
		c.Version += v
		if dst, ok := fields[key]; ok {
			if err := json.Unmarshal(raw, dst); err != nil {
				return c, fmt.Errorf("setting %s: %w", key, err)
			}
		}
	}
	if err := rows.Err(); err != nil {
		return c, err
	}
	c.Zone = c.TimeZone
	if c.Zone == "" {
		c.Zone = ZoneName(time.Local)
	}
	return c, nil
}

var consultationCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,50}$`)

// Validate reports every bad field of a change at once (its clinic name trimmed).
func (ch Change) Validate() error {
	_, err := ch.check()
	return err
}

// check validates a change (every bad field at once) and returns the keys and JSON values to
// write.
func (ch Change) check() (map[string]any, error) {
	if ch.ClinicName != nil {
		v := strings.TrimSpace(*ch.ClinicName)
		ch.ClinicName = &v
	}
	f := validate.Struct(ch)
	out := map[string]any{}
	apperr.CheckVersion(&f, ch.Version)
	put(out, ClinicName, ch.ClinicName)
	if ch.SlotMinutes != nil {
		if v := *ch.SlotMinutes; v >= 5 && v <= 240 && 60%v != 0 && v%60 != 0 && v%15 != 0 {
			f.Add("slot_minutes", apperr.CodeOutOfRange, "A slot is 5 to 240 minutes and fits the hour (5, 10, 15, 20, 30, 45, 60, 90, 120...).")
		}
		out[SlotMinutes] = *ch.SlotMinutes
	}
	if ch.TimeZone != nil {
		v := strings.TrimSpace(*ch.TimeZone)
		if v != "" {
			if _, err := time.LoadLocation(v); err != nil || len(v) > 64 || strings.EqualFold(v, "local") {
				f.Add("timezone", apperr.CodeInvalid, "Give a time zone such as Africa/Nairobi.")
			}
		}
		out[TimeZone] = v
	}
	if ch.Currency != nil {
		v, ok := CheckCurrency(*ch.Currency)
		if !ok {
			f.Add("currency", apperr.CodeInvalid, "Give a currency code such as KES, TZS, UGX, EUR or USD.")
		}
		out[Currency] = v
	}
	put(out, TemperatureUnit, ch.TemperatureUnit)
	put(out, DateFormat, ch.DateFormat)
	put(out, WeightUnit, ch.WeightUnit)
	put(out, ExpiryWarningDays, ch.ExpiryWarningDays)
	put(out, BillingAutoConsultation, ch.BillingAutoConsultation)
	put(out, BillingAutoDispense, ch.BillingAutoDispense)
	put(out, BillingAutoLab, ch.BillingAutoLab)
	put(out, LabVerification, ch.LabVerification)
	if ch.BillingConsultationCode != nil {
		v := strings.TrimSpace(*ch.BillingConsultationCode)
		if !consultationCode.MatchString(v) {
			f.Add("billing_consultation_code", apperr.CodeInvalid, "A catalog code: letters, digits, - _ . (at most 50).")
		}
		out[BillingConsultationCode] = v
	}
	if ch.ReportAgeBands != nil {
		if !AgeBandsValid(ch.ReportAgeBands) {
			f.Add("report_age_bands", apperr.CodeInvalid, "Give the lower bound in years of each age group, ascending from 0 (at most 12 groups, under 120).")
		}
		out[ReportAgeBands] = ch.ReportAgeBands
	}
	return out, f.Err()
}

// put sets out[key] to the value v points to, when a change gives one.
func put[T any](out map[string]any, key string, v *T) {
	if v != nil {
		out[key] = *v
	}
}

// AgeBandsValid says whether bands are age groups' lower bounds: 1 to 12 of them, strictly
// ascending from 0, under 120.
func AgeBandsValid(bands []int) bool {
	if len(bands) == 0 || len(bands) > 12 || bands[0] != 0 {
		return false
	}
	for i := 1; i < len(bands); i++ {
		if bands[i] <= bands[i-1] || bands[i] >= 120 {
			return false
		}
	}
	return true
}

// CheckCurrency reads a currency code (ISO 4217, any case, "" for none) and says whether it is
// one: money is printed with it, so a code no one knows would print nonsense on receipts.
func CheckCurrency(v string) (string, bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	if v == "" {
		return "", true
	}
	if len(v) != 3 {
		return v, false
	}
	u, err := currency.ParseISO(v)
	return v, err == nil && u.String() == v
}

// Apply makes an administrator's change, in one transaction with its audit rows. A change made
// on an older version than the settings' is refused (409) and changes nothing.
func Apply(ctx context.Context, d *db.DB, actor db.Actor, ch Change) (Clinic, error) {
	values, err := ch.check()
	if err != nil {
		return Clinic{}, err
	}
	var out Clinic
	err = d.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		// One change of the settings at a time, so the version compared is the one replaced.
		if _, err := tx.Exec(ctx, `LOCK TABLE core_setting IN SHARE ROW EXCLUSIVE MODE`); err != nil {
			return err
		}
		cur, err := Load(ctx, tx)
		if err != nil {
			return err
		}
		if cur.Version != ch.Version {
			return apperr.Stale("settings")
		}
		for key, v := range values {
			raw, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO core_setting (key, value) VALUES ($1, $2)
				ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`, key, raw); err != nil {
				return fmt.Errorf("setting %s: %w", key, err)
			}
		}
		out, err = Load(ctx, tx)
		return err
	})
	return out, err
}
