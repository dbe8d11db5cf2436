// Package lab is the laboratory: the test catalog (tests and panels, each priced by a service
// of the billing catalog), orders from the consultation, the lab's worklist, specimens,
// results checked against reference ranges by sex and age band (the vitals' bands,
// internal/clinical), verification, amendments and the lab's reports. Billing hooks into
// OnOrder (server.Wire), so an order's bill lines commit with it.
package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/clinical"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/validate"
)

// Result types.
const (
	TypeNumeric = "numeric"
	TypeChoice  = "choice"
	TypeText    = "text"
	TypePanel   = "panel"
)

// Range is a reference range: it holds for Sex ("any", "male", "female") from the age band
// Band (clinical.AgeBands) up to the next band a range of the test names.
type Range struct {
	Sex  string  `json:"sex" enum:"any,male,female"`
	Band string  `json:"band" enum:"newborn,infant,toddler,child_3_5,child_6_9,child_10_11,adolescent,adult"`
	Lo   float64 `json:"lo"`
	Hi   float64 `json:"hi"`
}

// Test is a test or a panel of the catalog.
type Test struct {
	ID                int64    `json:"id"`
	Code              string   `json:"code"`
	Name              string   `json:"name" doc:"in the request's language"`
	NameEN            string   `json:"name_en"`
	NameFR            string   `json:"name_fr"`
	NameSW            string   `json:"name_sw"`
	Specimen          string   `json:"specimen"`
	ResultType        string   `json:"result_type" enum:"numeric,choice,text,panel"`
	Unit              string   `json:"unit" doc:"UCUM spelling: g/dL, mmol/L, 10*3/uL"`
	Choices           []string `json:"choices"`
	AbnormalChoices   []string `json:"abnormal_choices"`
	Ranges            []Range  `json:"ranges"`
	CriticalLow       *float64 `json:"critical_low"`
	CriticalHigh      *float64 `json:"critical_high"`
	TurnaroundMinutes int      `json:"turnaround_minutes"`
	ServiceID         *int64   `json:"service_id"`
	Price             *string  `json:"price" doc:"the catalog service's price; null: not billed"`
	Members           []int64  `json:"members" doc:"a panel's tests, in order"`
	IsActive          bool     `json:"is_active"`
	Version           int64    `json:"version"`
}

// TestList is the catalog.
type TestList struct {
	Items []Test `json:"items"`
}

const selectTest = `
	SELECT t.id, t.code, t.name_en, t.name_fr, t.name_sw, t.specimen, t.result_type, t.unit, t.choices, t.abnormal_choices,
	       t.ranges, t.critical_low::float8, t.critical_high::float8, t.turnaround_minutes, t.service_id, s.price::text,
	       coalesce((SELECT array_agg(m.test_id ORDER BY m.position, m.id) FROM core_labpanelmember m WHERE m.panel_id = t.id), '{}'),
	       t.is_active, t.version
	  FROM core_labtest t LEFT JOIN core_servicecatalog s ON s.id = t.service_id`

func scanTest(lang i18n.Lang) func(pgx.CollectableRow) (Test, error) {
	return func(r pgx.CollectableRow) (Test, error) {
		var t Test
		var choices, abnormal, ranges []byte
		err := r.Scan(&t.ID, &t.Code, &t.NameEN, &t.NameFR, &t.NameSW, &t.Specimen, &t.ResultType, &t.Unit, &choices, &abnormal,
			&ranges, &t.CriticalLow, &t.CriticalHigh, &t.TurnaroundMinutes, &t.ServiceID, &t.Price, &t.Members, &t.IsActive, &t.Version)
		if err != nil {
			return t, err
		}
		for _, j := range []struct {
			raw []byte
			dst any
		}{{choices, &t.Choices}, {abnormal, &t.AbnormalChoices}, {ranges, &t.Ranges}} {
			if err := json.Unmarshal(j.raw, j.dst); err != nil {
				return t, fmt.Errorf("lab test %d: %w", t.ID, err)
			}
		}
		t.Name = t.nameIn(lang)
		return t, nil
	}
}

// nameIn is the test's name in l, English when it has none in l.
func (t Test) nameIn(l i18n.Lang) string {
	switch {
	case l == i18n.FR && t.NameFR != "":
		return t.NameFR
	case l == i18n.SW && t.NameSW != "":
		return t.NameSW
	}
	return t.NameEN
}

// ListTests is the catalog, by code; inactive tests too when all.
func (s *Service) ListTests(ctx context.Context, all bool) (TestList, error) {
	items, err := db.QueryAll(ctx, s.db.Pool, scanTest(i18n.LangOf(ctx)), selectTest+` WHERE t.is_active OR $1 ORDER BY t.code`, all)
	if err != nil {
		return TestList{}, err
	}
	return TestList{Items: items}, nil
}

func getTest(ctx context.Context, q db.Querier, id int64) (Test, error) {
	rows, err := q.Query(ctx, selectTest+` WHERE t.id = $1`, id)
	if err != nil {
		return Test{}, err
	}
	t, err := pgx.CollectExactlyOneRow(rows, scanTest(i18n.LangOf(ctx)))
	if errors.Is(err, pgx.ErrNoRows) {
		return t, apperr.ErrNotFound
	}
	return t, err
}

// TestParams is a test as an administrator writes it. An edit sends every field (and the
// version it was made on).
type TestParams struct {
	Code              string   `json:"code" validate:"required,max=20,line"`
	NameEN            string   `json:"name_en" validate:"required,max=200,line"`
	NameFR            string   `json:"name_fr" validate:"max=200,line"`
	NameSW            string   `json:"name_sw" validate:"max=200,line"`
	Specimen          string   `json:"specimen" validate:"required,oneof=blood capillary_blood serum plasma urine stool sputum swab csf other"`
	ResultType        string   `json:"result_type" validate:"required,oneof=numeric choice text panel"`
	Unit              string   `json:"unit" validate:"max=30,line"`
	Choices           []string `json:"choices"`
	AbnormalChoices   []string `json:"abnormal_choices"`
	Ranges            []Range  `json:"ranges"`
	CriticalLow       *float64 `json:"critical_low"`
	CriticalHigh      *float64 `json:"critical_high"`
	TurnaroundMinutes int      `json:"turnaround_minutes" validate:"required,min=1,max=20160"`
	ServiceID         *int64   `json:"service_id"`
	Members           []int64  `json:"members"`
	IsActive          *bool    `json:"is_active,omitempty"`
	Version           int64    `json:"version,omitempty" doc:"an edit: the version it was made on (or If-Match)"`
}

var codeRe = regexp.MustCompile(`^[A-Z0-9][A-Z0-9_.-]*$`)
var choiceRe = regexp.MustCompile(`^[a-z0-9_]{1,40}$`)

// Validate reports every bad field at once.
func (p TestParams) Validate() error {
	f := validate.Struct(p)
	if p.Code != "" && !codeRe.MatchString(p.Code) {
		f.Add("code", apperr.CodeInvalid, "Capital letters, digits, - _ . (AB-12).")
	}
	switch p.ResultType {
	case TypeChoice:
		if len(p.Choices) == 0 || len(p.Choices) > 20 {
			f.Add("choices", apperr.CodeRequired, "A choice test lists 1-20 values.")
		}
	case TypePanel:
		if len(p.Members) == 0 || len(p.Members) > 30 {
			f.Add("members", apperr.CodeRequired, "A panel lists 1-30 tests.")
		}
	}
	for i, c := range append(slices.Clone(p.Choices), p.AbnormalChoices...) {
		if !choiceRe.MatchString(c) {
			f.Add(fmt.Sprintf("choices.%d", i), apperr.CodeInvalid, "A value is 1-40 small letters, digits or _ (non_reactive).")
		}
	}
	for _, c := range p.AbnormalChoices {
		if !slices.Contains(p.Choices, c) {
			f.Add("abnormal_choices", apperr.CodeInvalid, "An abnormal value is one of the choices.")
		}
	}
	if len(p.Ranges) > 40 {
		f.Add("ranges", apperr.CodeOutOfRange, "At most 40 ranges.")
	}
	for i, r := range p.Ranges {
		if r.Sex != "any" && r.Sex != "male" && r.Sex != "female" {
			f.Add(fmt.Sprintf("ranges.%d.sex", i), apperr.CodeInvalid, "any, male or female.")
		}
		if !slices.Contains(clinical.AgeBands, r.Band) {
			f.Add(fmt.Sprintf("ranges.%d.band", i), apperr.CodeInvalid, "One of the vitals' age bands: "+strings.Join(clinical.AgeBands, ", ")+".")
		}
		if r.Lo > r.Hi {
			f.Add(fmt.Sprintf("ranges.%d.lo", i), apperr.CodeOutOfRange, "The low limit is at most the high one.")
		}
	}
	if p.CriticalLow != nil && p.CriticalHigh != nil && *p.CriticalLow >= *p.CriticalHigh {
		f.Add("critical_low", apperr.CodeOutOfRange, "The critical low limit is below the critical high one.")
	}
	return f.Err()
}

func orEmpty(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

// SaveTest adds a test (id 0) or replaces one's definition (id, on p.Version), with its panel
// members, in one audited transaction.
func (s *Service) SaveTest(ctx context.Context, actor db.Actor, id int64, p TestParams) (Test, error) {
	p.Code = strings.ToUpper(strings.TrimSpace(p.Code))
	p.NameEN, p.NameFR, p.NameSW, p.Unit = strings.TrimSpace(p.NameEN), strings.TrimSpace(p.NameFR), strings.TrimSpace(p.NameSW), strings.TrimSpace(p.Unit)
	if err := p.Validate(); err != nil {
		return Test{}, err
	}
	if id != 0 {
		var f apperr.Fields
		apperr.CheckVersion(&f, p.Version)
		if err := f.Err(); err != nil {
			return Test{}, err
		}
	}
	choices, _ := json.Marshal(orEmpty(p.Choices))
	abnormal, _ := json.Marshal(orEmpty(p.AbnormalChoices))
	ranges, _ := json.Marshal(append([]Range{}, p.Ranges...))
	active := p.IsActive == nil || *p.IsActive
	var out Test
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		args := []any{p.Code, p.NameEN, p.NameFR, p.NameSW, p.Specimen, p.ResultType, p.Unit, choices, abnormal, ranges,
			p.CriticalLow, p.CriticalHigh, p.TurnaroundMinutes, p.ServiceID, active}
		var err error
		if id == 0 {
			err = tx.QueryRow(ctx, `
				INSERT INTO core_labtest (code, name_en, name_fr, name_sw, specimen, result_type, unit, choices, abnormal_choices,
				                          ranges, critical_low, critical_high, turnaround_minutes, service_id, is_active)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) RETURNING id`, args...).Scan(&id)
		} else {
			var got int64
			err = tx.QueryRow(ctx, `
				UPDATE core_labtest SET code = $1, name_en = $2, name_fr = $3, name_sw = $4, specimen = $5, result_type = $6,
				       unit = $7, choices = $8, abnormal_choices = $9, ranges = $10, critical_low = $11, critical_high = $12,
				       turnaround_minutes = $13, service_id = $14, is_active = $15
				 WHERE id = $16 AND version = $17 RETURNING id`, append(args, id, p.Version)...).Scan(&got)
			if errors.Is(err, pgx.ErrNoRows) {
				if _, gerr := getTest(ctx, tx, id); gerr != nil {
					return gerr
				}
				return apperr.Stale("test")
			}
		}
		if db.IsUnique(err) {
			var f apperr.Fields
			f.Add("code", apperr.CodeDuplicate, "Another test has this code.")
			return f.Err()
		}
		if db.IsForeignKey(err) {
			var f apperr.Fields
			f.Add("service_id", apperr.CodeInvalid, "No such catalog service.")
			return f.Err()
		}
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM core_labpanelmember WHERE panel_id = $1 AND NOT (test_id = ANY($2::integer[]))`, id, p.Members); err != nil {
			return err
		}
		for i, m := range p.Members {
			_, err := tx.Exec(ctx, `
				INSERT INTO core_labpanelmember (panel_id, test_id, position)
				SELECT $1, t.id, $3 FROM core_labtest t WHERE t.id = $2 AND t.result_type <> 'panel'
				ON CONFLICT (panel_id, test_id) DO UPDATE SET position = EXCLUDED.position`, id, m, i)
			if err != nil {
				var f apperr.Fields
				f.Add(fmt.Sprintf("members.%d", i), apperr.CodeInvalid, "A panel's member is a test of the catalog (not itself).")
				return f.Err()
			}
		}
		out, err = getTest(ctx, tx, id)
		return err
	})
	return out, err
}

// Service keeps the laboratory.
type Service struct {
	db  *db.DB
	now func() time.Time
	// OnOrder runs inside the transaction that places an order, with what was ordered (billing
	// adds the bill lines there), so the lines and the order commit together or not at all.
	OnOrder db.Hooks[Ordered]
	// OnCancel runs inside the transaction that cancels an order (billing credits its lines
	// there), so a cancelled test is never left charged.
	OnCancel db.Hooks[Cancelled]
}

// Cancelled is an order just cancelled: its ordered items (core_laborderitem) and the reason.
type Cancelled struct {
	OrderID   int64
	PatientID int64
	ItemIDs   []int64
	Reason    string
}

// NewService returns the laboratory service.
func NewService(d *db.DB) *Service { return &Service{db: d, now: time.Now} }

// Ordered is an order as the hooks see it: the patient and each item ordered with its price.
type Ordered struct {
	OrderID   int64
	PatientID int64
	Items     []OrderedItem
}

// OrderedItem is one test or panel ordered; ServiceID 0: the test is not billed.
type OrderedItem struct {
	ItemID    int64
	ServiceID int64
}
