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
// once); the streams are dealt into groups whose deliveries are staggered over the window, so
// that a busy clinic's fan-out is a steady trickle rather than every stream woken at once (a
// burst that would hold up the requests being served meanwhile); and the streams' heartbeats
// come from one ticker of the hub, spread over the heartbeat interval, not from a timer per
// stream.
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

// ErrGone means a stream asked to resume after an event older than Retention, or after an id
// never given (from before a restore): what it missed is not known, so it must refetch
// everything.
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
	group  *group
}

// group is the streams delivered to together, and where they are in the hub's log.
type group struct {
	phase     time.Duration // the group's offset in the window's grid (see dueTime)
	subs      map[*Sub]struct{}
	next      int64     // the sequence (in the hub's heard events) of the first one not yet delivered to the group
	delivered time.Time // when the group was last delivered to
	waiting   time.Time // when the first event not yet delivered to the group was heard (zero: none)
}

// The window is how long the hub gathers events after a delivery to a group before it
// delivers to that group again: a busy minute costs each stream one write per window, not one
// per event. It grows with the streams (windowPerStream each, up to MaxWindow: 150 ms for
// 300), so that the fan-out costs at most about 1/windowPerStream writes a second (2,000)
// however many streams there are, and a handful of streams is sent each event at once. Each
// write is a flush and a system call, most of a stream's cost (bench/events, with a CPU
// profile): 150 ms rather than 75 halved the streams' CPU per write, within the delivery
// budget (p95 250 ms).
//
// The streams are dealt into groups (up to maxGroups, at least minGroupSize streams each),
// each with its phase in a grid of the window: group g of G delivers at the moments
// k*window + g*window/G. A group idle for a window is sent an event at once (a quiet clinic,
// every group: one burst); one delivered to less than a window ago waits for its first grid
// moment at least a window after that delivery, so an event waits at most two windows, and
// under a steady flow the groups take turns every window/G. More groups are smaller bursts
// but more wake-ups: 16 cost measurably more CPU than 4 and were no better for the writers.
const (
	windowPerStream = 500 * time.Microsecond
	MaxWindow       = 150 * time.Millisecond
	maxGroups       = 4
	minGroupSize    = 8
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
	// heard holds the events heard that some group has not been sent yet; heardBase is the
	// sequence of heard[0]. Elements are never overwritten (streams read them): the log is only
	// appended to and cut from the front.
	heard     []Event
	heardBase int64
	groups    []*group
	epoch     time.Time   // the origin of the groups' grid
	due       *time.Timer // the next delivery to a group; nil: none is due
	dueAt     time.Time
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
	s := newSub(userID)
	h.mu.Lock()
	s.slot = h.nextSlot
	h.nextSlot = (h.nextSlot + 1) % beatSlots
	h.subs[s] = struct{}{}
	h.join(s)
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

func newSub(userID int64) *Sub {
	return &Sub{C: make(chan []Event, subBuffer), Resync: make(chan struct{}, 1), Recheck: make(chan struct{}, 1),
		Beat: make(chan struct{}, 1), Lost: make(chan struct{}), userID: userID}
}

// Unsubscribe removes s; the listener stops with the last stream.
func (h *Hub) Unsubscribe(s *Sub) {
	h.mu.Lock()
	delete(h.subs, s)
	if s.group != nil {
		delete(s.group.subs, s)
	}
	var done chan struct{}
	if len(h.subs) == 0 { // nobody left to deliver to: start afresh with the next stream
		h.heard, h.heardBase = nil, h.heardBase+int64(len(h.heard))
		h.groups, h.epoch = nil, time.Time{}
		if h.due != nil {
			h.due.Stop()
			h.due = nil
		}
	}
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
	h.heard = append(h.heard, ev)
	h.run(time.Now())
}

// join deals s into a group: a new group while there are fewer than the streams call for, else
// the smallest. h.mu is held.
func (h *Hub) join(s *Sub) {
	want := min(maxGroups, max(1, len(h.subs)/minGroupSize))
	var g *group
	if len(h.groups) < want {
		g = &group{subs: map[*Sub]struct{}{}, next: h.heardBase + int64(len(h.heard))}
		h.groups = append(h.groups, g)
		if h.epoch.IsZero() {
			h.epoch = time.Now()
		}
	} else {
		for _, c := range h.groups {
			if g == nil || len(c.subs) < len(g.subs) {
				g = c
			}
		}
	}
	g.subs[s] = struct{}{}
	s.group = g
}

// run delivers to the groups whose turn it is, drops the events every group has had, and arms
// the timer for the next turn. h.mu is held.
func (h *Hub) run(now time.Time) {
	if len(h.subs) == 0 { // the last stream left: nobody to keep events for
		h.heard, h.heardBase = nil, h.heardBase+int64(len(h.heard))
		for _, g := range h.groups {
			g.next = h.heardBase
		}
		return
	}
	end := h.heardBase + int64(len(h.heard))
	w := window(len(h.subs))
	var next time.Time
	for i, g := range h.groups {
		g.phase = time.Duration(i) * w / time.Duration(len(h.groups))
		if g.next >= end {
			continue
		}
		if g.waiting.IsZero() {
			g.waiting = now // run follows each event heard
		}
		at := h.dueTime(g, w)
		if at.After(now) {
			if next.IsZero() || at.Before(next) {
				next = at
			}
			continue
		}
		h.deliverTo(g, h.heard[g.next-h.heardBase:len(h.heard):len(h.heard)], at)
		g.next = end
	}
	low := end
	for _, g := range h.groups {
		low = min(low, g.next)
	}
	if cut := int(low - h.heardBase); cut > 0 {
		h.heard, h.heardBase = h.heard[cut:], low
		if len(h.heard) == 0 {
			h.heard = nil // let the old array go
		}
	}
	if next.IsZero() || (h.due != nil && h.dueAt.Equal(next)) {
		return
	}
	if h.due != nil {
		h.due.Stop()
	}
	h.dueAt = next
	var t *time.Timer
	t = time.AfterFunc(next.Sub(now), func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if h.due == t {
			h.due = nil
		}
		h.run(time.Now())
	})
	h.due = t
}

// dueTime is when group g is to be delivered to next (see the window): when its first waiting
// event was heard if that was at least a window after its last delivery (at once), else at its
// first grid moment a window after that delivery.
func (h *Hub) dueTime(g *group, w time.Duration) time.Time {
	earliest := g.delivered.Add(w)
	if !earliest.After(g.waiting) || w <= 0 {
		return g.waiting
	}
	// the first moment epoch + phase + k*w at or after earliest
	since := max(0, earliest.Sub(h.epoch.Add(g.phase)))
	k := (since + w - 1) / w
	return h.epoch.Add(g.phase + k*w)
}

// deliverTo hands batch to every stream of g, at its turn at (the grid moment, not when the
// timer fired: a late timer does not make the group skip its next turn). h.mu is held.
func (h *Hub) deliverTo(g *group, batch []Event, at time.Time) {
	g.delivered, g.waiting = at, time.Time{}
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
	for s := range g.subs {
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
		// Beyond any id given: the client's id comes from another database (a restore of an
		// older backup took the ids back), so what it missed cannot be told either.
		if after > last {
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
