package lab

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/handover"
	"chelal/internal/i18n"
	"chelal/internal/settings"
	"chelal/internal/validate"
)

// Result statuses.
const (
	ResultPending = "pending"
	ResultEntered = "entered" // waiting for a second technician's verification
	ResultFinal   = "final"
)

// Result is one test's result.
type Result struct {
	ID             int64       `json:"id"`
	OrderID        int64       `json:"order_id"`
	PatientID      int64       `json:"patient_id"`
	TestID         int64       `json:"test_id"`
	TestCode       string      `json:"test_code"`
	TestName       string      `json:"test_name" doc:"in the request's language"`
	ResultType     string      `json:"result_type" enum:"numeric,choice,text"`
	Unit           string      `json:"unit"`
	Choices        []string    `json:"choices"`
	Status         string      `json:"status" enum:"pending,entered,final"`
	ValueNumeric   *float64    `json:"value_numeric"`
	ValueText      string      `json:"value_text"`
	Flag           string      `json:"flag" enum:",low,high,critical_low,critical_high,abnormal"`
	Reference      string      `json:"reference"`
	EnteredAt      *time.Time  `json:"entered_at"`
	EnteredByName  string      `json:"entered_by_name"`
	VerifiedAt     *time.Time  `json:"verified_at" doc:"when it became final"`
	VerifiedByName string      `json:"verified_by_name" doc:"the second technician, when the clinic verifies"`
	Amended        bool        `json:"amended"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at" doc:"a critical result: when the doctor acknowledged it"`
	Version        int64       `json:"version"`
	Amendments     []Amendment `json:"amendments"`
}

// Amendment is a final result's earlier value, kept when it was amended.
type Amendment struct {
	OldNumeric    *float64  `json:"old_numeric"`
	OldText       string    `json:"old_text"`
	OldFlag       string    `json:"old_flag"`
	Reason        string    `json:"reason"`
	AmendedByName string    `json:"amended_by_name"`
	AmendedAt     time.Time `json:"amended_at"`
}

// ResultPage is a page of a patient's results, newest first.
type ResultPage = db.Page[Result]

var selectResult = `
	SELECT r.id, r.order_id, r.patient_id, r.test_id, t.code,
	       coalesce(CASE $1::text WHEN 'fr' THEN nullif(t.name_fr, '') WHEN 'sw' THEN nullif(t.name_sw, '') END, t.name_en),
	       t.result_type, t.unit, t.choices, r.status, r.value_numeric::float8, r.value_text, r.flag, r.reference,
	       r.entered_at, coalesce(` + userName("eb") + `, ''), r.verified_at, coalesce(` + userName("vb") + `, ''),
	       r.amended, r.acknowledged_at, r.version,
	       coalesce((SELECT json_agg(json_build_object('old_numeric', a.old_numeric::float8, 'old_text', a.old_text,
	                   'old_flag', a.old_flag, 'reason', a.reason, 'amended_by_name', ` + userName("ab") + `, 'amended_at', a.amended_at)
	                   ORDER BY a.id)
	                   FROM core_labresultamendment a JOIN auth_user ab ON ab.id = a.amended_by_id WHERE a.result_id = r.id), '[]')
	  FROM core_labresult r
	  JOIN core_labtest t ON t.id = r.test_id
	  LEFT JOIN auth_user eb ON eb.id = r.entered_by_id
	  LEFT JOIN auth_user vb ON vb.id = r.verified_by_id`

func scanResult(r pgx.CollectableRow) (Result, error) {
	var x Result
	err := r.Scan(&x.ID, &x.OrderID, &x.PatientID, &x.TestID, &x.TestCode, &x.TestName, &x.ResultType, &x.Unit, &x.Choices,
		&x.Status, &x.ValueNumeric, &x.ValueText, &x.Flag, &x.Reference, &x.EnteredAt, &x.EnteredByName, &x.VerifiedAt,
		&x.VerifiedByName, &x.Amended, &x.AcknowledgedAt, &x.Version, &x.Amendments)
	if x.Choices == nil {
		x.Choices = []string{}
	}
	return x, err
}

// resultsWhere reads results (cond uses $2...; $1 is the language).
func resultsWhere(ctx context.Context, q db.Querier, cond string, args ...any) ([]Result, error) {
	return db.QueryAll(ctx, q, scanResult, selectResult+" WHERE "+cond, append([]any{string(i18n.LangOf(ctx))}, args...)...)
}

func getResult(ctx context.Context, q db.Querier, id int64) (Result, error) {
	rs, err := resultsWhere(ctx, q, `r.id = $2`, id)
	if err != nil {
		return Result{}, err
	}
	if len(rs) == 0 {
		return Result{}, apperr.ErrNotFound
	}
	return rs[0], nil
}

// PatientResults is a patient's results, newest first (pending ones too).
func (s *Service) PatientResults(ctx context.Context, patientID int64, limit int, cursor string) (ResultPage, error) {
	n, after, err := db.PageRequest(limit, cursor)
	if err != nil {
		return ResultPage{}, err
	}
	rs, err := resultsWhere(ctx, s.db.Pool, `r.patient_id = $2 AND ($3 = 0 OR r.id < $3) ORDER BY r.id DESC LIMIT $4`, patientID, after, n+1)
	if err != nil {
		return ResultPage{}, err
	}
	return db.NewPage(rs, n, func(r Result) string { return db.EncodeCursor(r.ID) }), nil
}

// TrendPoint is one final numeric result of a test.
type TrendPoint struct {
	At    time.Time `json:"at"`
	Value float64   `json:"value"`
	Flag  string    `json:"flag"`
}

// Trend is a patient's final values of a numeric test, oldest first (the last 200).
type Trend struct {
	TestID int64        `json:"test_id"`
	Unit   string       `json:"unit"`
	Points []TrendPoint `json:"points"`
}

// PatientTrend is a numeric test's trend for a patient.
func (s *Service) PatientTrend(ctx context.Context, patientID, testID int64) (Trend, error) {
	out := Trend{TestID: testID, Points: []TrendPoint{}}
	if err := s.db.Pool.QueryRow(ctx, `SELECT unit FROM core_labtest WHERE id = $1`, testID).Scan(&out.Unit); errors.Is(err, pgx.ErrNoRows) {
		return out, apperr.ErrNotFound
	} else if err != nil {
		return out, err
	}
	pts, err := db.QueryAll(ctx, s.db.Pool, func(r pgx.CollectableRow) (TrendPoint, error) {
		var p TrendPoint
		err := r.Scan(&p.At, &p.Value, &p.Flag)
		return p, err
	}, `
		SELECT * FROM (SELECT r.entered_at, r.value_numeric::float8, r.flag FROM core_labresult r
		 WHERE r.patient_id = $1 AND r.test_id = $2 AND r.status = 'final' AND r.value_numeric IS NOT NULL
		 ORDER BY r.entered_at DESC LIMIT 200) x ORDER BY 1`, patientID, testID)
	if err != nil {
		return out, err
	}
	out.Points = pts
	return out, nil
}

// ResultParams is a value entered for a result: value_numeric for a numeric test, value_text
// (one of the choices, or free text) otherwise.
type ResultParams struct {
	ValueNumeric *float64 `json:"value_numeric"`
	ValueText    string   `json:"value_text" validate:"max=2000,text"`
	Reason       string   `json:"reason,omitempty" validate:"max=500,text" doc:"an amendment: why the final value changes"`
	Version      int64    `json:"version,omitempty" doc:"the version it was made on (or If-Match)"`
}

// Validate reports every bad field at once.
func (p ResultParams) Validate() error {
	f := validate.Struct(p)
	apperr.CheckVersion(&f, p.Version)
	if p.ValueNumeric != nil && (*p.ValueNumeric < -1e8 || *p.ValueNumeric > 1e8) {
		f.Add("value_numeric", apperr.CodeOutOfRange, "The value is out of range.")
	}
	return f.Err()
}

// resultRow is a locked result with what entering it needs.
type resultRow struct {
	test        Test
	status      string
	orderStatus string
	version     int64
	enteredBy   *int64
	patient     Patient
	orderID     int64
}

func lockResult(ctx context.Context, tx pgx.Tx, id, version int64) (resultRow, error) {
	var x resultRow
	var testID int64
	err := tx.QueryRow(ctx, `
		SELECT r.test_id, r.status, r.version, r.entered_by_id, o.id, o.status, p.gender, p.date_of_birth
		  FROM core_labresult r JOIN core_laborder o ON o.id = r.order_id JOIN core_patient p ON p.id = r.patient_id
		 WHERE r.id = $1 FOR UPDATE OF r, o`, id).Scan(&testID, &x.status, &x.version, &x.enteredBy, &x.orderID, &x.orderStatus,
		&x.patient.Sex, &x.patient.BirthDate)
	if err := db.AtVersion(err, x.version, version, "result"); err != nil {
		return x, err
	}
	x.test, err = getTest(ctx, tx, testID)
	return x, err
}

// actOnResult is an act on a result (db.Edit): the result locked on the version the user saw,
// then act with what it needs of it, then the result as it stands after.
func (s *Service) actOnResult(ctx context.Context, actor db.Actor, id, version int64, act func(ctx context.Context, tx pgx.Tx, x resultRow) error) (Result, error) {
	return db.Edit(ctx, s.db, actor,
		func(ctx context.Context, tx pgx.Tx) (resultRow, error) { return lockResult(ctx, tx, id, version) },
		act,
		func(ctx context.Context, tx pgx.Tx) (Result, error) { return getResult(ctx, tx, id) })
}

// value checks a value against the test and flags it.
func (x resultRow) value(p ResultParams, at time.Time) (num *float64, text, flag, ref string, err error) {
	var f apperr.Fields
	text = strings.TrimSpace(p.ValueText)
	switch x.test.ResultType {
	case TypeNumeric:
		if p.ValueNumeric == nil {
			f.Add("value_numeric", apperr.CodeRequired, "Enter the value in "+x.test.Unit+".")
			return nil, "", "", "", f.Err()
		}
		x.patient.At = at
		flag, ref = x.test.Evaluate(*p.ValueNumeric, x.patient)
		return p.ValueNumeric, "", flag, ref, nil
	case TypeChoice:
		if !slices.Contains(x.test.Choices, text) {
			f.Add("value_text", apperr.CodeInvalid, "Choose one of: "+strings.Join(x.test.Choices, ", ")+".")
			return nil, "", "", "", f.Err()
		}
		return nil, text, x.test.EvaluateChoice(text), "", nil
	default:
		if text == "" {
			f.Add("value_text", apperr.CodeRequired, "Enter the result.")
			return nil, "", "", "", f.Err()
		}
		return nil, text, FlagNone, "", nil
	}
}

// EnterResult records a result's value (or replaces one not yet final). Without verification
// it is final at once; a critical value tells the ordering doctor at once; the order is
// completed (and the doctor told) when its last result is final.
func (s *Service) EnterResult(ctx context.Context, actor db.Actor, id int64, p ResultParams) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	return s.actOnResult(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, x resultRow) error {
		switch {
		case x.orderStatus == StatusOrdered:
			return apperr.New(apperr.ErrConflict, "Record the specimen's collection before its results.").WithCode("lab-not-collected")
		case x.orderStatus == StatusCancelled:
			return apperr.New(apperr.ErrConflict, "This order was cancelled.").WithCode("lab-cancelled")
		case x.status == ResultFinal:
			return apperr.New(apperr.ErrConflict, "This result is final: amend it with a reason.").WithCode("lab-final")
		}
		num, text, flag, ref, err := x.value(p, s.now())
		if err != nil {
			return err
		}
		verify, err := settings.Get(ctx, tx, settings.LabVerification, false)
		if err != nil {
			return err
		}
		status := ResultFinal
		if verify {
			status = ResultEntered
		}
		if _, err := tx.Exec(ctx, `
			UPDATE core_labresult SET value_numeric = $2, value_text = $3, flag = $4, reference = $5, status = $6::text,
			       entered_at = now(), entered_by_id = $7, verified_at = CASE WHEN $6::text = 'final' THEN now() END
			 WHERE id = $1`, id, num, text, flag, ref, status, actor.UserID); err != nil {
			return err
		}
		if Critical(flag) {
			if err := handover.LabCritical(ctx, tx, id); err != nil {
				return err
			}
		}
		return completeIfDone(ctx, tx, x.orderID)
	})
}

// completeIfDone completes an order whose results are all final and tells its doctor.
func completeIfDone(ctx context.Context, tx pgx.Tx, orderID int64) error {
	tag, err := tx.Exec(ctx, `
		UPDATE core_laborder SET status = 'completed', completed_at = now()
		 WHERE id = $1 AND status = 'collected'
		   AND NOT EXISTS (SELECT 1 FROM core_labresult WHERE order_id = $1 AND status <> 'final')`, orderID)
	if err != nil || tag.RowsAffected() == 0 {
		return err
	}
	return handover.LabReady(ctx, tx, orderID)
}

// Verify makes an entered result final: a second technician, not the one who entered it.
func (s *Service) Verify(ctx context.Context, actor db.Actor, id int64, p ActParams) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	return s.actOnResult(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, x resultRow) error {
		if x.status != ResultEntered {
			return apperr.New(apperr.ErrConflict, "Only an entered result waits for verification.").WithCode("lab-not-entered")
		}
		if x.enteredBy != nil && *x.enteredBy == actor.UserID {
			return apperr.New(apperr.ErrConflict, "A second technician verifies the result, not the one who entered it.").WithCode("lab-same-technician")
		}
		if _, err := tx.Exec(ctx, `UPDATE core_labresult SET status = 'final', verified_at = now(), verified_by_id = $2 WHERE id = $1`,
			id, actor.UserID); err != nil {
			return err
		}
		return completeIfDone(ctx, tx, x.orderID)
	})
}

// Amend changes a final result's value with a reason: the old value, flag and the reason are
// kept (core_labresultamendment), the result is marked amended, and the doctor is told again.
func (s *Service) Amend(ctx context.Context, actor db.Actor, id int64, p ResultParams) (Result, error) {
	p.Reason = strings.TrimSpace(p.Reason)
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	if p.Reason == "" {
		var f apperr.Fields
		f.Add("reason", apperr.CodeRequired, "Say why the result changes.")
		return Result{}, f.Err()
	}
	return s.actOnResult(ctx, actor, id, p.Version, func(ctx context.Context, tx pgx.Tx, x resultRow) error {
		if x.status != ResultFinal {
			return apperr.New(apperr.ErrConflict, "Only a final result is amended; enter or verify this one instead.").WithCode("lab-not-final")
		}
		num, text, flag, ref, err := x.value(p, s.now())
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			INSERT INTO core_labresultamendment (result_id, old_numeric, old_text, old_flag, reason, amended_by_id)
			SELECT id, value_numeric, value_text, flag, $2, $3 FROM core_labresult WHERE id = $1`, id, p.Reason, actor.UserID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `
			UPDATE core_labresult SET value_numeric = $2, value_text = $3, flag = $4, reference = $5, amended = true,
			       acknowledged_at = NULL, acknowledged_by_id = NULL
			 WHERE id = $1`, id, num, text, flag, ref); err != nil {
			return err
		}
		if Critical(flag) {
			return handover.LabCritical(ctx, tx, id)
		}
		return handover.LabReady(ctx, tx, x.orderID)
	})
}

// Acknowledge records that the doctor saw a critical result (it stays marked until then).
func (s *Service) Acknowledge(ctx context.Context, actor db.Actor, id int64) (Result, error) {
	var out Result
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			UPDATE core_labresult SET acknowledged_at = now(), acknowledged_by_id = $2
			 WHERE id = $1 AND flag IN ('critical_low', 'critical_high') AND acknowledged_at IS NULL`, id, actor.UserID)
		if err != nil {
			return err
		}
		if out, err = getResult(ctx, tx, id); err != nil {
			return err
		}
		if tag.RowsAffected() == 0 && !Critical(out.Flag) {
			return apperr.New(apperr.ErrConflict, "Only a critical result is acknowledged.").WithCode("lab-not-critical")
		}
		return nil
	})
	return out, err
}
