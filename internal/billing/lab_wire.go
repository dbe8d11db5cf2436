package billing

import (
	"context"

	"github.com/jackc/pgx/v5"

	"chelal/internal/lab"
)

// WireLab bills lab orders: each test or panel ordered is a line priced by its catalog service,
// in the order's transaction, once (source lab, the ordered item), unless the clinic turned
// billing_auto_lab off. A test without a service is not billed. Cancelling the order credits
// each of its lines on its bill (UnchargeInTx), in the cancellation's transaction.
func (s *Service) WireLab(l *lab.Service) {
	l.OnOrder.Add(func(ctx context.Context, tx pgx.Tx, o lab.Ordered) error {
		for _, it := range o.Items {
			if it.ServiceID == 0 {
				continue
			}
			if _, err := s.ChargeInTx(ctx, tx, Charge{PatientID: o.PatientID, Source: SourceLab, SourceID: it.ItemID, ServiceID: it.ServiceID}); err != nil {
				return err
			}
		}
		return nil
	})
	l.OnCancel.Add(func(ctx context.Context, tx pgx.Tx, c lab.Cancelled) error {
		for _, item := range c.ItemIDs {
			if err := s.UnchargeInTx(ctx, tx, SourceLab, item, "Lab test cancelled: "+c.Reason); err != nil {
				return err
			}
		}
		return nil
	})
}
