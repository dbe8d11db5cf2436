package notify

import (
	"context"
	"fmt"

	"chelal/internal/i18n"
)

// The clinical hand-over kinds. Each user chooses which they receive in their preferences
// ({"handover": {"checkin": false, ...}}; a kind not mentioned is received); the notification
// type is "handover_" + kind, which the UI recognises (toast, chime).
const (
	HandoverCheckIn       = "checkin"       // a patient checked in -> their doctor
	HandoverVitals        = "vitals"        // vitals taken -> the doctor
	HandoverPrescriptions = "prescriptions" // a consultation closed with prescriptions -> the pharmacy
	HandoverBill          = "bill"          // a bill ready -> the cashiers
	HandoverLab           = "lab"           // a lab result ready or critical -> the ordering doctor (when labs exist)
)

// wants is the SQL condition "user u has not turned hand-over kind $N off".
func wants(n int) string {
	return fmt.Sprintf(`(u.preferences -> 'handover' -> $%d::text) IS DISTINCT FROM 'false'::jsonb`, n)
}

// HandoverUser tells one active user of a hand-over of kind in their language, unless they
// turned that kind off.
func HandoverUser(ctx context.Context, q Execer, userID int64, kind string, title, message i18n.Msg) error {
	if err := toUser(ctx, q, userID, "handover_"+kind, title, message, "u.is_active AND "+wants(5), kind); err != nil {
		return fmt.Errorf("hand-over to user %d: %w", userID, err)
	}
	return nil
}

// HandoverRole tells every active user of role of a hand-over of kind, each in their language,
// but those who turned that kind off; it returns how many were told.
func HandoverRole(ctx context.Context, q Execer, role, kind string, title, message i18n.Msg) (int64, error) {
	n, err := toUsers(ctx, q, fromRole, "r.name = $1 AND u.is_active AND "+wants(5), role, "handover_"+kind, title, message, kind)
	if err != nil {
		return 0, fmt.Errorf("hand-over to %s: %w", role, err)
	}
	return n, nil
}
