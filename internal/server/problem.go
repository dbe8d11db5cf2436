package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/db"
	"chelal/internal/i18n"
)

// ProblemTypeBase prefixes every problem type: a type is ProblemTypeBase + a kebab-case slug,
// e.g. "https://chelal.invalid/problems/not-found". The .invalid domain never resolves: the URI
// only names the kind of problem, and it stays the same on every server.
const ProblemTypeBase = "https://chelal.invalid/problems/"

// problemContentType is the media type of every error answer (RFC 9457).
const problemContentType = "application/problem+json"

// Problem is an RFC 9457 problem details object, the body of every error answer. It is also an
// error, so HTTP-layer helpers (decodeJSON) can return one and writeError sends it as is.
type Problem struct {
	// Type is a stable URI naming the kind of problem: ProblemTypeBase + slug.
	Type string `json:"type" doc:"Stable URI naming the kind of problem; clients switch on it."`
	// Title is a short summary of the type; it does not change from occurrence to occurrence.
	Title string `json:"title"`
	// Status is the HTTP status code.
	Status int `json:"status"`
	// Detail explains this occurrence to a human.
	Detail string `json:"detail"`
	// Instance is the path of the request that failed.
	Instance string `json:"instance,omitempty"`
	// RequestID is the request's id (also in the X-Request-Id header), to quote to support.
	RequestID string `json:"request_id,omitempty"`
	// Errors lists what is wrong with each input field, for validation failures.
	Errors []apperr.FieldError `json:"errors,omitempty" doc:"What is wrong with each input field (validation failures only)."`
	// Details is what the client needs to act on this problem, by problem type: the allergy
	// warnings to confirm (allergy-warning), the stock still available (insufficient-stock).
	Details any `json:"details,omitempty" doc:"Data to act on the problem, depending on its type (e.g. allergy warnings)."`
}

// Error describes the problem for logs.
func (p *Problem) Error() string {
	return fmt.Sprintf("%d %s: %s", p.Status, p.Title, p.Detail)
}

// problemKind is one row of the table of problem types: a slug, its title and its status.
type problemKind struct {
	status int
	slug   string
	title  string
}

// Problems the HTTP layer reports on its own (not domain kinds).
var (
	probBadRequest       = problemKind{http.StatusBadRequest, "bad-request", "Bad request"}
	probMethodNotAllowed = problemKind{http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed"}
	probTooLarge         = problemKind{http.StatusRequestEntityTooLarge, "payload-too-large", "Request body too large"}
	probUnsupportedMedia = problemKind{http.StatusUnsupportedMediaType, "unsupported-media-type", "Unsupported media type"}
)

// kindProblems maps each domain error kind to its problem: the one place where a domain's
// "not found" becomes a 404 (WTF Dial's table). A kind missing here is a 500.
var kindProblems = map[apperr.Kind]problemKind{
	apperr.ErrInvalid:         {http.StatusUnprocessableEntity, "invalid", "Invalid input"},
	apperr.ErrUnauthorized:    {http.StatusUnauthorized, "unauthorized", "Not logged in"},
	apperr.ErrForbidden:       {http.StatusForbidden, "forbidden", "Forbidden"},
	apperr.ErrNotFound:        {http.StatusNotFound, "not-found", "Not found"},
	apperr.ErrConflict:        {http.StatusConflict, "conflict", "Conflict"},
	apperr.ErrTooManyRequests: {http.StatusTooManyRequests, "too-many-requests", "Too many requests"},
	apperr.ErrUnavailable:     {http.StatusServiceUnavailable, "unavailable", "Service unavailable"},
	apperr.ErrInternal:        {http.StatusInternalServerError, "internal", "Internal error"},
}

// defaultDetails is the catalog key (internal/i18n) of the detail for a kind whose error
// carries no message.
var defaultDetails = map[apperr.Kind]string{
	apperr.ErrInvalid:         "problem.invalid",
	apperr.ErrUnauthorized:    "problem.unauthorized",
	apperr.ErrForbidden:       "problem.forbidden",
	apperr.ErrNotFound:        "problem.not_found",
	apperr.ErrConflict:        "problem.conflict",
	apperr.ErrTooManyRequests: "problem.too_many_requests",
	apperr.ErrUnavailable:     "problem.unavailable",
}

// requestLang is the language to answer r in: the logged-in user's, else the first of the
// browser's Accept-Language that the server writes, else English.
func requestLang(r *http.Request) i18n.Lang {
	if p := principalOf(r.Context()); p != nil {
		return i18n.Parse(p.User.LanguagePreference)
	}
	return i18n.FromAcceptLanguage(r.Header.Get("Accept-Language"))
}

// newProblem returns the problem of kind pk for request r with detail.
func newProblem(r *http.Request, pk problemKind, detail string) *Problem {
	return &Problem{
		Type:      ProblemTypeBase + pk.slug,
		Title:     pk.title,
		Status:    pk.status,
		Detail:    detail,
		Instance:  r.URL.EscapedPath(),
		RequestID: RequestID(r.Context()),
	}
}

// problemFor turns any error into the problem to answer with, and says whether it is
// unexpected (a 500 whose cause must be logged and hidden).
func problemFor(r *http.Request, err error) (p *Problem, unexpected bool) {
	if errors.As(err, &p) {
		cp := *p
		if cp.RequestID == "" {
			cp.RequestID = RequestID(r.Context())
		}
		if cp.Instance == "" {
			cp.Instance = r.URL.EscapedPath()
		}
		return &cp, cp.Status >= 500
	}
	// A body read past its limit (http.MaxBytesReader) is 413, whatever the handler read it for.
	if tooBig, ok := asMaxBytes(err); ok {
		return tooLargeProblem(r, tooBig.Limit), false
	}
	kind := apperr.KindOf(err)
	pk, ok := kindProblems[kind]
	if !ok || kind == apperr.ErrInternal {
		if errors.Is(err, context.DeadlineExceeded) {
			pk := kindProblems[apperr.ErrUnavailable]
			return newProblem(r, pk, requestLang(r).T("problem.timeout")), true
		}
		pk = kindProblems[apperr.ErrInternal]
		return newProblem(r, pk, requestLang(r).T("problem.internal", "id", RequestID(r.Context()))), true
	}
	// The detail in the user's language when the error names its message in the catalog; a
	// message without key (not translated yet) is shown as the domain wrote it.
	detail := apperr.MessageOf(err)
	if key, params := apperr.KeyOf(err); key != "" && i18n.Has(key) {
		detail = requestLang(r).Render(i18n.Msg{Key: key, Params: params})
	} else if detail == "" {
		detail = requestLang(r).T(defaultDetails[kind])
	}
	p = newProblem(r, pk, detail)
	if code := apperr.CodeOf(err); code != "" {
		p.Type = ProblemTypeBase + code
	}
	p.Errors = apperr.FieldsOf(err)
	p.Details = apperr.DetailsOf(err)
	return p, pk.status >= 500
}

// writeProblem sends p as application/problem+json with p.Status. Headers the handler set
// for a successful answer (length, caching validators) are dropped.
func writeProblem(w http.ResponseWriter, p *Problem) {
	body, err := json.Marshal(p)
	if err != nil { // a Problem always marshals; keep the answer valid anyway
		body = []byte(`{"type":"` + ProblemTypeBase + `internal","title":"Internal error","status":500,"detail":"An unexpected error occurred."}`)
		p.Status = http.StatusInternalServerError
	}
	h := w.Header()
	for _, k := range []string{"Content-Length", "Content-Encoding", "ETag", "Last-Modified"} {
		h.Del(k)
	}
	h.Set("Content-Type", problemContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)+1))
	w.WriteHeader(p.Status)
	_, _ = w.Write(append(body, '\n'))
}

// writeError answers r with the problem for err: a *Problem as is, a domain error through
// kindProblems, anything else as a 500 whose cause is logged with the request id and never
// shown. Handlers call it for every failure.
func (s *server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	// A database that does not answer (down, restarting, out of disk) is 503 with Retry-After,
	// whatever the handler: the one place where driver errors become a kind.
	err = db.Unavailable(err)
	p, unexpected := problemFor(r, err)
	if d := apperr.RetryAfterOf(err); d > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
	}
	if unexpected {
		level := slog.LevelError
		switch {
		case r.Context().Err() != nil: // the client went away; not a server fault
			level = slog.LevelInfo
		case apperr.CodeOf(err) == db.CodeUnavailable: // the supervisor logs the outage itself
			level = slog.LevelWarn
		}
		s.log.LogAttrs(r.Context(), level, "request failed",
			slog.String("request_id", RequestID(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.Path),
			slog.Int("status", p.Status),
			slog.Any("error", err))
	}
	writeProblem(w, p)
}
