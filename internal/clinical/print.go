package clinical

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/audit"
	"chelal/internal/db"
	"chelal/internal/i18n"
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
		if loc, err = settings.Location(ctx, tx); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_encounter", ObjectID: encounterID,
			Changes: map[string]any{"printed": "prescription"}})
	})
	if err != nil {
		return nil, err
	}
	d := prescriptionDoc(i18n.LangOf(ctx), prescriptionPrint{enc: enc, items: items.Items, clinic: clinic, dob: dob,
		estimated: estimated, gender: gender, loc: loc})
	return d.Bytes()
}

// prescriptionPrint is what a printed prescription shows.
type prescriptionPrint struct {
	enc       Encounter
	items     []Prescription
	clinic    string
	dob       time.Time
	estimated bool
	gender    string
	loc       *time.Location
}

// prescriptionDoc lays out a prescription in language l: every label from the catalog; the
// names, doses and reasons as the staff wrote them.
func prescriptionDoc(l i18n.Lang, p prescriptionPrint) *pdfdoc.Doc {
	enc, loc := p.enc, p.loc
	when := enc.CreatedAt.In(loc)
	d := pdfdoc.New(pdfdoc.A4, p.clinic, l.T("pdf.rx.title"), when)
	d.Field(l.T("pdf.date"), l.Date(when, true))
	d.Field(l.T("pdf.patient"), fmt.Sprintf("%s (%s)", enc.PatientName, enc.PatientUniqueID))
	age := ageAt(l, p.dob, when)
	if p.estimated {
		age = l.T("age.about", "age", age)
	}
	d.Field(l.T("pdf.age_sex"), fmt.Sprintf("%s, %s", age, sexText(l, p.gender)))
	if enc.KnownAllergies != "" {
		d.Field(l.T("pdf.known_allergies"), enc.KnownAllergies)
	}
	d.Field(l.T("pdf.prescriber"), enc.DoctorName)
	d.Space(3)
	rows := prescriptionRows(l, p.items, loc)
	if len(rows) == 0 {
		d.Paragraph(l.T("pdf.rx.none"))
	} else {
		d.Table([]pdfdoc.Column{{Title: l.T("pdf.col.medication"), Share: 4}, {Title: l.T("pdf.col.dose"), Share: 1.5}, {Title: l.T("pdf.col.frequency"), Share: 2},
			{Title: l.T("pdf.col.duration"), Share: 1.5}, {Title: l.T("pdf.col.qty"), Share: 0.8, Align: "R"}}, rows)
	}
	d.Signature(enc.DoctorName)
	return d
}

// sexText is a patient's recorded sex in l (as stored when the catalog lacks it).
func sexText(l i18n.Lang, sex string) string {
	if !i18n.Has("sex." + sex) {
		return sex
	}
	return l.T("sex." + sex)
}

// prescriptionRows are the printed prescription's lines: the medication with its instructions,
// and below it, in full, an allergy warning the prescriber overrode (and why) and a
// discontinuation (when and why), so the pharmacist reading the paper sees what the queue shows.
func prescriptionRows(l i18n.Lang, items []Prescription, loc *time.Location) [][]string {
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
			name += "\n" + l.T("pdf.rx.allergy", "warning", p.AllergyWarning) + "\n" + l.T("pdf.rx.despite", "reason", p.AllergyOverrideReason)
		}
		if p.DiscontinuedAt != nil {
			name += "\n" + l.T("pdf.rx.discontinued", "at", l.Date(p.DiscontinuedAt.In(loc), true), "reason", p.DiscontinueReason)
		}
		rows = append(rows, []string{name, p.Dosage, p.Frequency, p.Duration, strconv.Itoa(p.Quantity)})
	}
	return rows
}

// ageAt is a person's age at t in l, in years (months under two years).
func ageAt(l i18n.Lang, dob, t time.Time) string {
	months := (t.Year()-dob.Year())*12 + int(t.Month()) - int(dob.Month())
	if t.Day() < dob.Day() {
		months--
	}
	if months < 24 {
		return l.T("age.months", "n", max(months, 0))
	}
	return l.T("age.years", "n", months/12)
}
