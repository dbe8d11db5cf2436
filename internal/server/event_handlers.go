package server

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/events"
)

// eventReadOps says, for each event kind (migration 0024), which GET route's permission a user
// needs to be sent events of that kind: the routes table stays the one place where
// permissions are listed, and a role is told that something changed only where it could read
// the change. A kind missing here is sent to nobody. Notifications go to their recipient only.
var eventReadOps = map[string]string{
	"patient":      "getPatient",
	"appointment":  "listAppointments",
	"encounter":    "getEncounter",
	"diagnosis":    "listEncounterDiagnoses",
	"vitals":       "listEncounterVitals",
	"prescription": "listPrescriptions",
	"dispense":     "pharmacyQueue",
	"stock":        "listMedications",
	"bill":         "listBills",
	"service":      "listServices",
	"notification": "listNotifications",
	"settings":     "getSettings",
	"user":         "listUsers",
	"role":         "listRoles",
	"display":      "listDisplays",
	"lab":          "labWorklist",
	"lab_test":     "listLabTests",
}

// eventPerms maps each event kind to the permission of its read route (see eventReadOps).
func eventPerms(table []route) map[string]auth.Permission {
	byOp := map[string]auth.Permission{}
	for _, rt := range table {
		if rt.method == http.MethodGet {
			byOp[rt.op] = rt.perm
		}
	}
	out := map[string]auth.Permission{}
	for kind, op := range eventReadOps {
		perm, ok := byOp[op]
		if !ok {
			panic(fmt.Sprintf("server: event kind %q names GET route %q, which does not exist", kind, op))
		}
		out[kind] = perm
	}
	return out
}

// mayReceive says whether p may be sent ev.
func (s *server) mayReceive(p *auth.Principal, ev events.Event) bool {
	perm, ok := s.eventPerms[ev.Kind]
	if !ok {
		return false
	}
	switch ev.Kind {
	case "notification":
		return ev.UserID == p.User.ID
	case "user":
		if ev.EntityID == p.User.ID { // one's own account (language, preferences) changed
			return true
		}
	}
	return p.Can(perm)
}

// A stream sends a comment every events.Heartbeat when idle, which keeps proxies from
// closing it and lets the server notice a gone client; the session is checked then too (an
// idle timeout ends the stream within this much).
const (
	// eventWriteWait bounds the writes to a stream (a client that stopped reading is dropped
	// within this much; the deadline is moved on once half of it has passed, not at each write).
	eventWriteWait = 30 * time.Second
	// eventRetry is how long browsers wait before reconnecting (the SSE retry field).
	eventRetry = 1000
	// eventBacklog is the most events a resuming stream is sent; more means "refetch all".
	eventBacklog = 1000
)

// eventStream answers GET /api/v1/events: server-sent events, each one change the user may
// read (kind, id, version, action, time and who made it). It resumes after Last-Event-ID (the
// header browsers send when they reconnect, or the last_event_id parameter), sends an event
// "reset" when it cannot (the client then refetches everything), and ends with an event "end"
// when the session ends (logout, role change, deactivation) or expires. It is a background
// request: it never restarts the session's idle time.
//
// Where the connection has no write deadline to extend (a transport that is not a network
// connection), the stream sends what is pending and ends: the browser reconnects after the
// retry interval, which makes it a short poll.
func (s *server) eventStream(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if s.events == nil {
		s.writeError(w, r, apperr.New(apperr.ErrUnavailable, "Live events need the database."))
		return
	}
	after, err := lastEventID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st := newSSE(w)
	live := st.live
	ctx := r.Context()
	var sub *events.Sub
	if live {
		sub = s.events.Subscribe(ctx, p.User.ID)
		defer s.events.Unsubscribe(sub)
	}
	// A stream that resumes, or catches up after the listener was lost, also looks again at
	// the events just before where it was (events.ResumeWindow); a fresh one starts now.
	resume := after > 0
	if after == 0 {
		if after, err = s.events.Latest(ctx); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	st.start()
	st.printf("retry: %d\nid: %d\n\n", eventRetry, after)
	sent := newRecentIDs(128)
	last := after
	var out []byte // the frames of the events being sent, written at once
	// send writes the events of evs that p may receive and flushes if it wrote or if flush is
	// set (false: the client is gone).
	send := func(evs []events.Event, flush bool) bool {
		out = s.appendEvents(out[:0], p, evs, sent)
		for _, ev := range evs {
			last = max(last, ev.ID)
		}
		if len(out) > 0 {
			st.write(out)
			flush = true
		}
		if cap(out) > maxEventBuffer { // grown by a catch-up or a burst: let it go
			out = nil
		}
		return !flush || st.flush()
	}
	catchUp := func() bool {
		evs, err := s.events.Since(ctx, last, resume, eventBacklog+1)
		resume = true
		if errors.Is(err, events.ErrGone) || (err == nil && len(evs) > eventBacklog) {
			latest, lerr := s.events.Latest(ctx)
			if lerr != nil {
				return false
			}
			last = latest
			st.printf("id: %d\nevent: reset\ndata: {}\n\n", latest)
			return st.flush()
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.Warn("events: catch up", "err", err)
			}
			return false
		}
		return send(evs, true)
	}
	if !catchUp() || !live {
		return
	}
	end := func(why string) {
		st.printf("event: end\ndata: {\"reason\":%q}\n\n", why)
		st.flush()
	}
	recheck := func() bool {
		err := s.auth.Recheck(ctx, p)
		if err == nil {
			return true
		}
		if apperr.KindOf(err) == apperr.ErrUnauthorized {
			end("session")
		}
		return false
	}
	done := ctx.Done() // once: the request's context is a chain of values, walked at each call
	for {
		select {
		case <-done:
			return
		case <-sub.Lost: // fell behind: the browser reconnects and resumes from the table
			return
		case <-sub.Recheck:
			if !recheck() {
				return
			}
		case <-sub.Resync:
			if !catchUp() {
				return
			}
		case batch := <-sub.C:
			for _, ev := range batch {
				if ev.Kind == "user" && ev.EntityID == p.User.ID || ev.Kind == "role" {
					if !recheck() { // a deactivated user or a changed role is sent nothing more
						return
					}
					break
				}
			}
			if !send(batch, false) {
				return
			}
		case <-sub.Beat:
			st.printf(": ping\n\n")
			if !st.flush() || !recheck() {
				return
			}
		}
	}
}

// appendEvents appends to out the frames of the events of evs that p may receive and that
// were not sent already: a batch goes to the stream in one write, not one per event (each
// write through net/http costs more than copying the frame).
func (s *server) appendEvents(out []byte, p *auth.Principal, evs []events.Event, sent *recentIDs) []byte {
	for _, ev := range evs {
		if s.mayReceive(p, ev) && sent.add(ev.ID) {
			out = append(out, ev.Frame()...)
		}
	}
	return out
}

// maxEventBuffer is the most a stream's buffer of frames keeps between batches (an idle
// stream's memory); a bigger one, grown by a catch-up or a burst, is let go.
const maxEventBuffer = 16 << 10

// lastEventID reads where a stream resumes: the Last-Event-ID header (a browser reconnecting)
// or the last_event_id parameter; 0 means from now.
func lastEventID(r *http.Request) (int64, error) {
	v := r.Header.Get("Last-Event-ID")
	if q := r.URL.Query().Get("last_event_id"); v == "" && q != "" {
		v = q
	}
	if v == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, apperr.Invalid(apperr.FieldError{Field: "last_event_id", Code: apperr.CodeInvalid, Message: "Last-Event-ID must be a whole number of at least 0."})
	}
	return n, nil
}

// sseWriter writes a stream, extending the write deadline as it goes.
type sseWriter struct {
	w        http.ResponseWriter
	rc       *http.ResponseController
	live     bool
	err      error
	deadline time.Time // the write deadline set last
}

// newSSE prepares w for a stream of server-sent events. The stream is live when a write
// deadline can be set per write (then the server's ReadTimeout, which would end the request's
// context while it streams, is lifted); where none can be (the desktop webview, test
// recorders) the handler sends what is pending and ends, and the browser's reconnection after
// the retry interval makes it a short poll.
func newSSE(w http.ResponseWriter) *sseWriter {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(eventWriteWait)
	live := rc.SetWriteDeadline(deadline) == nil
	if live {
		_ = rc.SetReadDeadline(time.Time{})
	}
	return &sseWriter{w: w, rc: rc, live: live, deadline: deadline}
}

// start sends the stream's status and headers (no caching, no buffering by a proxy such as nginx).
func (st *sseWriter) start() {
	h := st.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	st.w.WriteHeader(http.StatusOK)
}

func (st *sseWriter) printf(format string, args ...any) {
	if st.ready() {
		_, st.err = fmt.Fprintf(st.w, format, args...)
	}
}

func (st *sseWriter) write(b []byte) {
	if st.ready() {
		_, st.err = st.w.Write(b)
	}
}

// ready says whether the stream may be written, first moving the write deadline on if half
// of it has passed (setting it at each write would cost more than the write).
func (st *sseWriter) ready() bool {
	if st.err != nil {
		return false
	}
	if now := time.Now(); st.live && st.deadline.Sub(now) < eventWriteWait/2 {
		st.deadline = now.Add(eventWriteWait)
		st.err = st.rc.SetWriteDeadline(st.deadline)
	}
	return st.err == nil
}

// flush sends what was written; false when the client is gone.
func (st *sseWriter) flush() bool {
	if st.err == nil {
		st.err = st.rc.Flush()
	}
	return st.err == nil
}

// recentIDs remembers the last n event ids sent, so that an event heard live and also read
// back by a catch-up is sent once. Live events mostly come in rising order: an id above every
// one sent is new without a look (the ring is searched only for the others).
type recentIDs struct {
	ring []int64
	next int
	max  int64
}

func newRecentIDs(n int) *recentIDs {
	return &recentIDs{ring: make([]int64, n)}
}

// add records id; false if it was already there.
func (r *recentIDs) add(id int64) bool {
	if id <= r.max && slices.Contains(r.ring, id) {
		return false
	}
	r.max = max(r.max, id)
	r.ring[r.next] = id
	r.next = (r.next + 1) % len(r.ring)
	return true
}
