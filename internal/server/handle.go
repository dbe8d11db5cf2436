package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"chelal/internal/db"
)

// none is the In of a route without a request body, and the Out of one without an answer body.
type none struct{}

// jsonHandler makes a route's handler once the route's success status is known.
type jsonHandler func(status int) http.HandlerFunc

// handle makes the handler of a JSON route from what the route does: read the request
// (readRequest: the body into In, the path's {id}, If-Match), call fn, and answer Out with the
// route's success status (no body when Out is none). Every failure, from decoding to the
// domain, goes through writeError. fn is thus only the call to the domain: it reads the id
// with routeID and query parameters with the helpers of request.go.
func handle[In, Out any](s *server, fn func(r *http.Request, in In) (Out, error)) jsonHandler {
	return func(status int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var in In
			if err := readRequest(r, &in); err != nil {
				s.writeError(w, r, err)
				return
			}
			out, err := fn(r, in)
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			if _, noBody := any(out).(none); noBody {
				w.WriteHeader(status)
				return
			}
			s.writeJSON(w, r, status, out)
		}
	}
}

// The handlers of the routes that only call the domain, by the shape of the domain method
// they call: it takes the request's context, then as the shape says its actor (actorOf), the
// path's {id} (routeID) and the request's body. A route that reads more (query parameters,
// the principal) has its own handler in <tag>_handlers.go, made with handle.

// readID is a read of the path's {id}: fn(ctx, id).
func readID[Out any](s *server, fn func(context.Context, int64) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, _ none) (Out, error) { return fn(r.Context(), routeID(r)) })
}

// create is a change made of the body alone: fn(ctx, actor, body).
func create[In, Out any](s *server, fn func(context.Context, db.Actor, In) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, in In) (Out, error) { return fn(r.Context(), actorOf(r), in) })
}

// actOn is a change of the path's {id} with the body: fn(ctx, actor, id, body).
func actOn[In, Out any](s *server, fn func(context.Context, db.Actor, int64, In) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, in In) (Out, error) { return fn(r.Context(), actorOf(r), routeID(r), in) })
}

// actOnID is a change of the path's {id} without a body: fn(ctx, actor, id).
func actOnID[Out any](s *server, fn func(context.Context, db.Actor, int64) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, _ none) (Out, error) { return fn(r.Context(), actorOf(r), routeID(r)) })
}

// actOnOnce is actOn for a change a retry must not make twice (a payment, a dispense): fn
// gets the request's Idempotency-Key too ("": none), fn(ctx, actor, id, key, body).
func actOnOnce[In, Out any](s *server, fn func(context.Context, db.Actor, int64, string, In) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, in In) (Out, error) {
		key, err := idempotencyKey(r)
		if err != nil {
			var zero Out
			return zero, err
		}
		return fn(r.Context(), actorOf(r), routeID(r), key, in)
	})
}

// pageOfID is a page of a list that belongs to the path's {id} (its limit and cursor from
// the query): fn(ctx, id, limit, cursor).
func pageOfID[Out any](s *server, fn func(context.Context, int64, int, string) (Out, error)) jsonHandler {
	return handle(s, func(r *http.Request, _ none) (Out, error) {
		q := queryOf(r)
		limit, cursor := q.Page()
		return answer(q, func() (Out, error) { return fn(r.Context(), routeID(r), limit, cursor) })
	})
}

// document is what a route answers when it answers a file rather than JSON: writeDocument
// sends it.
type document struct {
	contentType string // e.g. contentPDF, contentCSV
	disposition string // how a browser takes it: inline or attachment (with the file's name); "": no header
	data        []byte
}

// The content types of the documents Chelal makes.
const (
	contentPDF = "application/pdf"
	contentCSV = "text/csv; charset=utf-8"
)

// inline is the Content-Disposition of a document a browser shows (a PDF to print).
func inline(filename string) string { return `inline; filename="` + filename + `"` }

// attachment is the Content-Disposition of a document a browser saves as filename.
func attachment(filename string) string { return `attachment; filename="` + filename + `"` }

// handleDocument makes the handler of a route that answers a document, as handle does for a
// JSON route: the path's {id} is checked first (fn reads it with routeID), fn makes the
// document, and every failure goes through writeError, so nothing is sent before the whole
// document is made.
func handleDocument(s *server, fn func(r *http.Request) (document, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := readRequest(r, &none{}); err != nil {
			s.writeError(w, r, err)
			return
		}
		doc, err := fn(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeDocument(w, doc.contentType, doc.disposition, doc.data)
	}
}

// writeDocument answers a document whole (a PDF, a CSV, an image): its type, how a browser
// takes it (disposition, e.g. `attachment; filename="x.csv"`; "" : no header), its length, and
// never cached, for it holds patients' or the clinic's data.
func writeDocument(w http.ResponseWriter, contentType, disposition string, data []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	if disposition != "" {
		h.Set("Content-Disposition", disposition)
	}
	h.Set("Content-Length", strconv.Itoa(len(data)))
	h.Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// writeJSON sends v as application/json with status. v is encoded before anything is written,
// so a value that cannot be encoded becomes a 500 problem rather than half an answer.
func (s *server) writeJSON(w http.ResponseWriter, r *http.Request, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		s.writeError(w, r, fmt.Errorf("encode %T: %w", v, err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}
