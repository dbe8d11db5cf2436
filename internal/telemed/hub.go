package telemed

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"sync"

	"chelal/internal/apperr"
)

// MaxPeers is the most people in one call: a consultation is two browsers, peer to peer.
const MaxPeers = 2

// Who is the owner of a peer: a user, or a patient's link. Only the owner may send as the peer.
type Who struct {
	UserID int64
	LinkID int64
}

// PeerInfo is a peer as the other side sees it.
type PeerInfo struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Role  string `json:"role"` // the user's role, or "patient"
	Staff bool   `json:"staff"`
}

// Event is one message to a peer's stream.
type Event struct {
	Type string          `json:"type"` // peer-joined, peer-left, signal, ended
	From string          `json:"from,omitempty"`
	Peer *PeerInfo       `json:"peer,omitempty"`
	Kind string          `json:"kind,omitempty"` // a signal's kind: offer, answer, candidate, bye
	Data json.RawMessage `json:"data,omitempty"`
}

// Peer is one browser in a call; its events arrive on C until Done is closed.
type Peer struct {
	PeerInfo
	session int64
	who     Who
	C       chan Event
	Done    chan struct{}
	once    sync.Once
}

func (p *Peer) stop() { p.once.Do(func() { close(p.Done) }) }

// Hub passes signalling messages between the peers of each session, in memory (one Chelal
// instance serves a clinic's calls). A peer receives only its own session's messages.
type Hub struct {
	mu    sync.Mutex
	rooms map[int64]map[string]*Peer
}

// NewHub returns an empty hub.
func NewHub() *Hub { return &Hub{rooms: map[int64]map[string]*Peer{}} }

var errFull = apperr.New(apperr.ErrConflict, "This call already has two people; only the doctor and the other side can be in it.").WithCode("call-full")

// Join adds a peer to session's call: 409 when it has MaxPeers already. The others are told.
// It returns the peer and those already there.
func (h *Hub) Join(session int64, who Who, info PeerInfo) (*Peer, []PeerInfo, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return nil, nil, err
	}
	info.ID = base64.RawURLEncoding.EncodeToString(b)
	p := &Peer{PeerInfo: info, session: session, who: who, C: make(chan Event, 64), Done: make(chan struct{})}
	h.mu.Lock()
	defer h.mu.Unlock()
	room := h.rooms[session]
	if len(room) >= MaxPeers {
		return nil, nil, errFull
	}
	if room == nil {
		room = map[string]*Peer{}
		h.rooms[session] = room
	}
	others := []PeerInfo{}
	for _, o := range room {
		others = append(others, o.PeerInfo)
		o.send(Event{Type: "peer-joined", Peer: &p.PeerInfo})
	}
	room[p.ID] = p
	return p, others, nil
}

// send queues e for p; a peer that stopped reading (its queue full) is dropped.
func (p *Peer) send(e Event) {
	select {
	case p.C <- e:
	default:
		p.stop()
	}
}

// Leave removes p from its call; the other side is told.
func (h *Hub) Leave(p *Peer) {
	h.mu.Lock()
	defer h.mu.Unlock()
	p.stop()
	room := h.rooms[p.session]
	if room[p.ID] != p {
		return
	}
	delete(room, p.ID)
	for _, o := range room {
		o.send(Event{Type: "peer-left", From: p.ID})
	}
	if len(room) == 0 {
		delete(h.rooms, p.session)
	}
}

var errNotInCall = apperr.New(apperr.ErrForbidden, "You are not in this call.").WithCode("not-in-call")

// Signal passes a signalling message from peer from (owned by who) to peer to of the same
// session: 403 unless from is who's peer in session and to is in the same call.
func (h *Hub) Signal(session int64, who Who, from, to, kind string, data json.RawMessage) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	room := h.rooms[session]
	src, dst := room[from], room[to]
	if src == nil || src.who != who || dst == nil || dst == src {
		return errNotInCall
	}
	dst.send(Event{Type: "signal", From: from, Kind: kind, Data: data})
	return nil
}

// Close ends session's call: every peer is told and its stream closes.
func (h *Hub) Close(session int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, p := range h.rooms[session] {
		p.send(Event{Type: "ended"})
		p.stop()
	}
	delete(h.rooms, session)
}

// KickLink puts the patient of link id out of their call (the link was revoked).
func (h *Hub) KickLink(link int64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for session, room := range h.rooms {
		for id, p := range room {
			if p.who.LinkID == link {
				p.send(Event{Type: "ended"})
				p.stop()
				delete(room, id)
				for _, o := range room {
					o.send(Event{Type: "peer-left", From: id})
				}
			}
		}
		if len(room) == 0 {
			delete(h.rooms, session)
		}
	}
}

// Peers counts the peers in session's call.
func (h *Hub) Peers(session int64) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.rooms[session])
}
