package diagnoses

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
	"chelal/internal/validate"
)

// Ranks, certainties and episodes of a diagnosis (migration 0031's checks).
const (
	RankPrimary   = "primary"
	RankSecondary = "secondary"
	EpisodeNew    = "new"
	EpisodeFollow = "follow_up"
)

// Diagnosis is one diagnosis of an encounter: a code of the list (its title in the reader's
// language), free text, or both.
type Diagnosis struct {
	ID            int64     `json:"id"`
	EncounterID   int64     `json:"encounter_id"`
	PatientID     int64     `json:"patient_id"`
	Code          *string   `json:"code"`
	Title         *string   `json:"title"`
	Text          string    `json:"text"`
	Rank          string    `json:"rank" enum:"primary,secondary"`
	Certainty     string    `json:"certainty" enum:"provisional,confirmed"`
	Episode       string    `json:"episode" enum:"new,follow_up"`
	CreatedBy     int64     `json:"created_by"`
	CreatedByName string    `json:"created_by_name"`
	CreatedAt     time.Time `json:"created_at"`
	Version       int64     `json:"version"`
}

// DiagnosisList is an encounter's or a patient's diagnoses.
type DiagnosisList struct {
	Items []Diagnosis `json:"items"`
}

// AddDiagnosis codes a diagnosis on an encounter: a code, text, or both. Episode is set by the
// server when omitted: new when the patient has no earlier diagnosis with this code.
type AddDiagnosis struct {
	Code      *string `json:"code,omitempty" validate:"max=8,line"`
	Text      *string `json:"text,omitempty" validate:"max=500,text"`
	Rank      string  `json:"rank" validate:"required,oneof=primary secondary"`
	Certainty string  `json:"certainty" validate:"required,oneof=provisional confirmed"`
	Episode   *string `json:"episode,omitempty" validate:"oneof=new follow_up"`
}

// Validate reports every bad field at once: a code or a text is required.
func (p AddDiagnosis) Validate() error {
	f := validate.Struct(p)
	if empty(p.Code) && empty(p.Text) && !f.Has("code") && !f.Has("text") {
		f.Add("code", apperr.CodeRequired, "Choose a code or write the diagnosis.")
	}
	checkChoices(&f, nil, nil, p.Episode)
	return f.Err()
}

// checkChoices refuses a choice sent empty (a field left out keeps its value or its default;
// "" is neither).
func checkChoices(f *apperr.Fields, rank, certainty, episode *string) {
	names := []string{"rank", "certainty", "episode"}
	for i, v := range []*string{rank, certainty, episode} {
		if v != nil && *v == "" && !f.Has(names[i]) {
			f.Add(names[i], apperr.CodeInvalid, "Choose one of the values, or leave the field out.")
		}
	}
}

// EditDiagnosis changes a diagnosis made on Version (nil fields stay as they are).
type EditDiagnosis struct {
	Version   int64   `json:"version"`
	Code      *string `json:"code,omitempty"`
	Text      *string `json:"text,omitempty"`
	Rank      *string `json:"rank,omitempty"`
	Certainty *string `json:"certainty,omitempty"`
	Episode   *string `json:"episode,omitempty"`
}

// LimitsFrom: an edit's fields have AddDiagnosis's limits (see validate.Borrower).
func (EditDiagnosis) LimitsFrom() any { return AddDiagnosis{} }

// Validate reports a missing version and the fields' limits.
func (p EditDiagnosis) Validate() error {
	f := validate.Struct(p)
	apperr.CheckVersion(&f, p.Version)
	checkChoices(&f, p.Rank, p.Certainty, p.Episode)
	return f.Err()
}

func empty(s *string) bool { return s == nil || strings.TrimSpace(*s) == "" }

// Service keeps the diagnoses and the favourites.
type Service struct {
	db    *db.DB
	idx   atomic.Pointer[index] // the list in memory for the word search, loaded at the first
	idxMu sync.Mutex
}

// NewService returns the diagnoses service.
func NewService(d *db.DB) *Service { return &Service{db: d} }

const selectDiagnosis = `
	SELECT d.id, d.encounter_id, d.patient_id, d.code, CASE WHEN c.code IS NULL THEN NULL ELSE ` + titleSQL + ` END,
	       d.text, d.rank, d.certainty, d.episode, d.created_by_id,
	       trim(coalesce(u.first_name, '') || ' ' || coalesce(u.last_name, '')), d.created_at, d.version
	  FROM core_encounterdiagnosis d
	  LEFT JOIN core_icd10code c ON c.code = d.code
	  JOIN auth_user u ON u.id = d.created_by_id`

func scanDiagnosis(r pgx.CollectableRow) (Diagnosis, error) {
	var d Diagnosis
	err := r.Scan(&d.ID, &d.EncounterID, &d.PatientID, &d.Code, &d.Title, &d.Text, &d.Rank, &d.Certainty, &d.Episode,
		&d.CreatedBy, &d.CreatedByName, &d.CreatedAt, &d.Version)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

func (s *Service) list(ctx context.Context, q db.Querier, lang i18n.Lang, where string, arg int64) (DiagnosisList, error) {
	items, err := db.QueryAll(ctx, q, scanDiagnosis, selectDiagnosis+` WHERE `+where+
		` ORDER BY d.created_at DESC, (d.rank = 'primary') DESC, d.id LIMIT 500`, string(lang), arg)
	if err != nil {

		return DiagnosisList{}, fmt.Errorf("diagnoses: %w", err)
	}
	return DiagnosisList{Items: items}, nil
}

// ForEncounter lists an encounter's diagnoses, the primary first (apperr.ErrNotFound: no such encounter).
func (s *Service) ForEncounter(ctx context.Context, lang i18n.Lang, encounterID int64) (DiagnosisList, error) {
	if err := exists(ctx, s.db.Pool, `SELECT 1 FROM core_encounter WHERE id = $1`, encounterID); err != nil {
		return DiagnosisList{}, err
	}
	l, err := s.list(ctx, s.db.Pool, lang, `d.encounter_id = $2`, encounterID)
	if err == nil { // one encounter: the primary first, then in the order they were written
		sortPrimaryFirst(l.Items)
	}
	return l, err
}

// ForPatient lists a patient's diagnoses, newest first (the chart; at most 500).
func (s *Service) ForPatient(ctx context.Context, lang i18n.Lang, patientID int64) (DiagnosisList, error) {
	if err := exists(ctx, s.db.Pool, `SELECT 1 FROM core_patient WHERE id = $1`, patientID); err != nil {
		return DiagnosisList{}, err
	}
	return s.list(ctx, s.db.Pool, lang, `d.patient_id = $2`, patientID)
}

func sortPrimaryFirst(ds []Diagnosis) {
	for i := range ds {
		if ds[i].Rank == RankPrimary && i > 0 {
			p := ds[i]
			copy(ds[1:i+1], ds[:i])
			ds[0] = p
			return
		}
	}
}

func exists(ctx context.Context, q db.Querier, sql string, id int64) error {
	if !db.ValidID(id) {
		return apperr.ErrNotFound
	}
	var one int
	err := q.QueryRow(ctx, sql, id).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return apperr.ErrNotFound
	}
	return err
}

const noSuchCode = "There is no such ICD-10 code."

// knownCode normalizes a typed code and checks it is in the list (a field error on "code").
func knownCode(ctx context.Context, q db.Querier, code string) (string, error) {
	c := NormalizeCode(code)
	if !codeLike.MatchString(c) {
		return "", apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeInvalid, Message: noSuchCode})
	}
	var one int
	err := q.QueryRow(ctx, `SELECT 1 FROM core_icd10code WHERE code = $1`, c).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeInvalid, Message: noSuchCode})
	}
	return c, err
}

// defaultEpisode: a follow-up when the patient has an earlier diagnosis with this code (in
// another encounter), else a new case.
func defaultEpisode(ctx context.Context, tx pgx.Tx, patientID, encounterID int64, code *string) (string, error) {
	if code == nil {
		return EpisodeNew, nil
	}
	var earlier bool
	err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_encounterdiagnosis
		WHERE patient_id = $1 AND code = $2 AND encounter_id <> $3)`, patientID, *code, encounterID).Scan(&earlier)
	if earlier {
		return EpisodeFollow, err
	}
	return EpisodeNew, err
}

func primaryExists() error {
	return apperr.New(apperr.ErrConflict, "This encounter already has a primary diagnosis: make it secondary first, or add this one as secondary.").WithCode("primary-exists")
}

func codeTwice() error {
	return apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeDuplicate, Message: "This code is already a diagnosis of this encounter."})
}

// writeErr maps the constraints of 0031 to the answers a user understands (a race the checks
// before the write did not see).
func writeErr(err error) error {
	switch {
	case db.IsUnique(err, "core_encounterdiagnosis_one_primary"):
		return primaryExists()
	case db.IsUnique(err, "core_encounterdiagnosis_code_once"):
		return codeTwice()
	}
	return err
}

// Add codes a diagnosis on an encounter, open or closed (a doctor codes an old free-text
// diagnosis later). One primary per encounter (409 primary-exists); a code once per encounter.
func (s *Service) Add(ctx context.Context, actor db.Actor, lang i18n.Lang, encounterID int64, p AddDiagnosis) (Diagnosis, error) {
	validate.Trim(p.Text)
	if err := p.Validate(); err != nil {
		return Diagnosis{}, err
	}
	var out Diagnosis
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var patientID int64
		if !db.ValidID(encounterID) {
			return apperr.ErrNotFound
		}
		err := tx.QueryRow(ctx, `SELECT patient_id FROM core_encounter WHERE id = $1 FOR UPDATE`, encounterID).Scan(&patientID)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		} else if err != nil {
			return err
		}
		var code *string
		if !empty(p.Code) {
			c, err := knownCode(ctx, tx, *p.Code)
			if err != nil {
				return err
			}
			code = &c
		}
		if err := s.checkRank(ctx, tx, encounterID, 0, p.Rank, code); err != nil {
			return err
		}
		episode := ""
		if p.Episode != nil {
			episode = *p.Episode
		} else if episode, err = defaultEpisode(ctx, tx, patientID, encounterID, code); err != nil {
			return err
		}
		text := ""
		if p.Text != nil {
			text = *p.Text
		}
		var id int64
		err = tx.QueryRow(ctx, `INSERT INTO core_encounterdiagnosis
			(encounter_id, patient_id, code, text, rank, certainty, episode, created_by_id)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			encounterID, patientID, code, text, p.Rank, p.Certainty, episode, actor.UserID).Scan(&id)
		if err != nil {
			return writeErr(err)
		}
		out, err = s.get(ctx, tx, lang, id)
		return err
	})
	return out, err
}

// checkRank refuses a second primary and a code already on the encounter (other than row self).
func (s *Service) checkRank(ctx context.Context, tx pgx.Tx, encounterID, self int64, rank string, code *string) error {
	var primary, twice bool
	err := tx.QueryRow(ctx, `SELECT
		EXISTS (SELECT 1 FROM core_encounterdiagnosis WHERE encounter_id = $1 AND id <> $2 AND rank = 'primary'),
		EXISTS (SELECT 1 FROM core_encounterdiagnosis WHERE encounter_id = $1 AND id <> $2 AND code = $3)`,
		encounterID, self, code).Scan(&primary, &twice)
	switch {
	case err != nil:
		return err
	case twice:
		return codeTwice()
	case primary && rank == RankPrimary:
		return primaryExists()
	}
	return nil
}

func (s *Service) get(ctx context.Context, q db.Querier, lang i18n.Lang, id int64) (Diagnosis, error) {
	rows, err := q.Query(ctx, selectDiagnosis+` WHERE d.id = $2`, string(lang), id)
	if err != nil {
		return Diagnosis{}, err
	}
	d, err := pgx.CollectExactlyOneRow(rows, scanDiagnosis)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, apperr.ErrNotFound
	}
	return d, err
}

// forUpdate locks diagnosis id and says whether its encounter is closed.
func forUpdate(ctx context.Context, tx pgx.Tx, id int64) (d Diagnosis, closed bool, err error) {
	if !db.ValidID(id) {
		return d, false, apperr.ErrNotFound
	}
	var code *string
	err = tx.QueryRow(ctx, `SELECT d.encounter_id, d.patient_id, d.code, d.text, d.rank, d.certainty, d.episode, d.version,
		       e.status = 'closed'
		  FROM core_encounterdiagnosis d JOIN core_encounter e ON e.id = d.encounter_id
		 WHERE d.id = $1 FOR UPDATE OF d`, id).
		Scan(&d.EncounterID, &d.PatientID, &code, &d.Text, &d.Rank, &d.Certainty, &d.Episode, &d.Version, &closed)
	if errors.Is(err, pgx.ErrNoRows) {
		return d, false, apperr.ErrNotFound
	}
	d.ID, d.Code = id, code
	return d, closed, err
}

// Update edits a diagnosis made on p.Version (stale: 409), also on a closed encounter.
func (s *Service) Update(ctx context.Context, actor db.Actor, lang i18n.Lang, id int64, p EditDiagnosis) (Diagnosis, error) {
	validate.Trim(p.Text)
	if err := p.Validate(); err != nil {
		return Diagnosis{}, err
	}
	var out Diagnosis
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		cur, _, err := forUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if cur.Version != p.Version {
			return apperr.Stale("diagnosis")
		}
		code, text, rank, certainty, episode := cur.Code, cur.Text, cur.Rank, cur.Certainty, cur.Episode
		if p.Code != nil {
			code = nil
			if strings.TrimSpace(*p.Code) != "" {
				c, err := knownCode(ctx, tx, *p.Code)
				if err != nil {
					return err
				}
				code = &c
			}
		}
		for dst, src := range map[*string]*string{&text: p.Text, &rank: p.Rank, &certainty: p.Certainty, &episode: p.Episode} {
			if src != nil {
				*dst = *src
			}
		}
		if code == nil && text == "" {
			return apperr.Invalid(apperr.FieldError{Field: "code", Code: apperr.CodeRequired, Message: "Choose a code or write the diagnosis."})
		}
		if err := s.checkRank(ctx, tx, cur.EncounterID, id, rank, code); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE core_encounterdiagnosis SET code = $2, text = $3, rank = $4, certainty = $5, episode = $6
			WHERE id = $1`, id, code, text, rank, certainty, episode); err != nil {
			return writeErr(err)
		}
		out, err = s.get(ctx, tx, lang, id)
		return err
	})
	return out, err
}

// Delete removes a diagnosis while its encounter is open (closed: 409 encounter-closed; a
// diagnosis of a closed encounter is corrected by editing it).
func (s *Service) Delete(ctx context.Context, actor db.Actor, id int64) error {
	return s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		_, closed, err := forUpdate(ctx, tx, id)
		if err != nil {
			return err
		}
		if closed {
			return apperr.New(apperr.ErrConflict, "This encounter is closed: its diagnoses can be corrected but not removed.").WithCode("encounter-closed")
		}
		_, err = tx.Exec(ctx, `DELETE FROM core_encounterdiagnosis WHERE id = $1`, id)
		return err
	})
}
