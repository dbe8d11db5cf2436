package settings

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// Keys of the clinic's settings, with their defaults beside the code that reads them.
const (
	ClinicName  = "clinic_name"  // string
	MRNPrefix   = "mrn_prefix"   // string, 1-10 capital letters; default "CHL"
	SlotMinutes = "slot_minutes" // integer minutes per appointment slot; default 15
	TimeZone    = "timezone"     // IANA name; default the machine's
	Currency    = "currency"     // ISO 4217 code money is shown in ("KES"); default none (amounts without a symbol)
	// DateFormat is how the UI's date fields show and read a day: "DD/MM/YYYY" (default),
	// "MM/DD/YYYY" or "YYYY-MM-DD"; the API's dates are ISO whatever it is.
	DateFormat = "date_format"

	// ExpiryWarningDays is how many days before a batch expires the pharmacy is warned
	// (integer, 1-730; default 90).
	ExpiryWarningDays = "pharmacy_expiry_warning_days"
	// TemperatureUnit and WeightUnit are the units nurses type vitals in ("C" or "F", "kg" or
	// "lb"); vitals are stored in °C and kg whatever they are.
	TemperatureUnit = "temperature_unit"
	WeightUnit      = "weight_unit"

	// Billing's automatic lines (internal/billing.ChargeInTx).
	BillingAutoConsultation = "billing_auto_consultation" // bool: closing an encounter charges the consultation fee; default true
	BillingConsultationCode = "billing_consultation_code" // string: the catalog code of that fee; default "CONSULT"
	BillingAutoDispense     = "billing_auto_dispense"     // bool: dispensing charges the medication; default true

	// ReportAgeBands are the age groups of the attendance and morbidity reports, as the
	// lower bound in years of each group, ascending from 0 (internal/reports); default
	// DefaultReportAgeBands: <1, 1-4, 5-14, 15-24, 25-49, 50+.
	ReportAgeBands = "report_age_bands"
	BillingAutoLab = "billing_auto_lab" // bool: ordering a lab test charges it; default true

	// LabVerification: a result is final only once a second technician verified it (bool; default false).
	LabVerification = "lab_verification"
)

// DefaultReportAgeBands are the age groups of an outpatient return (see ReportAgeBands).
var DefaultReportAgeBands = []int{0, 1, 5, 15, 25, 50}

// Get reads key into a T, or returns def when the key was never set.
func Get[T any](ctx context.Context, q db.Querier, key string, def T) (T, error) {
	var raw []byte
	err := q.QueryRow(ctx, `SELECT value FROM core_setting WHERE key = $1`, key).Scan(&raw)
	if errors.Is(err, pgx.ErrNoRows) {
		return def, nil
	}
	if err != nil {
		return def, fmt.Errorf("setting %s: %w", key, err)
	}
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return def, fmt.Errorf("setting %s: %w", key, err)
	}
	return v, nil
}
