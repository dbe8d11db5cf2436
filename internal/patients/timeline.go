package patients

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
)

// Kinds of timeline entry. The caller says which the user may see.
const (
	KindAppointment  = "appointment"
	KindEncounter    = "encounter"
	KindVitals       = "vitals"
	KindPrescription = "prescription"
	KindBill         = "bill"
)

// TimelineEntry is one event of a patient's history.
type TimelineEntry struct {
	Kind    string    `json:"kind"`
	ID      int64     `json:"id"`
	At      time.Time `json:"at"`
	Title   string    `json:"title"`
	Details string    `json:"details"`
}

// Timeline is a patient's history, newest first.
type Timeline struct {
	Items []TimelineEntry `json:"items"`
}

// timelineSources is, per kind, the query of its entries ($1 = patient id).
var timelineSources = map[string]string{
	// The appointment's wall-clock time in the clinic's zone, read as if UTC; Timeline moves it.
	KindAppointment: `SELECT 'appointment', a.id, (a.date + a.time)::timestamp AT TIME ZONE 'UTC',
	                         a.status, coalesce(u.first_name || ' ' || u.last_name, '') || coalesce(' · ' || a.reason, '')
	                    FROM core_appointment a JOIN auth_user u ON u.id = a.doctor_id WHERE a.patient_id = $1`,
	KindEncounter: `SELECT 'encounter', e.id, e.created_at, coalesce(e.diagnosis, ''), e.notes
	                  FROM core_encounter e WHERE e.patient_id = $1`,
	// A reading may hold any of its measures (a weight alone): the title is the pressure, or
	// failing that the first measure taken; the details, the others that were taken.
	KindVitals: `SELECT 'vitals', v.id, v.recorded_at,
	                    coalesce(v.systolic_bp || '/' || v.diastolic_bp || ' mmHg', 'T ' || v.temperature || ' °C', 'Weight ' || v.weight || ' kg', 'Vitals'),
	                    concat_ws(', ', 'HR ' || v.heart_rate, 'RR ' || v.respiratory_rate,
	                              CASE WHEN v.systolic_bp IS NOT NULL THEN 'T ' || v.temperature || ' °C' END,
	                              'SpO2 ' || trim_scale(v.oxygen_saturation) || ' %',
	                              CASE WHEN v.systolic_bp IS NOT NULL OR v.temperature IS NOT NULL THEN 'weight ' || v.weight || ' kg' END,
	                              'height ' || v.height || ' cm')
	               FROM core_vitals v JOIN core_encounter e ON e.id = v.encounter_id WHERE e.patient_id = $1`,
	KindPrescription: `SELECT 'prescription', pr.id, pr.created_at, pr.medication_name, pr.dosage || ', ' || pr.frequency
	                     FROM core_prescription pr JOIN core_encounter e ON e.id = pr.encounter_id WHERE e.patient_id = $1`,
	KindBill: `SELECT 'bill', b.id, b.created_at, b.status, b.total_amount::text || ' (paid ' || b.paid_amount::text || ')'
	             FROM core_bill b WHERE b.patient_id = $1`,
}

// Timeline returns the entries of the kinds the user may see, newest first (at most limit).
func (s *Service) Timeline(ctx context.Context, id int64, kinds []string, limit int) (Timeline, error) {
	out := Timeline{Items: []TimelineEntry{}}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	ok, err := Exists(ctx, s.db.Pool, id)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, apperr.ErrNotFound
	}
	var parts []string
	for _, k := range kinds {
		if q, ok := timelineSources[k]; ok {
			parts = append(parts, q)
		}
	}
	if len(parts) == 0 {
		return out, nil
	}
	loc, err := ClinicLocation(ctx, s.db.Pool)
	if err != nil {
		return out, err
	}
	// Each source is cut at limit; the merged list is sorted and cut again below.
	rows, err := s.db.Pool.Query(ctx, `SELECT * FROM (`+strings.Join(parts, " UNION ALL ")+`) t (kind, id, at, title, details)
		ORDER BY at DESC, kind, id DESC LIMIT $2`, id, limit*len(parts))
	if err != nil {
		return out, fmt.Errorf("timeline: %w", err)
	}
	out.Items, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (TimelineEntry, error) {
		var e TimelineEntry
		err := r.Scan(&e.Kind, &e.ID, &e.At, &e.Title, &e.Details)
		e.At = e.At.UTC()
		if e.Kind == KindAppointment {
			w := e.At
			e.At = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
		}
		return e, err
	})
	if err != nil {
		return out, fmt.Errorf("timeline: %w", err)
	}
	sort.SliceStable(out.Items, func(i, j int) bool { return out.Items[i].At.After(out.Items[j].At) })
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
	}
	return out, nil
}
