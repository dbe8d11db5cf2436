package clinical

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/handover"
	"chelal/internal/i18n"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// VitalsRecord is a stored reading: canonical units, the BMI the server computed, the flags of
// values outside the normal range for the patient's age at the reading, and who took it.
type VitalsRecord struct {
	ID          int64 `json:"id"`
	EncounterID int64 `json:"encounter_id"`
	PatientID   int64 `json:"patient_id"`
	Vitals
	Flags          []Flag    `json:"flags"`
	RecordedAt     time.Time `json:"recorded_at"`
	RecordedBy     *int64    `json:"recorded_by"`
	RecordedByName string    `json:"recorded_by_name"`
	Version        int64     `json:"version"`
}

const selectVitals = `
	SELECT v.id, v.encounter_id, e.patient_id, v.systolic_bp, v.diastolic_bp, v.heart_rate, v.respiratory_rate,
	       v.temperature::float8, v.oxygen_saturation::float8, v.height::float8, v.weight::float8, v.bmi::float8,
	       v.recorded_at, v.recorded_by, coalesce(trim(u.first_name || ' ' || u.last_name), ''), v.version,
	       p.date_of_birth, p.gender
	  FROM core_vitals v
	  JOIN core_encounter e ON e.id = v.encounter_id
	  JOIN core_patient p ON p.id = e.patient_id
	  LEFT JOIN auth_user u ON u.id = v.recorded_by`

// scanVitals reads a reading and flags it, the flags' messages in ctx's language.
func scanVitals(ctx context.Context, r pgx.Row) (VitalsRecord, error) {
	var v VitalsRecord
	var s Subject
	err := r.Scan(&v.ID, &v.EncounterID, &v.PatientID, &v.SystolicBP, &v.DiastolicBP, &v.HeartRate, &v.RespiratoryRate,
		&v.Temperature, &v.OxygenSaturation, &v.Height, &v.Weight, &v.BMI, &v.RecordedAt, &v.RecordedBy, &v.RecordedByName, &v.Version,
		&s.BirthDate, &s.Sex)
	v.RecordedAt = v.RecordedAt.UTC()
	s.At = v.RecordedAt
	v.Flags = FlagsIn(i18n.LangOf(ctx), v.Vitals, s)
	if v.Flags == nil {
		v.Flags = []Flag{}
	}
	return v, err
}

// ClinicUnits reads the clinic's vitals units.
func ClinicUnits(ctx context.Context, q db.Querier) (Units, error) {
	t, err := settings.Get(ctx, q, settings.TemperatureUnit, settings.DefaultTemperatureUnit)
	if err != nil {
		return Units{}, err
	}
	w, err := settings.Get(ctx, q, settings.WeightUnit, settings.DefaultWeightUnit)
	if err != nil {
		return Units{}, err
	}
	if t != "F" {
		t = "C"
	}
	if w != "lb" {
		w = "kg"
	}
	return Units{Temperature: t, Weight: w}, nil
}

// lockOpen locks an encounter that must still be open for a change of its content.
func lockOpen(ctx context.Context, tx pgx.Tx, id int64) (Encounter, error) {
	e, err := getForUpdate(ctx, tx, id)
	if err != nil {
		return e, err
	}
	if e.Status == StatusClosed {
		return e, apperr.New(apperr.ErrConflict, "This encounter is closed; nothing can be added to it but an addendum.").WithCode("encounter-closed")
	}
	return e, nil
}

// RecordVitals stores a reading taken in the clinic's units on an open encounter.
func (s *Service) RecordVitals(ctx context.Context, actor db.Actor, encounterID int64, in VitalsInput) (VitalsRecord, error) {
	units, err := ClinicUnits(ctx, s.db.Pool)
	if err != nil {
		return VitalsRecord{}, err
	}
	v, err := in.Normalize(units)
	if err != nil {
		return VitalsRecord{}, err
	}
	var out VitalsRecord
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := lockOpen(ctx, tx, encounterID); err != nil {
			return err
		}
		var id int64
		err := tx.QueryRow(ctx, `
			INSERT INTO core_vitals (encounter_id, systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature,
			                         oxygen_saturation, height, weight, bmi, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, nullif($11, 0)) RETURNING id`,
			encounterID, v.SystolicBP, v.DiastolicBP, v.HeartRate, v.RespiratoryRate, v.Temperature, v.OxygenSaturation,
			v.Height, v.Weight, v.BMI, actor.UserID).Scan(&id)
		if err != nil {
			return fmt.Errorf("record vitals: %w", err)
		}
		if err := handover.VitalsTaken(ctx, tx, encounterID); err != nil {
			return err
		}
		out, err = scanVitals(ctx, tx.QueryRow(ctx, selectVitals+` WHERE v.id = $1`, id))
		return err
	})
	return out, err
}

// VitalsList is readings, oldest first (the order of a chart).
type VitalsList struct {
	Items []VitalsRecord `json:"items"`
	Units Units          `json:"units"`
}

// MaxVitals caps a patient's vitals history in one answer.
const MaxVitals = 1000

// ListVitals returns an encounter's readings, or a patient's (encounterID 0), oldest first,
// the most recent MaxVitals at most. An unknown encounter or patient is apperr.ErrNotFound.
func (s *Service) ListVitals(ctx context.Context, encounterID, patientID int64) (VitalsList, error) {
	out := VitalsList{Items: []VitalsRecord{}}
	var exists bool
	var where string
	var arg int64
	if encounterID != 0 {
		where, arg = "v.encounter_id = $1", encounterID
		if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_encounter WHERE id = $1)`, encounterID).Scan(&exists); err != nil {
			return out, err
		}
	} else {
		where, arg = "e.patient_id = $1", patientID
		if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_patient WHERE id = $1)`, patientID).Scan(&exists); err != nil {
			return out, err
		}
	}
	if !exists {
		return out, apperr.ErrNotFound
	}
	var err error
	if out.Units, err = ClinicUnits(ctx, s.db.Pool); err != nil {
		return out, err
	}
	if out.Items, err = db.QueryAll(ctx, s.db.Pool, func(r pgx.CollectableRow) (VitalsRecord, error) { return scanVitals(ctx, r) },
		`SELECT * FROM (`+selectVitals+` WHERE `+where+
			` ORDER BY v.recorded_at DESC, v.id DESC LIMIT $2) x ORDER BY recorded_at, id`, arg, MaxVitals); err != nil {
		return out, fmt.Errorf("vitals: %w", err)
	}
	return out, nil
}

// Prescription is one medication prescribed in an encounter.
type Prescription struct {
	ID                    int64     `json:"id"`
	EncounterID           int64     `json:"encounter_id"`
	PatientID             int64     `json:"patient_id"`
	MedicationID          *int64    `json:"medication_id"`
	MedicationName        string    `json:"medication_name"`
	Strength              string    `json:"strength"`
	Form                  string    `json:"form"`
	IsFreeText            bool      `json:"is_free_text"`
	Dosage                string    `json:"dosage"`
	Frequency             string    `json:"frequency"`
	Duration              string    `json:"duration"`
	Quantity              int       `json:"quantity"`
	DispensedQuantity     int       `json:"dispensed_quantity"`
	Instructions          string    `json:"instructions"`
	AllergyWarning        string    `json:"allergy_warning"`
	AllergyOverrideReason string    `json:"allergy_override_reason"`
	Warnings              []string  `json:"warnings"`
	CreatedAt             time.Time `json:"created_at"`
	Version               int64     `json:"version"`

	// Status is active, dispensed (in full), discontinued (by a doctor) or returned (sent
	// back to the prescriber by the pharmacist); only an active one can be dispensed.
	Status            string     `json:"status" enum:"active,dispensed,discontinued,returned"`
	DiscontinuedAt    *time.Time `json:"discontinued_at"`
	DiscontinueReason string     `json:"discontinue_reason"`
	ReturnedAt        *time.Time `json:"returned_at"`
	ReturnReason      string     `json:"return_reason"`
	LinkedAt          *time.Time `json:"linked_at" doc:"When the pharmacist linked this free-text prescription to the catalog."`
}

// The states of a prescription (Prescription.Status).
const (
	RxActive       = "active"
	RxDispensed    = "dispensed"
	RxDiscontinued = "discontinued"
	RxReturned     = "returned"
)

const selectPrescription = `
	SELECT pr.id, pr.encounter_id, e.patient_id, pr.medication_id, pr.medication_name, coalesce(m.strength, ''),
	       coalesce(m.form, ''), pr.dosage, pr.frequency, pr.duration, pr.quantity, pr.dispensed_quantity,
	       pr.instructions, coalesce(pr.allergy_warning, ''), coalesce(pr.allergy_override_reason, ''),
	       pr.discontinued_at, coalesce(pr.discontinue_reason, ''), pr.returned_at, coalesce(pr.return_reason, ''), pr.linked_at,
	       pr.created_at, pr.version
	  FROM core_prescription pr
	  JOIN core_encounter e ON e.id = pr.encounter_id
	  LEFT JOIN core_medicationitem m ON m.id = pr.medication_id`

func scanPrescription(r pgx.Row) (Prescription, error) {
	var p Prescription
	err := r.Scan(&p.ID, &p.EncounterID, &p.PatientID, &p.MedicationID, &p.MedicationName, &p.Strength, &p.Form,
		&p.Dosage, &p.Frequency, &p.Duration, &p.Quantity, &p.DispensedQuantity, &p.Instructions, &p.AllergyWarning,
		&p.AllergyOverrideReason, &p.DiscontinuedAt, &p.DiscontinueReason, &p.ReturnedAt, &p.ReturnReason, &p.LinkedAt,
		&p.CreatedAt, &p.Version)
	p.CreatedAt = p.CreatedAt.UTC()
	for _, t := range []*time.Time{p.DiscontinuedAt, p.ReturnedAt, p.LinkedAt} {
		if t != nil {
			*t = t.UTC()
		}
	}
	p.IsFreeText = p.MedicationID == nil
	switch {
	case p.DiscontinuedAt != nil:
		p.Status = RxDiscontinued
	case p.ReturnedAt != nil:
		p.Status = RxReturned
	case p.DispensedQuantity >= p.Quantity:
		p.Status = RxDispensed
	default:
		p.Status = RxActive
	}
	p.Warnings = []string{}
	if p.AllergyWarning != "" {
		p.Warnings = strings.Split(p.AllergyWarning, "\n")
	}
	return p, err
}

// PrescribeParams is a prescription. MedicationID picks the pharmacy catalog's medication (its
// name is then the catalog's); without it, MedicationName is free text. When the medication
// matches the patient's allergies, the doctor must confirm with a reason.
type PrescribeParams struct {
	MedicationID          *int64 `json:"medication_id,omitempty"`
	MedicationName        string `json:"medication_name,omitempty" validate:"max=255"`
	Dosage                string `json:"dosage" validate:"max=100"`
	Frequency             string `json:"frequency" validate:"max=100"`
	Duration              string `json:"duration,omitempty" validate:"max=100"`
	Quantity              *int   `json:"quantity" validate:"min=1,max=100000"`
	Instructions          string `json:"instructions,omitempty" validate:"max=2000"`
	ConfirmAllergy        bool   `json:"confirm_allergy,omitempty"`
	AllergyOverrideReason string `json:"allergy_override_reason,omitempty" validate:"max=1000"`
}

// AllergyDetails is the problem's details of an allergy warning: what matched.
type AllergyDetails struct {
	Warnings []string `json:"warnings"`
}

func (p *PrescribeParams) normalize() {
	validate.Trim(&p.MedicationName, &p.Dosage, &p.Frequency, &p.Duration, &p.Instructions, &p.AllergyOverrideReason)
}

// Validate reports every bad field at once: the tags' limits, and what a prescription needs
// (a medication, a dose, how often, a quantity; a reason with a confirmed allergy).
func (p PrescribeParams) Validate() error {
	f := p.fields()
	return f.Err()
}

// fields are Validate's field errors (CorrectParams adds its reason's).
func (p PrescribeParams) fields() apperr.Fields {
	f := validate.Struct(p)
	required := func(field, v string, needed bool, what string) {
		if needed && v == "" {
			f.Add(field, apperr.CodeRequired, what)
		}
	}
	required("medication_name", p.MedicationName, p.MedicationID == nil, "Choose a medication from the catalog or type its name.")
	required("dosage", p.Dosage, true, "Give the dose, e.g. 500 mg.")
	required("frequency", p.Frequency, true, "Give how often, e.g. three times a day.")
	required("allergy_override_reason", p.AllergyOverrideReason, p.ConfirmAllergy, "Say why you prescribe it despite the allergy.")
	if p.MedicationID != nil && *p.MedicationID <= 0 {
		f.Add("medication_id", apperr.CodeInvalid, "There is no such medication.")
	}
	if p.Quantity == nil {
		f.Add("quantity", apperr.CodeRequired, "Give the quantity to dispense.")
	}
	return f
}

// Prescribe adds a prescription to an open encounter, by its doctor. A match with the patient's
// known allergies is refused (409 allergy-warning, with the warnings as details) unless the
// doctor confirms with a reason, which is then kept with the prescription.
func (s *Service) Prescribe(ctx context.Context, actor db.Actor, encounterID int64, p PrescribeParams) (Prescription, error) {
	p.normalize()
	if err := p.Validate(); err != nil {
		return Prescription{}, err
	}
	var out Prescription
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		enc, err := lockOpen(ctx, tx, encounterID)
		if err != nil {
			return err
		}
		if err := mayWrite(enc, actor.UserID); err != nil {
			return err
		}
		out, err = insertPrescription(ctx, tx, enc, p)
		return err
	})
	return out, err
}

// insertPrescription writes a validated prescription on enc (locked by the caller), after
// the allergy check: a match is a 409 allergy-warning unless p confirms it with a reason.
// Prescribe uses it on an open encounter, Correct on a closed one too.
func insertPrescription(ctx context.Context, tx pgx.Tx, enc Encounter, p PrescribeParams) (Prescription, error) {
	encounterID := enc.ID
	name, category, generic := p.MedicationName, "", ""
	medID := p.MedicationID
	var catalog []CatalogMedication
	if medID != nil {
		err := tx.QueryRow(ctx, `SELECT m.name, c.name, coalesce(m.generic_name, '') FROM core_medicationitem m JOIN core_medicationcategory c ON c.id = m.category_id
			WHERE m.id = $1`, *medID).Scan(&name, &category, &generic)
		if errors.Is(err, pgx.ErrNoRows) {
			return Prescription{}, apperr.Invalid(apperr.FieldError{Field: "medication_id", Code: apperr.CodeInvalid, Message: "There is no such medication in the catalog."})
		}
		if err != nil {
			return Prescription{}, fmt.Errorf("medication: %w", err)
		}
	} else {
		// A typed name that is the catalog's is the catalog's medication.
		var id int64
		err := tx.QueryRow(ctx, `SELECT m.id, m.name, c.name, coalesce(m.generic_name, '') FROM core_medicationitem m JOIN core_medicationcategory c ON c.id = m.category_id
			WHERE lower(m.name) = lower($1)`, name).Scan(&id, &name, &category, &generic)
		switch {
		case err == nil:
			medID = &id
		case !errors.Is(err, pgx.ErrNoRows):
			return Prescription{}, fmt.Errorf("medication: %w", err)
		case strings.TrimSpace(enc.KnownAllergies) != "":
			// Free text: checked against the catalog medications it names as well.
			if catalog, err = loadCatalog(ctx, tx); err != nil {
				return Prescription{}, err
			}
		}
	}
	var warnings []string
	if medID == nil {
		warnings = FreeTextWarningsIn(i18n.LangOf(ctx), enc.KnownAllergies, name, catalog)
	} else {
		warnings = CatalogAllergyWarningsIn(i18n.LangOf(ctx), enc.KnownAllergies, CatalogMedication{Name: name, Category: category, GenericName: generic})
	}
	if len(warnings) > 0 && !p.ConfirmAllergy {
		return Prescription{}, apperr.New(apperr.ErrConflict, "This medication matches the patient's known allergies: "+warnings[0]+
			" Confirm with a reason to prescribe it anyway.").WithCode("allergy-warning").WithKey("err.allergy.prescribe", "warning", warnings[0]).WithDetails(AllergyDetails{Warnings: warnings})
	}
	var warning, reason *string
	if len(warnings) > 0 {
		w := strings.Join(warnings, "\n")
		warning, reason = &w, &p.AllergyOverrideReason
	}
	var id int64
	err := tx.QueryRow(ctx, `
		INSERT INTO core_prescription (encounter_id, medication_id, medication_name, dosage, frequency, duration,
		                               quantity, instructions, allergy_warning, allergy_override_reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
		encounterID, medID, name, p.Dosage, p.Frequency, p.Duration, *p.Quantity, p.Instructions, warning, reason).Scan(&id)
	if err != nil {
		return Prescription{}, fmt.Errorf("prescribe: %w", err)
	}
	return scanPrescription(tx.QueryRow(ctx, selectPrescription+` WHERE pr.id = $1`, id))
}

// PrescriptionList is an encounter's prescriptions, in the order written.
type PrescriptionList struct {
	Items []Prescription `json:"items"`
}

// ListPrescriptions returns an encounter's prescriptions; an unknown encounter is
// apperr.ErrNotFound.
func (s *Service) ListPrescriptions(ctx context.Context, encounterID int64) (PrescriptionList, error) {
	out := PrescriptionList{Items: []Prescription{}}
	var exists bool
	if err := s.db.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_encounter WHERE id = $1)`, encounterID).Scan(&exists); err != nil {
		return out, err
	}
	if !exists {
		return out, apperr.ErrNotFound
	}
	items, err := db.QueryAll(ctx, s.db.Pool, func(r pgx.CollectableRow) (Prescription, error) { return scanPrescription(r) },
		selectPrescription+` WHERE pr.encounter_id = $1 ORDER BY pr.id`, encounterID)
	if err != nil {
		return out, fmt.Errorf("prescriptions: %w", err)
	}
	out.Items = items
	return out, nil
}
