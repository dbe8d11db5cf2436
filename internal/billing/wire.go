package billing

import (
	"context"
	"log/slog"

	"github.com/jackc/pgx/v5"

	"chelal/internal/clinical"
	"chelal/internal/pharmacy"
)

// Wire puts the automatic bill lines in place: closing an encounter adds the consultation
// fee, dispensing adds the medication, each in the same transaction as what it bills (one
// commits with the other or neither does) and each once (lines are keyed by their source).
// The clinic switches either off in its settings.
func (s *Service) Wire(c *clinical.Service, p *pharmacy.Service, log *slog.Logger) {
	c.OnClose.Add(func(ctx context.Context, tx pgx.Tx, e clinical.Encounter) error {
		res, err := s.ChargeInTx(ctx, tx, Charge{PatientID: e.PatientID, Source: SourceEncounter, SourceID: e.ID})
		if err == nil && res.Skipped == SkipNoService && log != nil {
			log.Warn("no consultation fee billed: the consultation service code is not in the catalog", "encounter", e.ID)
		}
		return err
	})
	p.OnDispense.Add(func(ctx context.Context, tx pgx.Tx, d pharmacy.Dispensed) error {
		price, err := ParseMoney(d.UnitPrice)
		if err != nil {
			return err
		}
		_, err = s.ChargeInTx(ctx, tx, Charge{PatientID: d.PatientID, Source: SourceDispense, SourceID: d.DispenseID,
			Description: d.MedicationName, UnitPrice: price, Quantity: d.Quantity})
		return err
	})
}
