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
package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
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
	// JSON is the event as sent, encoded once for all the streams (nil: encode it).
	JSON []byte `json:"-"`
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
}

// Sub is one stream's subscription.
type Sub struct {
	// C delivers the events the hub hears, in commit order.
	C chan Event
	// Resync says events may have been missed (the listening connection was lost): catch up
	// with Since.
	Resync chan struct{}
	// Recheck says the user's session or role may have changed: check it now.
	Recheck chan struct{}
	// Lost is closed when the stream fell too far behind and must end (the client resumes).
	Lost   chan struct{}
	userID int64
	lost   bool
}

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

// subBuffer is how many events a stream may fall behind before it is dropped (it resumes
// from the table on reconnect): a slow client never slows the others.
const subBuffer = 64

// Subscribe registers a stream of userID and starts the listener if it is the first. It
// returns once the listener is listening (or ctx ends), so that no change committed after
// Subscribe returns is missed.
func (h *Hub) Subscribe(ctx context.Context, userID int64) *Sub {
	s := &Sub{C: make(chan Event, subBuffer), Resync: make(chan struct{}, 1), Recheck: make(chan struct{}, 1),
		Lost: make(chan struct{}), userID: userID}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	if h.cancel == nil {
		lctx, cancel := context.WithCancel(context.Background())
		h.cancel, h.done, h.ready = cancel, make(chan struct{}), make(chan struct{})
		go h.listen(lctx, h.done, h.ready)
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
	if h.AccessChanged != nil && (p.S != nil || p.K == "user" || p.K == "role") {
		h.AccessChanged()
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
	ev.JSON, _ = json.Marshal(ev)
	h.broadcast(func(s *Sub) {
		// A user's account or a role changed: the streams concerned check their session
		// (deactivated, another role, other permissions) before anything else is sent.
		if ev.Kind == "role" || (ev.Kind == "user" && s.userID == ev.EntityID) {
			signal(s.Recheck)
		}
		if s.lost {
			return
		}
		select {
		case s.C <- ev:
		default:
			s.lost = true
			close(s.Lost)
		}
	})
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

// Since returns the events after id, oldest first (at most limit). ErrGone: id is older than
// what is kept.
func (h *Hub) Since(ctx context.Context, after int64, limit int) ([]Event, error) {
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
		  FROM core_event e LEFT JOIN auth_user u ON u.id = e.actor_id
		 WHERE e.id > $1 ORDER BY e.id LIMIT $2`, after, limit)
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
