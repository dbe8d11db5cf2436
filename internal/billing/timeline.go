package billing

import (
	"context"
	"encoding/json"

	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/patients"
)

// TimelineKind is the kind of the entries billing contributes to a patient's timeline.
const TimelineKind = "bill"

// TimelineEntries are a patient's bills for the chart's timeline, newest first (at most
// limit): the status and the amounts in ctx's language.
func TimelineEntries(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error) {
	lang := i18n.LangOf(ctx)
	return patients.TimelineRows(ctx, q, TimelineKind, `
		SELECT b.id, b.created_at, b.status, json_build_object('total', b.total_amount::text, 'paid', b.paid_amount::text)::text
		  FROM core_bill b WHERE b.patient_id = $1
		 ORDER BY b.created_at DESC, b.id DESC LIMIT $2`, patientID, limit, func(e *patients.TimelineEntry) error {
		e.Title = lang.Status("bill", e.Title)
		var b struct{ Total, Paid string }
		if err := json.Unmarshal([]byte(e.Details), &b); err != nil {
			return err
		}
		e.Details = lang.T("timeline.bill", "total", b.Total, "paid", b.Paid)
		return nil
	})
}
