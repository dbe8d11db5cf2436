package display

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/i18n"
	"chelal/internal/pdfdoc"
	"chelal/internal/settings"
)

// Slip is what the ticket printed at check-in shows: the number the display will call.
type Slip struct {
	Ticket     int
	FirstName  string
	DoctorName string
	CheckedIn  time.Time
	ClinicName string
}

// TicketSlip reads the slip of a checked-in visit; apperr.ErrConflict when it has no ticket
// (never checked in).
func (s *Service) TicketSlip(ctx context.Context, appointmentID int64) (Slip, error) {
	var sl Slip
	var ticket *int
	var at *time.Time
	err := s.db.Pool.QueryRow(ctx, `
		SELECT a.ticket_number, a.checked_in_at, p.first_name,
		       coalesce(nullif(btrim(concat_ws(' ', u.first_name, u.last_name)), ''), u.username)
		  FROM core_appointment a JOIN core_patient p ON p.id = a.patient_id JOIN auth_user u ON u.id = a.doctor_id
		 WHERE a.id = $1`, appointmentID).Scan(&ticket, &at, &sl.FirstName, &sl.DoctorName)
	if errors.Is(err, pgx.ErrNoRows) {
		return Slip{}, apperr.ErrNotFound
	}
	if err != nil {
		return Slip{}, fmt.Errorf("ticket: %w", err)
	}
	if ticket == nil || at == nil {
		return Slip{}, apperr.New(apperr.ErrConflict, "The patient is not checked in: no ticket yet.").WithCode("not-checked-in")
	}
	sl.Ticket, sl.CheckedIn = *ticket, *at
	if sl.ClinicName, err = settings.Get(ctx, s.db.Pool, settings.ClinicName, settings.DefaultClinicName); err != nil {
		return Slip{}, err
	}
	return sl, nil
}

// WriteTicketPDF prints sl on an 80 mm roll in l, its time in loc.
func WriteTicketPDF(w io.Writer, sl Slip, l i18n.Lang, loc *time.Location) error {
	d := pdfdoc.New(pdfdoc.Receipt, sl.ClinicName, l.T("pdf.ticket.title"), sl.CheckedIn)
	d.Heading(fmt.Sprint(sl.Ticket))
	d.Field(l.T("pdf.ticket.patient"), sl.FirstName)
	d.Field(l.T("pdf.ticket.doctor"), sl.DoctorName)
	d.Field(l.T("pdf.ticket.time"), sl.CheckedIn.In(loc).Format("2006-01-02 15:04"))
	d.Space(2)
	d.Paragraph(l.T("pdf.ticket.watch"))
	out, err := d.Bytes()
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
