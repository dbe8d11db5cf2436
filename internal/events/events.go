// Package events carries the live events of the clinic (a patient checked in, a bill paid, a
// notification for someone) from the database to the streams of every connected screen.
//
// Events are written by the database itself (migration 0024: the audit row of each change
// becomes a core_event row and a NOTIFY on channel chelal_events, in the change's own
// transaction), so an event exists exactly when its change commits, whichever instance made
// it. A Hub is one instance's listener: one dedicated connection LISTENing (not a pool
// connection: it is held for as long as streams are open), fanned out to every stream of the
// instance. The hub runs only while streams are open, reconnects when the connection is lost
// (the embedded PostgreSQL restarted, a failover), and tells its streams to catch up from
// the table afterwards. An event says what changed (kind, id, version), never the content:
// screens refetch what their user may read.
//
// The fan-out is kept cheap, since one instance may hold hundreds of streams: each event is
// encoded once, as its server-sent-event frame, for every stream; the events heard within a
// short window of the last delivery go out together, so that a stream costs one wake-up and one
// write per window however busy the clinic is (a quiet clinic's event still goes out at
// once); and the streams' heartbeats come from one ticker of the hub, spread over the
// heartbeat interval, not from a timer per stream.
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/db"
)

// Channel is the NOTIFY channel the database publishes on (migration 0024).
const Channel = "chelal_events"

// Retention is how long events are kept for streams that reconnect (Last-Event-ID).
const Retention = 10 * time.Minute

// ErrGone means a stream asked to resume after an event older than Retention: what it missed
// is no longer known, so it must refetch everything.
var ErrGone = errors.New("events: resume point is older than the retention window")

// Event is one change, as streams send it.
type Event struct {
	ID       int64     `json:"-"`    // the SSE id: resume after it
	Kind     string    `json:"kind"` // patient, appointment, encounter, vitals, ... (migration 0024)
	EntityID int64     `json:"id"`
	Version  *int64    `json:"version,omitempty"`
	Action   string    `json:"action"` // create, update, delete
	At       time.Time `json:"at"`
	ActorID  int64     `json:"by,omitempty"`
	// ByName is the actor's name, for "changed by X" (staff names are no secret to staff).
	ByName string `json:"by_name,omitempty"`
	// UserID is the one user the event is for (a notification); 0: everyone who may read Kind.
	UserID int64 `json:"-"`
	// frame is the event as a stream sends it, encoded once for all the streams (nil: encode
	// it; see Frame).
	frame []byte
}

// Frame is ev as a server-sent event: "id: ID\ndata: {json}\n\n".
func (ev Event) Frame() []byte {
	if ev.frame != nil {
		return ev.frame
	}
	data, err := json.Marshal(ev)
	if err != nil { // an Event always encodes
		panic(err)
	}
	b := make([]byte, 0, len(data)+32)
	b = append(b, "id: "...)
	b = strconv.AppendInt(b, ev.ID, 10)
	b = append(b, "\ndata: "...)
	b = append(b, data...)
	return append(b, "\n\n"...)
}

// payload is the NOTIFY payload (short keys: it is sent once per change).
type payload struct {
	I int64  `json:"i"`
	K string `json:"k"`
	E int64  `json:"e"`
	V *int64 `json:"v"`
	A string `json:"a"`
	B *int64 `json:"b"`
	U *int64 `json:"u"`
	N string `json:"n"`
	T int64  `json:"t"`
	S *int64 `json:"s"` // a session of this user ended
	// C: a statement wrote C events at once (an import), announced by this one notification
	// (migration 0046): the streams catch up from the table; R: a user or a role was among them.
	C int64 `json:"c"`
	R bool  `json:"r"`
}

// Sub is one stream's subscription.
type Sub struct {
	// C delivers the events the hub hears, in commit order, a batch at a time (the events heard
	// within the window; read-only, shared by every stream).
	C chan []Event
	// Resync says events may have been missed (the listening connection was lost): catch up
	// with Since.
	Resync chan struct{}
	// Recheck says the user's session or role may have changed: check it now.
	Recheck chan struct{}
	// Beat is the stream's heartbeat, every Heartbeat (the streams' beats are spread over it).
	Beat chan struct{}
	// Lost is closed when the stream fell too far behind and must end (the client resumes).
	Lost   chan struct{}
	userID int64
	lost   bool
	slot   int // which of the hub's heartbeat ticks beats this stream
}

// The window is how long the hub gathers events after a delivery before it delivers again:
// a busy minute costs each stream one write per window, not one per event, and an event adds
// at most the window to its delivery. It grows with the streams (windowPerStream each, up to
// MaxWindow: 75 ms for 300), so that the fan-out costs at most about 1/windowPerStream
// writes a second (4,000) however many streams there are, and a handful of streams is sent
// each event at once.
const (
	windowPerStream = 250 * time.Microsecond
	MaxWindow       = 100 * time.Millisecond
)

// window is the delivery window for n streams.
func window(n int) time.Duration {
	return min(MaxWindow, time.Duration(n)*windowPerStream)
}

// Heartbeat is how often each stream is beaten (Sub.Beat), beatTick the hub's one ticker.
const (
	Heartbeat = 20 * time.Second
	beatTick  = time.Second
	beatSlots = int(Heartbeat / beatTick)
)

// Hub is one instance's listener, shared by all its streams.
type Hub struct {
	db     *db.DB
	log    *slog.Logger
	mu     sync.Mutex
	subs   map[*Sub]struct{}
	cancel context.CancelFunc // stops the listener; nil when it is not running
	done   chan struct{}      // closed when the listener has stopped
	ready  chan struct{}      // closed once the listener's first LISTEN took effect
	// pruned is when this instance last deleted old events (Unix ns).
	pruned atomic.Int64
	// the events heard since the last delivery, when that was, and whether a delivery is due
	// (the timer runs)
	pending   []Event
	delivered time.Time
	due       *time.Timer
	nextSlot  int
	// AccessChanged, when set, is called when a session ended, or a user or a role changed, on
	// any instance (while the hub listens): the sessions cached by auth are looked up again.
	AccessChanged func()
}

// NewHub returns the hub of d. It connects only while streams are subscribed.
func NewHub(d *db.DB, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{db: d, log: log, subs: map[*Sub]struct{}{}}
}

// subBuffer is how many deliveries a stream may fall behind before it is dropped (it resumes
// from the table on reconnect): a slow client never slows the others.
const subBuffer = 64

// Subscribe registers a stream of userID and starts the listener if it is the first. It
// returns once the listener is listening (or ctx ends), so that no change committed after
// Subscribe returns is missed.
func (h *Hub) Subscribe(ctx context.Context, userID int64) *Sub {
	s := &Sub{C: make(chan []Event, subBuffer), Resync: make(chan struct{}, 1), Recheck: make(chan struct{}, 1),
		Beat: make(chan struct{}, 1), Lost: make(chan struct{}), userID: userID}
	h.mu.Lock()
	s.slot = h.nextSlot
	h.nextSlot = (h.nextSlot + 1) % beatSlots
	h.subs[s] = struct{}{}
	if h.cancel == nil {
		lctx, cancel := context.WithCancel(context.Background())
		h.cancel, h.done, h.ready = cancel, make(chan struct{}), make(chan struct{})
		go h.listen(lctx, h.done, h.ready)
		go h.beat(lctx)
	}
	ready := h.ready
	h.mu.Unlock()
	select {
	case <-ready:
	case <-ctx.Done():
	case <-time.After(5 * time.Second): // the database is down: the stream catches up later (Resync)
	}
	return s
}

// Unsubscribe removes s; the listener stops with the last stream.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	delete(h.subs, s)
	var done chan struct{}
	if len(h.subs) == 0 && h.cancel != nil {
		h.cancel()
		done = h.done
		h.cancel, h.done, h.ready = nil, nil, nil
	}
	h.mu.Unlock()
	if done != nil {
		<-done // the connection is closed before the last stream's request ends
	}
}

// Streams is how many streams are subscribed now.
func (h *Hub) Streams() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs)
}

// beat beats the streams until ctx ends: every beatTick, the streams of one slot.
func (h *Hub) beat(ctx context.Context) {
	t := time.NewTicker(beatTick)
	defer t.Stop()
	for tick := 0; ; tick = (tick + 1) % beatSlots {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		h.broadcast(func(s *Sub) {
			if s.slot == tick {
				signal(s.Beat)
			}
		})
	}
}

// pruneEvery is how often a listening instance deletes events older than Retention.
const pruneEvery = time.Minute

// listen holds the LISTEN connection until ctx ends, reconnecting with a backoff.
func (h *Hub) listen(ctx context.Context, done, ready chan struct{}) {
	defer close(done)
	readyOnce := sync.OnceFunc(func() { close(ready) })
	defer readyOnce()
	backoff := 100 * time.Millisecond
	first := true
	for ctx.Err() == nil {
		err := h.listenOnce(ctx, func() {
			readyOnce()
			backoff = 100 * time.Millisecond
			if !first {
				h.broadcast(func(s *Sub) { signal(s.Resync) })
			}
			first = false
		})
		if ctx.Err() != nil {
			return
		}
		h.log.Warn("events: listening connection lost; reconnecting", "err", err, "in", backoff)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 5*time.Second)
	}
}

// listenOnce connects, LISTENs and delivers notifications until the connection fails or ctx
// ends. listening is called once the LISTEN took effect.
func (h *Hub) listenOnce(ctx context.Context, listening func()) error {
	cfg, err := pgx.ParseConfig(h.db.DSN())
	if err != nil {
		return err
	}
	cfg.RuntimeParams["application_name"] = "chelal-events"
	cctx, cancel := context.WithTimeout(ctx, db.ConnectTimeout)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+Channel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	listening()
	for {
		if err := h.pruneIfDue(ctx); err != nil {
			h.log.Warn("events: prune", "err", err)
		}
		wctx, cancel := context.WithTimeout(ctx, pruneEvery)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, context.DeadlineExceeded) {
				continue
			}
			return err
		}
		h.deliver(n.Payload)
	}
}

// deliver hands one notification to the streams it concerns.
func (h *Hub) deliver(raw string) {
	var p payload
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		h.log.Warn("events: bad notification", "payload", raw, "err", err)
		return
	}
	if h.AccessChanged != nil && (p.S != nil || p.K == "user" || p.K == "role" || p.R) {
		h.AccessChanged()
	}
	if p.C > 0 { // many events at once: each stream reads them from the table (or resets)
		h.broadcast(func(s *Sub) {
			if p.R {
				signal(s.Recheck)
			}
			signal(s.Resync)
		})
		return
	}
	if p.S != nil { // a session of user *p.S ended
		uid := *p.S
		h.broadcast(func(s *Sub) {
			if s.userID == uid {
				signal(s.Recheck)
			}
		})
		return
	}
	ev := Event{ID: p.I, Kind: p.K, EntityID: p.E, Version: p.V, Action: p.A, At: time.UnixMilli(p.T).UTC(), ByName: p.N}
	if p.B != nil {
		ev.ActorID = *p.B
	}
	if p.U != nil {
		ev.UserID = *p.U
	}
	ev.frame = ev.Frame()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.pending = append(h.pending, ev)
	if h.due != nil {
		return // a delivery is already due: ev goes with it
	}
	if wait := window(len(h.subs)) - time.Since(h.delivered); wait > 0 {
		h.due = time.AfterFunc(wait, func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.due = nil
			h.deliverPending()
		})
		return
	}
	h.deliverPending()
}

// deliverPending hands the pending events to every stream, as one batch. h.mu is held.
func (h *Hub) deliverPending() {
	batch := h.pending
	if len(batch) == 0 {
		return
	}
	h.pending, h.delivered = nil, time.Now()
	// A user's account or a role changed: the streams concerned check their session
	// (deactivated, another role, other permissions) before anything else is sent.
	var roles bool
	var users []int64
	for _, ev := range batch {
		switch ev.Kind {
		case "role":
			roles = true
		case "user":
			users = append(users, ev.EntityID)
		}
	}
	for s := range h.subs {
		if roles || (len(users) > 0 && slices.Contains(users, s.userID)) {
			signal(s.Recheck)
		}
		if s.lost {
			continue
		}
		select {
		case s.C <- batch:
		default:
			s.lost = true
			close(s.Lost)
		}
	}
}

func (h *Hub) broadcast(fn func(s *Sub)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		fn(s)
	}
}

func signal(c chan struct{}) {
	select {
	case c <- struct{}{}:
	default:
	}
}

// pruneIfDue deletes the events older than Retention, at most once per pruneEvery in this
// instance (the listener does it while streams are open, Since otherwise: a desktop's
// streams, which end after each answer, never start the listener).
func (h *Hub) pruneIfDue(ctx context.Context) error {
	last := h.pruned.Load()
	now := time.Now().UnixNano()
	if now-last < int64(pruneEvery) || !h.pruned.CompareAndSwap(last, now) {
		return nil
	}
	if _, err := h.db.Pool.Exec(ctx, `DELETE FROM core_event WHERE created_at < now() - make_interval(secs => $1)`,
		Retention.Seconds()); err != nil {
		return fmt.Errorf("prune events: %w", err)
	}
	return nil
}

// ResumeWindow is how far before a stream's resume point Since(…, true) looks again. Event ids
// are taken when a change is made, not when it commits: a change that took id 10 may commit
// after the one that took 11, while a client that had 11 was away. Resuming after 11 alone
// would miss 10; so a resume also sends again the events before 11 whose change began within
// ResumeWindow of 11's (any transaction shorter than that), and the client drops the ids it
// already has.
const ResumeWindow = 10 * time.Second

// Since returns the events after id, oldest first (at most limit); with resume, also those
// before it within ResumeWindow (see there). ErrGone: id is older than what is kept.
func (h *Hub) Since(ctx context.Context, after int64, resume bool, limit int) ([]Event, error) {
	if err := h.pruneIfDue(ctx); err != nil {
		return nil, err
	}
	if after > 0 {
		// Gone: the events up to after were pruned and so, perhaps, some after it (ids are
		// consecutive but for rolled-back changes, so a gap is taken as a loss: the stream
		// then refetches everything, which is always right).
		var covered bool
		var oldest *int64
		var last int64
		if err := h.db.Pool.QueryRow(ctx, `
			SELECT EXISTS (SELECT 1 FROM core_event WHERE id <= $1), (SELECT min(id) FROM core_event),
			       (SELECT last_value FROM core_event_id_seq)`, after).Scan(&covered, &oldest, &last); err != nil {
			return nil, fmt.Errorf("events since: %w", err)
		}
		if !covered && ((oldest == nil && last > after) || (oldest != nil && *oldest > after+1)) {
			return nil, ErrGone
		}
	}
	rows, err := h.db.Pool.Query(ctx, `
		SELECT e.id, e.kind, e.entity_id, e.version, e.action, e.created_at, coalesce(e.actor_id, 0), coalesce(e.user_id, 0),
		       coalesce(nullif(btrim(concat_ws(' ', u.first_name, u.last_name)), ''), '')
		  FROM (SELECT * FROM core_event WHERE id > $1
		        UNION ALL
		        SELECT * FROM core_event
		         WHERE $3 AND id < $1
		           AND created_at >= (SELECT created_at FROM core_event WHERE id = $1) - make_interval(secs => $4)) e
		  LEFT JOIN auth_user u ON u.id = e.actor_id
		 ORDER BY e.id LIMIT $2`, after, limit, resume && after > 0, ResumeWindow.Seconds())
	if err != nil {
		return nil, fmt.Errorf("events since: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		var v *int32
		err := r.Scan(&e.ID, &e.Kind, &e.EntityID, &v, &e.Action, &e.At, &e.ActorID, &e.UserID, &e.ByName)
		if v != nil {
			x := int64(*v)
			e.Version = &x
		}
		e.At = e.At.UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("events since: %w", err)
	}
	return out, nil
}

// Latest is the id of the newest event (0: none): a fresh stream's starting point.
func (h *Hub) Latest(ctx context.Context) (int64, error) {
	var id int64
	err := h.db.Pool.QueryRow(ctx, `SELECT coalesce(max(id), 0) FROM core_event`).Scan(&id)
	return id, err
}
