// Package display is the waiting-room display: a read-only board for a TV on the LAN, opened
// with a display token (no staff login on the TV), showing the day's waiting tickets (or first
// name and initial) and who is called to which room; and the doctor's call of the next patient.
// Administrators create and revoke the tokens; only a token's hash is stored.
package display

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/db"
	"chelal/internal/settings"
)

// Service manages display tokens, reads the board and records calls.
type Service struct{ db *db.DB }

// NewService returns the display service on d.
func NewService(d *db.DB) *Service { return &Service{db: d} }

// Token is a display as administrators see it (never the token itself, but once at creation).
type Token struct {
	ID        int64      `json:"id"`
	Name      string     `json:"name"`
	ShowNames bool       `json:"show_names"`
	Language  string     `json:"language" enum:"en,fr,sw"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at"`
	// Token is the secret, given once when the display is created (put it in the TV's URL).
	Token string `json:"token,omitempty"`
}

// TokenList is the displays, newest first.
type TokenList struct {
	Items []Token `json:"items"`
}

// TokenParams creates a display.
type TokenParams struct {
	Name      string `json:"name"`
	ShowNames bool   `json:"show_names" doc:"true: first name and initial; false (default): ticket numbers only"`
	Language  string `json:"language,omitempty" enum:"en,fr,sw" doc:"the display's language (default en)"`
}

// Validate checks p.
func (p *TokenParams) Validate() error {
	var f apperr.Fields
	p.Name = strings.TrimSpace(p.Name)
	switch {
	case p.Name == "":
		f.Add("name", apperr.CodeRequired, "Name the display (where it hangs).")
	case utf8.RuneCountInString(p.Name) > 100:
		f.Add("name", apperr.CodeTooLong, "At most 100 characters.")
	}
	if p.Language == "" {
		p.Language = "en"
	}
	if p.Language != "en" && p.Language != "fr" && p.Language != "sw" {
		f.Add("language", apperr.CodeInvalid, "The language is en, fr or sw.")
	}
	return f.Err()
}

// Create makes a display token; the answer holds the token, shown once.
func (s *Service) Create(ctx context.Context, actor db.Actor, p TokenParams) (Token, error) {
	if err := p.Validate(); err != nil {
		return Token{}, err
	}
	secret, err := auth.NewToken(24)
	if err != nil {
		return Token{}, err
	}
	var t Token
	err = s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		return tx.QueryRow(ctx, `
			INSERT INTO core_displaytoken (name, token_hash, show_names, language, created_by)
			VALUES ($1, $2, $3, $4, nullif($5, 0)) RETURNING id, name, show_names, language, created_at, revoked_at`,
			p.Name, auth.HashToken(secret), p.ShowNames, p.Language, actor.UserID).
			Scan(&t.ID, &t.Name, &t.ShowNames, &t.Language, &t.CreatedAt, &t.RevokedAt)
	})
	if err != nil {
		return Token{}, fmt.Errorf("create display: %w", err)
	}
	t.Token = secret
	return t, nil
}

// List returns the displays, newest first.
func (s *Service) List(ctx context.Context) (TokenList, error) {
	rows, err := s.db.Pool.Query(ctx, `SELECT id, name, show_names, language, created_at, revoked_at FROM core_displaytoken ORDER BY id DESC`)
	if err != nil {
		return TokenList{}, fmt.Errorf("list displays: %w", err)
	}
	items, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Token, error) {
		var t Token
		err := r.Scan(&t.ID, &t.Name, &t.ShowNames, &t.Language, &t.CreatedAt, &t.RevokedAt)
		return t, err
	})
	if err != nil {
		return TokenList{}, fmt.Errorf("list displays: %w", err)
	}
	if items == nil {
		items = []Token{}
	}
	return TokenList{Items: items}, nil
}

// Revoke ends a display's access at once (its board and stream refuse it).
func (s *Service) Revoke(ctx context.Context, actor db.Actor, id int64) error {
	return s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE core_displaytoken SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL`, id)
		if err != nil {
			return fmt.Errorf("revoke display: %w", err)
		}
		if tag.RowsAffected() == 0 {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM core_displaytoken WHERE id = $1)`, id).Scan(&exists); err != nil {
				return err
			}
			if !exists {
				return apperr.ErrNotFound
			}
		}
		return nil
	})
}

// Open returns the display of a token, or apperr.ErrUnauthorized (unknown or revoked).
func (s *Service) Open(ctx context.Context, token string) (Token, error) {
	if token == "" || len(token) > 128 {
		return Token{}, apperr.ErrUnauthorized
	}
	var t Token
	err := s.db.Pool.QueryRow(ctx, `
		SELECT id, name, show_names, language, created_at, revoked_at FROM core_displaytoken
		 WHERE token_hash = $1 AND revoked_at IS NULL`, auth.HashToken(token)).
		Scan(&t.ID, &t.Name, &t.ShowNames, &t.Language, &t.CreatedAt, &t.RevokedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Token{}, apperr.New(apperr.ErrUnauthorized, "This display is not (or no longer) allowed; ask the administrator for a new link.").WithCode("display-token")
	}
	if err != nil {
		return Token{}, fmt.Errorf("open display: %w", err)
	}
	return t, nil
}

// Ticket is one visit on the board.
type Ticket struct {
	Ticket   int        `json:"ticket"`
	Label    string     `json:"label" doc:"the ticket number, or first name and initial (the display's choice)"`
	Room     string     `json:"room,omitempty"`
	CalledAt *time.Time `json:"called_at,omitempty"`
}

// Board is what the display shows.
type Board struct {
	ClinicName string   `json:"clinic_name"`
	Display    string   `json:"display"`
	Language   string   `json:"language"`
	ShowNames  bool     `json:"show_names"`
	Called     []Ticket `json:"called" doc:"called today and not yet done, newest call first"`
	Waiting    []Ticket `json:"waiting" doc:"checked in, not called yet, in arrival order"`
}

// Board reads the day's board for display t.
func (s *Service) Board(ctx context.Context, t Token) (Board, error) {
	loc, err := settings.Location(ctx, s.db.Pool)
	if err != nil {
		return Board{}, err
	}
	name, err := settings.Get(ctx, s.db.Pool, settings.ClinicName, settings.DefaultClinicName)
	if err != nil {
		return Board{}, err
	}
	b := Board{ClinicName: name, Display: t.Name, Language: t.Language, ShowNames: t.ShowNames, Called: []Ticket{}, Waiting: []Ticket{}}
	rows, err := s.db.Pool.Query(ctx, `
		SELECT coalesce(a.ticket_number, 0), p.first_name, p.last_name, coalesce(a.called_room, ''), a.called_at
		  FROM core_appointment a JOIN core_patient p ON p.id = a.patient_id
		 WHERE a.date = $1::date AND a.checked_in_at IS NOT NULL AND a.status IN ('checked_in', 'in_progress')
		 ORDER BY a.called_at DESC NULLS LAST, a.checked_in_at, a.id
		 LIMIT 200`, time.Now().In(loc).Format(time.DateOnly))
	if err != nil {
		return Board{}, fmt.Errorf("board: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var tk Ticket
		var first, last string
		if err := rows.Scan(&tk.Ticket, &first, &last, &tk.Room, &tk.CalledAt); err != nil {
			return Board{}, fmt.Errorf("board: %w", err)
		}
		tk.Label = fmt.Sprint(tk.Ticket)
		if t.ShowNames {
			tk.Label = first
			if r, _ := utf8.DecodeRuneInString(last); r != utf8.RuneError {
				tk.Label += " " + string(r) + "."
			}
		}
		if tk.CalledAt != nil {
			if len(b.Called) < 6 {
				b.Called = append(b.Called, tk)
			}
		} else {
			b.Waiting = append(b.Waiting, tk)
		}
	}
	return b, rows.Err()
}

// CallParams says where the patient is called to.
type CallParams struct {
	Room string `json:"room,omitempty" doc:"the room the patient goes to (default: the doctor's name)"`
}

// Validate checks p.
func (p *CallParams) Validate() error {
	p.Room = strings.TrimSpace(p.Room)
	if utf8.RuneCountInString(p.Room) > 50 {
		return apperr.Invalid(apperr.FieldError{Field: "room", Code: apperr.CodeTooLong, Message: "At most 50 characters."})
	}
	return nil
}

// Called is a call as recorded.
type Called struct {
	AppointmentID int64     `json:"appointment_id"`
	Ticket        int       `json:"ticket"`
	Room          string    `json:"room"`
	CalledAt      time.Time `json:"called_at"`
}

// Call calls the patient of a checked-in visit to a room (again, if called before): the
// displays show it with a chime.
func (s *Service) Call(ctx context.Context, actor db.Actor, appointmentID int64, p CallParams) (Called, error) {
	if err := p.Validate(); err != nil {
		return Called{}, err
	}
	out := Called{AppointmentID: appointmentID}
	err := s.db.InTx(ctx, actor, func(ctx context.Context, tx pgx.Tx) error {
		var status string
		var doctor string
		err := tx.QueryRow(ctx, `
			SELECT a.status, coalesce(nullif(btrim(concat_ws(' ', u.first_name, u.last_name)), ''), u.username)
			  FROM core_appointment a JOIN auth_user u ON u.id = a.doctor_id WHERE a.id = $1 FOR UPDATE OF a`, appointmentID).Scan(&status, &doctor)
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.ErrNotFound
		}
		if err != nil {
			return fmt.Errorf("call: %w", err)
		}
		if status != "checked_in" && status != "in_progress" {
			return apperr.New(apperr.ErrConflict, "Only a checked-in patient can be called.").WithCode("not-checked-in")
		}
		room := p.Room
		if room == "" {
			room = doctor
		}
		if utf8.RuneCountInString(room) > 50 {
			room = string([]rune(room)[:50])
		}
		return tx.QueryRow(ctx, `UPDATE core_appointment SET called_at = now(), called_room = $2 WHERE id = $1
			RETURNING coalesce(ticket_number, 0), called_room, called_at`, appointmentID, room).Scan(&out.Ticket, &out.Room, &out.CalledAt)
	})
	return out, err
}

// CallNext calls the doctor's (the actor's) next patient: the first to have checked in today
// with them and not called yet. apperr.ErrConflict "nobody-waiting" when there is none.
func (s *Service) CallNext(ctx context.Context, actor db.Actor, p CallParams) (Called, error) {
	loc, err := settings.Location(ctx, s.db.Pool)
	if err != nil {
		return Called{}, err
	}
	var id int64
	err = s.db.Pool.QueryRow(ctx, `
		SELECT id FROM core_appointment
		 WHERE doctor_id = $1 AND date = $2::date AND status = 'checked_in' AND called_at IS NULL
		 ORDER BY checked_in_at, id LIMIT 1`, actor.UserID, time.Now().In(loc).Format(time.DateOnly)).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return Called{}, apperr.New(apperr.ErrConflict, "Nobody is waiting for you.").WithCode("nobody-waiting")
	}
	if err != nil {
		return Called{}, fmt.Errorf("call next: %w", err)
	}
	return s.Call(ctx, actor, id, p)
}
