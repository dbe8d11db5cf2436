package reports

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/validate"
)

// Mapping is the DHIS2 data set the clinic reports: which report cell fills which data
// element and category option combo. One per clinic, audited; Version for optimistic edits.
type DHIS2Mapping struct {
	DataSet string      `json:"data_set" validate:"max=11" doc:"the DHIS2 data set's uid"`
	OrgUnit string      `json:"org_unit" validate:"max=11" doc:"the clinic's organisation unit uid"`
	Cells   []DHIS2Cell `json:"cells" validate:"max=2000"`
	Version int64       `json:"version"`
}

// MappingCell maps one report cell (report, section, row, column; section "figures" with
// row "total" for a headline figure) to a DHIS2 data element and category option combo.
type DHIS2Cell struct {
	Report              string `json:"report" validate:"required,oneof=attendance morbidity revenue pharmacy appointments"`
	Section             string `json:"section" validate:"required,max=40"`
	Row                 string `json:"row" validate:"required,max=40"`
	Column              string `json:"column" validate:"required,max=40"`
	DataElement         string `json:"data_element" validate:"required,max=11"`
	CategoryOptionCombo string `json:"category_option_combo,omitempty" validate:"max=11"`
}

// uid is DHIS2's identifier: a letter then ten letters or digits.
var uid = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]{10}$`)

// Validate reports every bad field at once: the tags, and uids shaped as DHIS2's.
func (m DHIS2Mapping) Validate() error {
	f := validate.Struct(m)
	if m.Version < 0 {
		f.Add("version", apperr.CodeOutOfRange, "The version read (0: no mapping saved yet).")
	}
	check := func(field, v string, required bool) {
		if (v != "" || required) && !uid.MatchString(v) {
			f.Add(field, apperr.CodeInvalid, "A DHIS2 uid: a letter then ten letters or digits.")
		}
	}
	check("data_set", m.DataSet, false)
	check("org_unit", m.OrgUnit, false)
	for i, c := range m.Cells {
		check(fmt.Sprintf("cells[%d].data_element", i), c.DataElement, true)
		check(fmt.Sprintf("cells[%d].category_option_combo", i), c.CategoryOptionCombo, false)
	}
	return f.Err()
}

// GetMapping reads the mapping (an empty one at version 0 when never saved).
func (s *Service) GetMapping(ctx context.Context) (DHIS2Mapping, error) {
	return getMapping(ctx, s.db.Pool)
}

func getMapping(ctx context.Context, q db.Querier) (DHIS2Mapping, error) {
	m := DHIS2Mapping{Cells: []DHIS2Cell{}}
	var raw []byte
	err := q.QueryRow(ctx, `SELECT data_set, org_unit, cells, version FROM core_dhis2mapping WHERE singleton`).
		Scan(&m.DataSet, &m.OrgUnit, &raw, &m.Version)
	if errors.Is(err, pgx.ErrNoRows) {
		return m, nil
	}
	if err != nil {
		return m, fmt.Errorf("dhis2 mapping: %w", err)
	}
	if err := json.Unmarshal(raw, &m.Cells); err != nil {
		return m, fmt.Errorf("dhis2 mapping: %w", err)
	}
	return m, nil
}

// SaveMapping replaces the mapping made on m.Version (0: none saved yet); another's change in
// between -> 409.
func (s *Service) SaveMapping(ctx context.Context, actor db.Actor, m DHIS2Mapping) (DHIS2Mapping, error) {
	if m.Cells == nil {
		m.Cells = []DHIS2Cell{}
	}
	if err := m.Validate(); err != nil {
		return DHIS2Mapping{}, err
	}
	cells, err := json.Marshal(m.Cells)
	if err != nil {
		return DHIS2Mapping{}, err
	}
	var out DHIS2Mapping
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var tag int64
		if m.Version == 0 {
			ct, err := tx.Exec(ctx, `INSERT INTO core_dhis2mapping (data_set, org_unit, cells) VALUES ($1, $2, $3)
				ON CONFLICT (singleton) DO NOTHING`, m.DataSet, m.OrgUnit, cells)
			if err != nil {
				return err
			}
			tag = ct.RowsAffected()
		} else {
			ct, err := tx.Exec(ctx, `UPDATE core_dhis2mapping SET data_set = $1, org_unit = $2, cells = $3,
				version = version + 1, updated_at = now() WHERE singleton AND version = $4`, m.DataSet, m.OrgUnit, cells, m.Version)
			if err != nil {
				return err
			}
			tag = ct.RowsAffected()
		}
		if tag == 0 {
			return apperr.Stale("DHIS2 mapping")
		}
		out, err = getMapping(ctx, tx)
		return err
	})
	return out, err
}

// DataValueSet is DHIS2's dataValueSets import document.
type DataValueSet struct {
	DataSet      string      `json:"dataSet"`
	Period       string      `json:"period"`
	OrgUnit      string      `json:"orgUnit"`
	CompleteDate string      `json:"completeDate"`
	DataValues   []DataValue `json:"dataValues"`
}

// DataValue is one value of a DataValueSet.
type DataValue struct {
	DataElement         string `json:"dataElement"`
	CategoryOptionCombo string `json:"categoryOptionCombo,omitempty"`
	Value               string `json:"value"`
}

// Export builds the period's dataValueSets document from the mapping: each mapped cell's
// value in the reports of that period (0 for a row the period did not have). The period must
// be one DHIS2 names (not custom), and the mapping must name a data set and an org unit.
func (s *Service) Export(ctx context.Context, q PeriodQuery) (DataValueSet, error) {
	tx, err := db.BeginSnapshot(ctx, s.db.Pool)
	if err != nil {
		return DataValueSet{}, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()
	m, err := getMapping(ctx, tx)
	if err != nil {
		return DataValueSet{}, err
	}
	if m.DataSet == "" || m.OrgUnit == "" || len(m.Cells) == 0 {
		return DataValueSet{}, apperr.New(apperr.ErrConflict, "Set the DHIS2 data set, organisation unit and cells first.")
	}
	p, err := s.period(ctx, tx, q)
	if err != nil {
		return DataValueSet{}, err
	}
	if p.DHIS2() == "" {
		return DataValueSet{}, apperr.Invalid(apperr.FieldError{Field: "period", Code: apperr.CodeInvalid,
			Message: "DHIS2 takes a day, week, month, quarter or year."})
	}
	return exportFrom(ctx, tx, m, p, s.now().In(p.Start.Location()).Format("2006-01-02"))
}

// exportFrom fills the document of mapping m over p, each report built once (in English:
// DHIS2 reads the values, not the labels).
func exportFrom(ctx context.Context, tx pgx.Tx, m DHIS2Mapping, p ReportPeriod, completed string) (DataValueSet, error) {
	out := DataValueSet{DataSet: m.DataSet, Period: p.DHIS2(), OrgUnit: m.OrgUnit, CompleteDate: completed, DataValues: []DataValue{}}
	built := map[string]*Report{}
	for _, c := range m.Cells {
		r := built[c.Report]
		if r == nil {
			rep, err := build(ctx, tx, builders[c.Report], c.Report, p, i18n.EN)
			if err != nil {
				return DataValueSet{}, err
			}
			r = &rep
			built[c.Report] = r
		}
		v, ok := r.Cell(c.Section, c.Row, c.Column)
		if !ok {
			return DataValueSet{}, apperr.New(apperr.ErrConflict,
				fmt.Sprintf("The mapping names a cell the %s report does not have: %s / %s / %s.", c.Report, c.Section, c.Row, c.Column))
		}
		out.DataValues = append(out.DataValues, DataValue{DataElement: c.DataElement, CategoryOptionCombo: c.CategoryOptionCombo, Value: v})
	}
	// One value per data element and combo: DHIS2 rejects a document that repeats one.
	slices.SortStableFunc(out.DataValues, func(a, b DataValue) int {
		return strings.Compare(a.DataElement+"/"+a.CategoryOptionCombo, b.DataElement+"/"+b.CategoryOptionCombo)
	})
	for i := 1; i < len(out.DataValues); i++ {
		if out.DataValues[i].DataElement == out.DataValues[i-1].DataElement && out.DataValues[i].CategoryOptionCombo == out.DataValues[i-1].CategoryOptionCombo {
			return DataValueSet{}, apperr.New(apperr.ErrConflict, "The mapping names one data element and category option combo twice: "+out.DataValues[i].DataElement+".")
		}
	}
	return out, nil
}
