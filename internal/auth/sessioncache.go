package auth

import (
	"maps"
	"sync"
	"time"
)

// SessionCacheFor is the longest a session looked up in the database is trusted without
// looking again. Every request is authenticated, and the lookup (session, user, role and
// permissions) cost about as much as a cheap search; within this window the answer is reused.
//
// What ends or changes a session is seen at once by this instance (its own changes forget
// the cache when they commit, and its events listener, when streams are open, forgets it at
// each session, user or role change of any instance) and by any other instance within this
// window at most: never longer than the live events take to close a stream.
const SessionCacheFor = time.Second

// sessionCache remembers the principal of recently authenticated tokens (by the token's
// hash). An entry expires SessionCacheFor after its lookup, or sooner when the session's idle
// or absolute timeout falls before that, so the timeouts stay exact.
type sessionCache struct {
	mu      sync.Mutex
	gen     uint64 // bumped by forget: a lookup begun before it is not stored
	entries map[string]sessionEntry
	swept   time.Time
}

type sessionEntry struct {
	p     Principal
	until time.Time
}

// generation is read before a database lookup and handed to put.
func (c *sessionCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.gen
}

// get returns a copy of the principal of token hash th while its entry holds.
func (c *sessionCache) get(th []byte, now time.Time) (*Principal, bool) {
	c.mu.Lock()
	e, ok := c.entries[string(th)]
	c.mu.Unlock()
	if !ok || !now.Before(e.until) {
		return nil, false
	}
	p := e.p
	p.User.Preferences = maps.Clone(e.p.User.Preferences)
	return &p, true
}

// put stores p, looked up at fetched under generation gen, for at most SessionCacheFor and
// at most left (what remains of its idle and absolute timeouts). A lookup that a forget
// overtook is not stored: it may predate the change.
func (c *sessionCache) put(gen uint64, p *Principal, fetched time.Time, left time.Duration) {
	until := fetched.Add(min(SessionCacheFor, left))
	c.mu.Lock()
	defer c.mu.Unlock()
	if gen != c.gen || !fetched.Before(until) {
		return
	}
	if c.entries == nil {
		c.entries = map[string]sessionEntry{}
	}
	if fetched.Sub(c.swept) > SessionCacheFor { // expired entries go at most once a window
		for k, e := range c.entries {
			if !fetched.Before(e.until) {
				delete(c.entries, k)
			}
		}
		c.swept = fetched
	}
	c.entries[string(p.tokenHash)] = sessionEntry{p: *p, until: until}
}

// touched notes that the session th's last activity was written at t, so that the requests
// served from the cache do not write it again.
func (c *sessionCache) touched(th []byte, t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[string(th)]; ok {
		e.p.lastSeen = t
		c.entries[string(th)] = e
	}
}

// forget drops every entry: the next request of each session is looked up again.
func (c *sessionCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	clear(c.entries)
}

// ForgetSessions makes the next request of every session look its session up again. The
// auth service calls it when its own changes commit; the events listener calls it when any
// instance ends a session or changes a user or a role.
func (s *Service) ForgetSessions() { s.sessions.forget() }
