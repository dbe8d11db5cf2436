package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/events"
	"chelal/internal/telemed"
	"chelal/internal/validate"
)

// TelemedTokenHeader carries a patient's guest token (from their one-time link): it opens that
// session's call and nothing else.
const TelemedTokenHeader = "X-Telemedicine-Token"

func (s *server) revokeTelemedLink(r *http.Request, _ none) (none, error) {
	return none{}, s.telemed.RevokeLink(r.Context(), actorOf(r), routeID(r))
}

func (s *server) redeemTelemedLink(r *http.Request, in telemed.VideoJoinParams) (telemed.GuestPass, error) {
	return s.telemed.Redeem(r.Context(), in)
}

// VideoSignalParams is one signalling message from a peer of a call to the other.
type VideoSignalParams struct {
	Peer string          `json:"peer" validate:"max=64" doc:"the sender's peer id (from its stream's welcome)"`
	To   string          `json:"to" validate:"max=64" doc:"the other peer's id"`
	Kind string          `json:"kind" enum:"offer,answer,candidate,bye"`
	Data json.RawMessage `json:"data,omitempty" doc:"the SDP or ICE candidate, as the browser gave it"`
}

// Validate checks p.
func (p VideoSignalParams) Validate() error {
	f := validate.Struct(p)
	if p.Peer == "" {
		f.Add("peer", apperr.CodeRequired, "Send your peer id.")
	}
	if p.To == "" {
		f.Add("to", apperr.CodeRequired, "Say whom the message is for.")
	}
	switch p.Kind {
	case "offer", "answer", "candidate", "bye":
	default:
		f.Add("kind", apperr.CodeInvalid, "kind is offer, answer, candidate or bye.")
	}
	return f.Err()
}

func (s *server) sendTelemedSignal(r *http.Request, in VideoSignalParams) (none, error) {
	id := routeID(r)
	if err := in.Validate(); err != nil {
		return none{}, err
	}
	if _, err := s.telemed.Get(r.Context(), id); err != nil {
		return none{}, err
	}
	who := telemed.Who{UserID: actorOf(r).UserID}
	return none{}, s.telemed.Hub.Signal(id, who, in.Peer, in.To, in.Kind, in.Data)
}

// guest opens the patient's guest token of a request (header X-Telemedicine-Token).
func (s *server) guest(r *http.Request) (telemed.Guest, error) {
	tok := r.Header.Get(TelemedTokenHeader)
	if tok == "" {
		return telemed.Guest{}, apperr.Invalid(apperr.FieldError{Field: "token", Code: apperr.CodeRequired, Message: "Open the call with the link reception gave you."})
	}
	return s.telemed.OpenGuest(r.Context(), tok)
}

func (s *server) sendTelemedGuestSignal(r *http.Request, in VideoSignalParams) (none, error) {
	if err := in.Validate(); err != nil {
		return none{}, err
	}
	g, err := s.guest(r)
	if err != nil {
		return none{}, err
	}
	return none{}, s.telemed.Hub.Signal(g.SessionID, telemed.Who{LinkID: g.LinkID}, in.Peer, in.To, in.Kind, in.Data)
}

// videoWelcome is a call stream's first event: the browser's own peer id, who is already in the
// call (the newcomer makes the offer), the ICE servers and the session.
type videoWelcome struct {
	Peer       string               `json:"peer"`
	Peers      []telemed.PeerInfo   `json:"peers"`
	ICEServers []telemed.ICEServer  `json:"ice_servers"`
	Session    telemed.VideoSession `json:"session"`
}

// telemedSignals answers GET /api/v1/telemedicine/sessions/{id}/signal: joining the call is
// opening this stream (server-sent events: welcome, then peer-joined, peer-left, signal and
// ended); leaving is closing it. A third person is refused (409), as is a session that is over.
func (s *server) telemedSignals(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r.Context())
	u := p.User
	role := ""
	if u.Role != nil {
		role = *u.Role
	}
	name := strings.TrimSpace(u.FirstName + " " + u.LastName)
	if name == "" {
		name = u.Username
	}
	// A session ended (logout, deactivation, role change: the hub's Recheck, from any
	// instance) puts the staff member out of the call at once, as it ends their event streams.
	sub := s.events.Subscribe(r.Context(), u.ID)
	defer s.events.Unsubscribe(sub)
	s.telemedStream(w, r, id, telemed.Who{UserID: u.ID},
		telemed.PeerInfo{Name: name, Role: role, Staff: true},
		telemed.VideoParticipant{Kind: "staff", UserID: u.ID, Name: name, Role: role},
		func() bool { return s.auth.Recheck(r.Context(), p) == nil }, sub.Recheck)
}

// telemedGuestSignals is the patient's stream (their guest token in X-Telemedicine-Token).
func (s *server) telemedGuestSignals(w http.ResponseWriter, r *http.Request) {
	g, err := s.guest(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.telemedStream(w, r, g.SessionID, telemed.Who{LinkID: g.LinkID},
		telemed.PeerInfo{Name: "patient", Role: "patient"},
		telemed.VideoParticipant{Kind: "patient", LinkID: g.LinkID, Name: "patient"},
		func() bool { _, err := s.guest(r); return err == nil }, nil) // expired or revoked: out
}

// telemedStream holds a participant's stream; valid is asked at each heartbeat, and at once
// when recheck fires, whether the participant may stay (a patient's link that expired
// meanwhile may not; nor may a staff member whose session ended).
func (s *server) telemedStream(w http.ResponseWriter, r *http.Request, id int64, who telemed.Who, info telemed.PeerInfo, part telemed.VideoParticipant, valid func() bool, recheck <-chan struct{}) {
	ctx := r.Context()
	sess, err := s.telemed.Get(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if sess.Status != telemed.StatusScheduled && sess.Status != telemed.StatusActive {
		s.writeError(w, r, apperr.Errorf(apperr.ErrConflict, "This video session is %s.", sess.Status).WithCode("session-"+sess.Status))
		return
	}
	if info.Role == "patient" {
		info.Name = sess.PatientName
		part.Name = sess.PatientName
	}
	peer, others, err := s.telemed.Hub.Join(id, who, info)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	defer s.telemed.Hub.Leave(peer)
	st := newSSE(w)
	if !st.live { // a writer without deadlines (a test's recorder) cannot hold a call
		st.start()
		st.printf("retry: %d\n\n", eventRetry)
		st.flush()
		return
	}
	if sess, err = s.telemed.Joined(ctx, actorOf(r), id, part); err != nil {
		s.writeError(w, r, err)
		return
	}
	ice := s.telemed.ICE
	if ice == nil {
		ice = []telemed.ICEServer{}
	}
	st.start()
	b, _ := json.Marshal(videoWelcome{Peer: peer.ID, Peers: others, ICEServers: ice, Session: sess})
	st.printf("retry: %d\n\n", eventRetry)
	st.printf("event: welcome\ndata: %s\n\n", b)
	if !st.flush() {
		return
	}
	beat := time.NewTicker(events.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-recheck:
			if !valid() {
				st.printf("event: ended\ndata: {\"type\":\"ended\"}\n\n")
				st.flush()
				return
			}
		case <-beat.C:
			if !valid() {
				st.printf("event: ended\ndata: {\"type\":\"ended\"}\n\n")
				st.flush()
				return
			}
			st.printf(": beat\n\n")
			if !st.flush() {
				return
			}
		case ev := <-peer.C:
			b, _ := json.Marshal(ev)
			st.printf("event: %s\ndata: %s\n\n", ev.Type, b)
			if !st.flush() {
				return
			}
		case <-peer.Done:
			for { // what was queued before the end (the ended event) still goes out
				select {
				case ev := <-peer.C:
					b, _ := json.Marshal(ev)
					st.printf("event: %s\ndata: %s\n\n", ev.Type, b)
				default:
					st.flush()
					return
				}
			}
		}
	}
}
