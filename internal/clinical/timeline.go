package clinical

import (
	"context"
	"encoding/json"
	"strings"

	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/patients"
)

// Kinds of the entries clinical contributes to a patient's timeline.
const (
	TimelineEncounter    = "encounter"
	TimelineVitals       = "vitals"
	TimelinePrescription = "prescription"
)

// EncounterTimeline is a patient's encounters for the chart's timeline, newest first (at most
// limit): the diagnosis and the notes as typed.
func EncounterTimeline(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	return patients.TimelineRows(ctx, q, TimelineEncounter, `
		SELECT e.id, e.created_at, coalesce(e.diagnosis, ''), e.notes
		  FROM core_encounter e WHERE e.patient_id = $1
		 ORDER BY e.created_at DESC, e.id DESC LIMIT $2`, patientID, limit, nil)
}

// PrescriptionTimeline is a patient's prescriptions for the chart's timeline, newest first.
func PrescriptionTimeline(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	return patients.TimelineRows(ctx, q, TimelinePrescription, `
		SELECT pr.id, pr.created_at, pr.medication_name, pr.dosage || ', ' || pr.frequency
		  FROM core_prescription pr JOIN core_encounter e ON e.id = pr.encounter_id WHERE e.patient_id = $1
		 ORDER BY pr.created_at DESC, pr.id DESC LIMIT $2`, patientID, limit, nil)
}

// VitalsTimeline is a patient's vitals readings for the chart's timeline, newest first. A
// reading may hold any of its measures (a weight alone): its values come out as JSON, and the
// title and details are written in ctx's language ("T 37,8 °C" in French).
func VitalsTimeline(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	lang := i18n.LangOf(ctx)
	return patients.TimelineRows(ctx, q, TimelineVitals, `
		SELECT v.id, v.recorded_at, '',
		       json_build_object('systolic_bp', v.systolic_bp, 'diastolic_bp', v.diastolic_bp, 'heart_rate', v.heart_rate,
		                         'respiratory_rate', v.respiratory_rate, 'temperature', v.temperature,
		                         'oxygen_saturation', v.oxygen_saturation, 'weight', v.weight, 'height', v.height)::text
		  FROM core_vitals v JOIN core_encounter e ON e.id = v.encounter_id WHERE e.patient_id = $1
		 ORDER BY v.recorded_at DESC, v.id DESC LIMIT $2`, patientID, limit, func(e *patients.TimelineEntry) error {
		var v Vitals
		if err := json.Unmarshal([]byte(e.Details), &v); err != nil {
			return err
		}
		e.Title, e.Details = timelineText(v, lang)
		return nil
	})
}

// timelineText is a reading's timeline title and details in l: the title is the pressure, or failing
// that the first measure taken (temperature, then weight); the details are the others taken.
// Temperature, weight and height keep the one decimal they are stored with ("T 37,8 °C").
func timelineText(v Vitals, l i18n.Lang) (title, details string) {
	var parts []string
	add := func(key string, pairs ...any) { parts = append(parts, l.T(key, pairs...)) }
	var titleKey string
	switch {
	case v.SystolicBP != nil && v.DiastolicBP != nil:
		title = l.T("timeline.bp", "sys", *v.SystolicBP, "dia", *v.DiastolicBP)
	case v.Temperature != nil:
		title, titleKey = l.T("timeline.temp", "v", l.Number(*v.Temperature, 1)), "t"
	case v.Weight != nil:
		title, titleKey = l.T("timeline.weight_title", "v", l.Number(*v.Weight, 1)), "w"
	default:
		title = l.T("timeline.vitals")
	}
	if v.HeartRate != nil {
		add("timeline.hr", "v", *v.HeartRate)
	}
	if v.RespiratoryRate != nil {
		add("timeline.rr", "v", *v.RespiratoryRate)
	}
	if v.Temperature != nil && titleKey != "t" {
		add("timeline.temp", "v", l.Number(*v.Temperature, 1))
	}
	if v.OxygenSaturation != nil {
		add("timeline.spo2", "v", *v.OxygenSaturation)
	}
	if v.Weight != nil && titleKey != "w" {
		add("timeline.weight", "v", l.Number(*v.Weight, 1))
	}
	if v.Height != nil {
		add("timeline.height", "v", l.Number(*v.Height, 1))
	}
	return title, strings.Join(parts, ", ")
}
