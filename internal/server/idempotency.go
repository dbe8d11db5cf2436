package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"chelal/internal/apperr"
	"chelal/internal/db"
)

// Retries never duplicate. A client that sends a create request (register a patient, book an
// appointment or a walk-in, open a bill or an encounter, take a payment, dispense) with an
// Idempotency-Key header and then loses the answer (a dropped Wi-Fi, a timeout, a double click)
// sends it again with the same key. The first request with a key claims it in
// core_idempotency_key; its answer, when it succeeds, is stored there and every later request
// of that user with that key and the same method, path and body gets that answer again
// (status, body, Content-Type and Location), marked Idempotent-Replayed: true, without running.
// A duplicate that arrives while the first still runs waits for its answer. The same key with
// a different request is refused (409 idempotency-key-reused). A failed first request (any
// answer that is not 2xx) changed nothing and keeps nothing: its retry runs again (when the
// database was down as it failed, as soon as it is back: see settleIdempotencyKey). Unless its
// work was committed all the same (the database stopped between the commit and the answer):
// db.InTx marks the claim applied in the work's own transaction, and a retry of such a request
// is told 409 idempotency-answer-lost instead of doing the work twice. Keys belong
// to the user who sent them and are forgotten after IdempotencyKeyTTL.

// IdempotencyKeyTTL is how long a key's answer is replayed.
const IdempotencyKeyTTL = 24 * time.Hour

const (
	// idempotencyWait is how long a duplicate waits for the first request's answer before
	// answering 409 idempotency-key-in-use (the HTTP server's write timeout is 60 s).
	idempotencyWait = 45 * time.Second
	// idempotencyAbandoned is the age at which a claim without an answer is taken to be left
	// by a server that stopped mid-request, and is claimed again.
	idempotencyAbandoned = 5 * time.Minute
	// idempotencyPurgeEvery is how often keys older than IdempotencyKeyTTL are deleted.
	idempotencyPurgeEvery = time.Hour
)

// replayedHeaders are the headers of an answer that are stored and replayed; the others
// (security headers, request id) are the middleware's and are set afresh.
var replayedHeaders = []string{"Content-Type", "Location", "ETag"}

// idempotent makes next safe to retry with an Idempotency-Key (see above). Without the header,
// or without a database, next runs as it is. It must run after authorize: keys are per user.
func (s *server) idempotent(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		key, err := idempotencyKey(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		p := principalOf(r.Context())
		if key == "" || s.db == nil || p == nil {
			next(w, r)
			return
		}
		body, err := io.ReadAll(r.Body)
		if err != nil {
			// Too large or cut short: let the route's decoding answer it (413, 400).
			r.Body = io.NopCloser(io.MultiReader(bytes.NewReader(body), errorReader{err}))
			next(w, r)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		hash := requestHash(r, body)
		ctx := r.Context()
		s.purgeIdempotencyKeys(ctx)
		deadline := time.Now().Add(idempotencyWait)
		for pause := 20 * time.Millisecond; ; pause = min(pause*2, 250*time.Millisecond) {
			claimed, prev, err := s.claimIdempotencyKey(ctx, p.User.ID, key, hash)
			switch {
			case err != nil:
				s.writeError(w, r, err)
				return
			case claimed:
				s.runIdempotent(w, r, next, p.User.ID, key)
				return
			case prev == nil:
				continue // the first request failed and let go of the key just now: claim it
			case !bytes.Equal(prev.hash, hash):
				s.writeError(w, r, apperr.New(apperr.ErrConflict,
					"This Idempotency-Key was already used for a different request; send a new key for a new request.").
					WithCode("idempotency-key-reused"))
				return
			case prev.status != 0:
				replay(w, prev)
				return
			case prev.applied && (prev.ended || prev.abandoned):
				// The first request's work was committed, but its answer was lost (the database
				// stopped between the commit and the answer): running it again would do it twice.
				s.writeError(w, r, apperr.New(apperr.ErrConflict,
					"This request was carried out, but its answer was lost when the database stopped. Reload to see the result; do not send it again.").
					WithCode("idempotency-answer-lost"))
				return
			}
			// The first request with this key is still running: wait for its answer.
			if time.Now().After(deadline) {
				s.writeError(w, r, apperr.New(apperr.ErrConflict,
					"A request with this Idempotency-Key is still being processed; try again in a moment.").
					WithCode("idempotency-key-in-use"))
				return
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(pause):
			}
		}
	}
}

// storedAnswer is a key's row: the request it was claimed for and, once it succeeded, its answer.
type storedAnswer struct {
	hash    []byte
	status  int // 0: the first request is still running, or ended without an answer kept
	headers map[string]string
	body    []byte
	// applied: the request's work was committed (db.InTx marked it); ended: the request
	// answered an error all the same; abandoned: claimed longer ago than idempotencyAbandoned.
	applied, ended, abandoned bool
}

// claimIdempotencyKey claims key for the user, or returns the row that holds it (nil when the
// row went away meanwhile). An expired row, or a claim abandoned by a stopped server before its
// work was applied, is deleted first.
func (s *server) claimIdempotencyKey(ctx context.Context, userID int64, key string, hash []byte) (bool, *storedAnswer, error) {
	_, err := s.db.Pool.Exec(ctx, `
		DELETE FROM core_idempotency_key
		 WHERE user_id = $1 AND key = $2
		   AND (created_at < now() - make_interval(secs => $3)
		        OR (status IS NULL AND applied_at IS NULL AND created_at < now() - make_interval(secs => $4)))`,
		userID, key, IdempotencyKeyTTL.Seconds(), idempotencyAbandoned.Seconds())
	if err != nil {
		return false, nil, fmt.Errorf("idempotency key: %w", err)
	}
	tag, err := s.db.Pool.Exec(ctx, `
		INSERT INTO core_idempotency_key (user_id, key, request_hash) VALUES ($1, $2, $3)
		ON CONFLICT (user_id, key) DO NOTHING`, userID, key, hash)
	if err != nil {
		return false, nil, fmt.Errorf("idempotency key: %w", err)
	}
	if tag.RowsAffected() == 1 {
		return true, nil, nil
	}
	var a storedAnswer
	var status *int16
	var headers []byte
	err = s.db.Pool.QueryRow(ctx, `
		SELECT request_hash, status, headers, body, applied_at IS NOT NULL, ended_at IS NOT NULL,
		       created_at < now() - make_interval(secs => $3)
		  FROM core_idempotency_key WHERE user_id = $1 AND key = $2`,
		userID, key, idempotencyAbandoned.Seconds()).Scan(&a.hash, &status, &headers, &a.body, &a.applied, &a.ended, &a.abandoned)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil, nil
	}
	if err != nil {
		return false, nil, fmt.Errorf("idempotency key: %w", err)
	}
	if status != nil {
		a.status = int(*status)
		if err := json.Unmarshal(headers, &a.headers); err != nil && len(headers) > 0 {
			return false, nil, fmt.Errorf("idempotency key headers: %w", err)
		}
	}
	return false, &a, nil
}

// runIdempotent runs the request that claimed key, keeps its answer when it succeeded, and
// lets go of the key otherwise (also when next panics), unless its work was committed all the
// same: then the claim is marked ended, and a retry is told the answer was lost.
func (s *server) runIdempotent(w http.ResponseWriter, r *http.Request, next http.HandlerFunc, userID int64, key string) {
	rec := &teeWriter{statusWriter: statusWriter{ResponseWriter: w}}
	// The bookkeeping outlives a client that hangs up: the work may be committed.
	ctx := context.WithoutCancel(r.Context())
	answered := false
	defer func() {
		if !answered {
			s.settleIdempotencyKey(ctx, r, "release an idempotency key", `
				WITH released AS (
				    DELETE FROM core_idempotency_key WHERE user_id = $1 AND key = $2 AND status IS NULL AND applied_at IS NULL)
				UPDATE core_idempotency_key SET ended_at = now()
				 WHERE user_id = $1 AND key = $2 AND status IS NULL AND applied_at IS NOT NULL`, userID, key)
		}
	}()
	// The work's transactions mark the claim applied as they commit (db.InTx).
	next(rec, r.WithContext(db.WithClaim(r.Context(), db.Claim{UserID: userID, Key: key})))
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	if status < 200 || status > 299 {
		return
	}
	headers := map[string]string{}
	for _, h := range replayedHeaders {
		if v := rec.Header().Get(h); v != "" {
			headers[h] = v
		}
	}
	hj, err := json.Marshal(headers)
	if err != nil {
		return
	}
	// The work is done and answered: from here the key is never let go (a retry must not run
	// it again), only its answer kept, later if the database does not answer now.
	answered = true
	s.settleIdempotencyKey(ctx, r, "keep an idempotent answer",
		`UPDATE core_idempotency_key SET status = $3, headers = $4, body = $5 WHERE user_id = $1 AND key = $2`,
		userID, key, status, hj, rec.body.Bytes())
}

// idempotencySettleRetry is the longest pause between two tries of settling a claim while the
// database does not answer.
const idempotencySettleRetry = time.Second

// settleIdempotencyKey runs the statement that ends a claim (its answer kept, or the key let
// go). When the database does not answer (it is being restarted after a crash), the request's
// answer was already sent (a 503 most often), and the claim would hold every retry of it (a
// cashier's payment sent again with the same key) at 409 idempotency-key-in-use until it is
// taken as abandoned, minutes later. So the statement is tried again in the background until
// the database answers, for as long as the claim would otherwise hold: the retry is answered
// as soon as the database is back.
func (s *server) settleIdempotencyKey(ctx context.Context, r *http.Request, what, sql string, args ...any) {
	_, err := s.db.Pool.Exec(ctx, sql, args...)
	if err == nil {
		return
	}
	if !db.IsUnavailable(err) {
		s.log.Error(what, "err", err, "request_id", RequestID(r.Context()))
		return
	}
	s.log.Warn(what+": the database does not answer; trying again until it does", "err", err, "request_id", RequestID(r.Context()))
	go func() {
		until := time.Now().Add(idempotencyAbandoned)
		for pause := 50 * time.Millisecond; time.Now().Before(until); pause = min(pause*2, idempotencySettleRetry) {
			time.Sleep(pause)
			if _, err = s.db.Pool.Exec(ctx, sql, args...); err == nil || !db.IsUnavailable(err) {
				break
			}
		}
		if err != nil {
			s.log.Error(what, "err", err, "request_id", RequestID(r.Context()))
		}
	}()
}

// replay answers with a stored answer.
func replay(w http.ResponseWriter, a *storedAnswer) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	w.Header().Set("Idempotent-Replayed", "true")
	w.Header().Del("Content-Length")
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// requestHash identifies a request for its key: method, path, query and body (JSON compacted,
// so a retry that re-encodes the same values with other spacing is the same request).
func requestHash(r *http.Request, body []byte) []byte {
	var compact bytes.Buffer
	if json.Compact(&compact, body) == nil {
		body = compact.Bytes()
	}
	h := sha256.New()
	fmt.Fprintf(h, "%s %s?%s\n", r.Method, r.URL.Path, r.URL.RawQuery)
	h.Write(body)
	return h.Sum(nil)
}

// purgeIdempotencyKeys deletes expired keys, at most once per idempotencyPurgeEvery.
func (s *server) purgeIdempotencyKeys(ctx context.Context) {
	now := time.Now().UnixNano()
	last := s.idemPurged.Load()
	if now-last < int64(idempotencyPurgeEvery) || !s.idemPurged.CompareAndSwap(last, now) {
		return
	}
	if _, err := s.db.Pool.Exec(ctx, `DELETE FROM core_idempotency_key WHERE created_at < now() - make_interval(secs => $1)`,
		IdempotencyKeyTTL.Seconds()); err != nil {
		s.log.Warn("purge expired idempotency keys", "err", err)
	}
}

// teeWriter passes an answer through and keeps a copy of its status (a statusWriter of its
// own) and body.
type teeWriter struct {
	statusWriter
	body bytes.Buffer
}

func (w *teeWriter) Write(b []byte) (int, error) {
	w.body.Write(b)
	return w.statusWriter.Write(b)
}

// errorReader fails every read with err.
type errorReader struct{ err error }

func (e errorReader) Read([]byte) (int, error) { return 0, e.err }
