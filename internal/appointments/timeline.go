package appointments

import (
	"context"
	"time"

	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/patients"
	"chelal/internal/settings"
)

// TimelineKind is the kind of the entries appointments contribute to a patient's timeline.
const TimelineKind = "appointment"

// TimelineEntries are a patient's appointments for the chart's timeline, newest first (at
// most limit): the status in ctx's language, the doctor and the reason.
func TimelineEntries(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	loc, err := settings.Location(ctx, q)
	if err != nil {
		return nil, err
	}
	lang := i18n.LangOf(ctx)
	// The appointment's wall-clock time in the clinic's zone, read as if UTC, then moved.
	return patients.TimelineRows(ctx, q, TimelineKind, `
		SELECT a.id, (a.date + a.time)::timestamp AT TIME ZONE 'UTC',
		       a.status, coalesce(u.first_name || ' ' || u.last_name, '') || coalesce(' · ' || a.reason, '')
		  FROM core_appointment a JOIN auth_user u ON u.id = a.doctor_id WHERE a.patient_id = $1
		 ORDER BY 2 DESC, a.id DESC LIMIT $2`, patientID, limit, func(e *patients.TimelineEntry) error {
		w := e.At
		e.At = time.Date(w.Year(), w.Month(), w.Day(), w.Hour(), w.Minute(), w.Second(), 0, loc).UTC()
		e.Title = lang.Status("appointment", e.Title)
		return nil
	})
}
