package server

import (
	"bytes"
	"net/http"
	"strconv"

	"chelal/internal/apperr"
	"chelal/internal/display"
	"chelal/internal/settings"
)

// DisplayTokenHeader carries a waiting-room display's token (the board; the display's event
// stream takes it as the token parameter, which EventSource can send).
const DisplayTokenHeader = "X-Display-Token"

// displayToken opens the display of a request's token: 422 without one, 401 when unknown or
// revoked.
func (s *server) displayToken(r *http.Request) (display.Token, error) {
	tok := r.Header.Get(DisplayTokenHeader)
	if tok == "" {
		tok = r.URL.Query().Get("token")
	}
	if tok == "" {
		return display.Token{}, apperr.Invalid(apperr.FieldError{Field: "token", Code: apperr.CodeRequired, Message: "Open the display with the link the administrator created."})
	}
	return s.display.Open(r.Context(), tok)
}

func (s *server) listDisplays(r *http.Request, _ none) (display.TokenList, error) {
	return s.display.List(r.Context())
}

func (s *server) revokeDisplay(r *http.Request, _ none) (none, error) {
	id, err := pathID(r)
	if err != nil {
		return none{}, err
	}
	return none{}, s.display.Revoke(r.Context(), actorOf(r), id)
}

func (s *server) displayBoard(r *http.Request, _ none) (display.Board, error) {
	t, err := s.displayToken(r)
	if err != nil {
		return display.Board{}, err
	}
	return s.display.Board(r.Context(), t)
}

// ticketPDF answers the ticket printed at check-in (80 mm roll): the number the display calls.
func (s *server) ticketPDF(r *http.Request) (document, error) {
	slip, err := s.display.TicketSlip(r.Context(), routeID(r))
	if err != nil {
		return document{}, err
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		return document{}, err
	}
	var buf bytes.Buffer
	if err := display.WriteTicketPDF(&buf, slip, requestLang(r), loc); err != nil {
		return document{}, err
	}
	return document{contentPDF, inline("ticket-" + strconv.Itoa(slip.Ticket) + ".pdf"), buf.Bytes()}, nil
}

// displayEvents answers GET /api/v1/display/events: server-sent events for a display, an event
// "board" whenever a visit changed (the display then reads its board again), an event "end"
// when its token is revoked. Like the staff stream it resumes nothing: the board is read anew.
func (s *server) displayEvents(w http.ResponseWriter, r *http.Request) {
	if s.events == nil {
		s.writeError(w, r, apperr.New(apperr.ErrUnavailable, "Live events need the database."))
		return
	}
	if _, err := s.displayToken(r); err != nil {
		s.writeError(w, r, err)
		return
	}
	st := newSSE(w)
	ctx := r.Context()
	if !st.live {
		st.start()
		st.printf("retry: %d\n\n", eventRetry)
		st.flush()
		return
	}
	events := s.events.Subscribe(ctx, 0)
	defer s.events.Unsubscribe(events)
	st.start()
	st.printf("retry: %d\n\n", eventRetry)
	if !st.flush() {
		return
	}
	stillOpen := func() bool {
		if _, err := s.displayToken(r.WithContext(ctx)); err != nil {
			st.printf("event: end\ndata: {}\n\n")
			st.flush()
			return false
		}
		return true
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-events.Lost:
			return
		case <-events.Resync:
			st.printf("event: board\ndata: {}\n\n")
			if !st.flush() {
				return
			}
		case <-events.Recheck:
		case batch := <-events.C:
			token, board := false, false
			for _, ev := range batch {
				token = token || ev.Kind == "display"
				board = board || ev.Kind == "appointment"
			}
			if token && !stillOpen() {
				return
			}
			if board {
				st.printf("event: board\ndata: {}\n\n")
				if !st.flush() {
					return
				}
			}
		case <-events.Beat:
			st.printf(": ping\n\n")
			if !st.flush() || !stillOpen() {
				return
			}
		}
	}
}
