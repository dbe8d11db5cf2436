package clinical

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/patients"
	"chelal/internal/pdfdoc"
	"chelal/internal/settings"
)

// PrescriptionPDF renders an encounter's prescriptions as a PDF to hand to the patient: clinic
// header, patient, doctor, date, items and a signature line. Printing is recorded in the
// audit log like any reading of the chart.
func (s *Service) PrescriptionPDF(ctx context.Context, actor db.Actor, encounterID int64) ([]byte, error) {
	var (
		enc       Encounter
		items     PrescriptionList
		clinic    string
		dob       time.Time
		estimated bool
		gender    string
		loc       *time.Location
	)
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var err error
		if enc, err = s.load(ctx, tx, encounterID); err != nil {
			return err
		}
		if items, err = s.ListPrescriptions(ctx, encounterID); err != nil {
			return err
		}
		if err = tx.QueryRow(ctx, `SELECT date_of_birth, birth_date_estimated, gender FROM core_patient WHERE id = $1`, enc.PatientID).Scan(&dob, &estimated, &gender); err != nil {
			return fmt.Errorf("patient: %w", err)
		}
		if clinic, err = settings.Get(ctx, tx, settings.ClinicName, settings.DefaultClinicName); err != nil {
			return err
		}
		if loc, err = patients.ClinicLocation(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_encounter", ObjectID: encounterID,
			Changes: map[string]any{"printed": "prescription"}})
	})
	if err != nil {
		return nil, err
	}
	when := enc.CreatedAt.In(loc)
	d := pdfdoc.New(pdfdoc.A4, clinic, "Prescription", when)
	d.Field("Date", when.Format("2 January 2006, 15:04"))
	d.Field("Patient", fmt.Sprintf("%s (%s)", enc.PatientName, enc.PatientUniqueID))
	age := ageAt(dob, when)
	if estimated {
		age = "about " + age
	}
	d.Field("Age, sex", fmt.Sprintf("%s, %s", age, gender))
	if enc.KnownAllergies != "" {
		d.Field("Known allergies", enc.KnownAllergies)
	}
	d.Field("Prescriber", enc.DoctorName)
	d.Space(3)
	rows := prescriptionRows(items.Items, loc)
	if len(rows) == 0 {
		d.Paragraph("No medication was prescribed.")
	} else {
		d.Table([]pdfdoc.Column{{Title: "Medication", Share: 4}, {Title: "Dose", Share: 1.5}, {Title: "Frequency", Share: 2},
			{Title: "Duration", Share: 1.5}, {Title: "Qty", Share: 0.8, Align: "R"}}, rows)
	}
	d.Signature(enc.DoctorName)
	return d.Bytes()
}

// prescriptionRows are the printed prescription's lines: the medication with its instructions,
// and below it, in full, an allergy warning the prescriber overrode (and why) and a
// discontinuation (when and why), so the pharmacist reading the paper sees what the queue shows.
func prescriptionRows(items []Prescription, loc *time.Location) [][]string {
	rows := make([][]string, 0, len(items))
	for _, p := range items {
		name := p.MedicationName
		if p.Strength != "" {
			name += " " + p.Strength
		}
		if p.Form != "" {
			name += " (" + p.Form + ")"
		}
		if p.Instructions != "" {
			name += "\n" + p.Instructions
		}
		if p.AllergyWarning != "" {
			name += "\nALLERGY WARNING: " + p.AllergyWarning + "\nPrescribed despite it: " + p.AllergyOverrideReason
		}
		if p.DiscontinuedAt != nil {
			name += fmt.Sprintf("\nDISCONTINUED %s: %s (do not dispense)", p.DiscontinuedAt.In(loc).Format("2 January 2006, 15:04"), p.DiscontinueReason)
		}
		rows = append(rows, []string{name, p.Dosage, p.Frequency, p.Duration, strconv.Itoa(p.Quantity)})
	}
	return rows
}

// ageAt is a person's age at t, in years (months under two years).
func ageAt(dob, t time.Time) string {
	months := (t.Year()-dob.Year())*12 + int(t.Month()) - int(dob.Month())
	if t.Day() < dob.Day() {
		months--
	}
	if months < 24 {
		return fmt.Sprintf("%d months", max(months, 0))
	}
	return fmt.Sprintf("%d years", months/12)
}
