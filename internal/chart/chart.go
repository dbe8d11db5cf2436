// Package chart is the patient's chart as a read model above the domains: it assembles the
// timeline from the entries each domain contributes (appointments, clinical, billing, each
// reading only its own tables through patients.TimelineRows), so that patients, the lowest
// domain, knows only its own tables. A new domain with rows about a patient (labs, say) adds
// its TimelineEntries function and one line to sources.
package chart

import (
	"cmp"
	"context"
	"slices"

	"chelal/internal/apperr"
	"chelal/internal/appointments"
	"chelal/internal/billing"
	"chelal/internal/clinical"
	"chelal/internal/db"
	"chelal/internal/lab"
	"chelal/internal/patients"
)

// Kinds of timeline entry. The caller says which the user may see.
const (
	KindAppointment  = appointments.TimelineKind
	KindEncounter    = clinical.TimelineEncounter
	KindVitals       = clinical.TimelineVitals
	KindPrescription = clinical.TimelinePrescription
	KindBill         = billing.TimelineKind
	KindLab          = lab.TimelineKind
)

// source gives a patient's entries of one kind, newest first, at most limit.
type source func(ctx context.Context, q db.Querier, patientID int64, limit int) ([]patients.TimelineEntry, error)

var sources = map[string]source{
	KindAppointment:  appointments.TimelineEntries,
	KindEncounter:    clinical.EncounterTimeline,
	KindVitals:       clinical.VitalsTimeline,
	KindPrescription: clinical.PrescriptionTimeline,
	KindBill:         billing.TimelineEntries,
	KindLab:          lab.TimelineEntries,
}

// Timeline returns a patient's entries of the kinds the user may see, newest first (at most
// limit; 0 or more than 500: 200). Statuses, measures and their labels are in ctx's language
// (i18n.LangOf), numbers in its format; what people typed (diagnoses, reasons) is as typed.
// An unknown patient is apperr.ErrNotFound.
func Timeline(ctx context.Context, q db.Querier, patientID int64, kinds []string, limit int) (patients.Timeline, error) {
	out := patients.Timeline{Items: []patients.TimelineEntry{}}
	if limit <= 0 || limit > 500 {
		limit = 200
	}
	ok, err := patients.Exists(ctx, q, patientID)
	if err != nil {
		return out, err
	}
	if !ok {
		return out, apperr.ErrNotFound
	}
	for _, k := range kinds {
		src, ok := sources[k]
		if !ok {
			continue
		}
		entries, err := src(ctx, q, patientID, limit)
		if err != nil {
			return out, err
		}
		out.Items = append(out.Items, entries...)
	}
	// Newest first; at the same moment, by kind, then newest row first.
	slices.SortStableFunc(out.Items, func(a, b patients.TimelineEntry) int {
		return cmp.Or(b.At.Compare(a.At), cmp.Compare(a.Kind, b.Kind), cmp.Compare(b.ID, a.ID))
	})
	if len(out.Items) > limit {
		out.Items = out.Items[:limit]
	}
	return out, nil
}
