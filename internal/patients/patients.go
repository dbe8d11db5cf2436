// Package patients owns patient records: registration, search and the chart. Opening a
// chart is itself recorded in the audit log (who looked at whose record, from where).
package patients

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/db"
)

// Patient is a patient's demographic record.
type Patient struct {
	ID             int64     `json:"id"`
	UniqueID       string    `json:"unique_id"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	DateOfBirth    string    `json:"date_of_birth"` // YYYY-MM-DD
	Gender         string    `json:"gender"`
	ContactInfo    string    `json:"contact_info"`
	Address        string    `json:"address"`
	KnownAllergies string    `json:"known_allergies"`
	CreatedAt      time.Time `json:"created_at"`
	UpdatedAt      time.Time `json:"updated_at"`
	Version        int64     `json:"version"`
}

// Service reads and writes patient records.
type Service struct {
	db *db.DB
}

// NewService returns the patients service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// Open returns a patient's chart for actor and records the look in the audit log, in one
// transaction: no chart is shown without its audit row. An unknown id is apperr.ErrNotFound.
func (s *Service) Open(ctx context.Context, actor db.Actor, id int64) (Patient, error) {
	var p Patient
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `
			SELECT id, unique_id, first_name, last_name, date_of_birth::text, gender,
			       coalesce(contact_info, ''), coalesce(address, ''), coalesce(known_allergies, ''),
			       created_at, updated_at, version
			  FROM core_patient WHERE id = $1`, id).Scan(&p.ID, &p.UniqueID, &p.FirstName, &p.LastName,
			&p.DateOfBirth, &p.Gender, &p.ContactInfo, &p.Address, &p.KnownAllergies, &p.CreatedAt, &p.UpdatedAt, &p.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("open patient %d: %w", id, err)
		}
		p.CreatedAt, p.UpdatedAt = p.CreatedAt.UTC(), p.UpdatedAt.UTC()
		return audit.Record(ctx, tx, audit.Entry{Action: audit.ActionView, ModelName: "core_patient", ObjectID: id})
	})
	return p, err
}
