// Package server is Chelal's HTTP layer: the one table of routes with their permissions, the
// middleware every request passes through (request id, client IP, access log, security
// headers, allowed host names, panic recovery, body limits), RFC 9457 problem answers mapped from the domains'
// error kinds (internal/apperr), strict JSON decoding, and the OpenAPI document generated
// from the routes. The desktop webview, LAN browsers and tests all use the one handler Wire
// builds (New over the services Wire made). Domain packages never import this package.
//
// The layer is thin, one vocabulary for every domain: routes.go is the table; each route tag
// has its handlers file (patient_handlers.go, user_handlers.go, ...), whose handlers only call
// the domain; handle (handle.go) reads the request for them (request.go: the JSON body, the
// {id}, If-Match into the body's version) and answers; list handlers read their query with
// queryOf. A new domain adds its rows to the table, one handlers file, and its service to
// Deps and Wire.
package server

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/netip"
	"sync/atomic"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/appointments"
	"chelal/internal/auth"
	"chelal/internal/backup"
	"chelal/internal/billing"
	"chelal/internal/clinical"
	"chelal/internal/db"
	"chelal/internal/diagnoses"
	"chelal/internal/display"
	"chelal/internal/events"
	"chelal/internal/importer"
	"chelal/internal/lab"
	"chelal/internal/notify"
	"chelal/internal/patients"
	"chelal/internal/pharmacy"
	"chelal/internal/reports"
	"chelal/internal/telemed"
	"chelal/internal/update"
)

// Deps is what the HTTP layer needs from the rest of the program.
type Deps struct {
	// The database and the domain services, built and wired together by Wire; New builds
	// none itself. DB may be nil only in tests that do not call /health; a nil Auth serves
	// only the public routes; a test that leaves a domain nil must not call its routes.
	DB           *db.DB
	Auth         *auth.Service
	Patients     *patients.Service
	Appointments *appointments.Service
	Pharmacy     *pharmacy.Service
	Clinical     *clinical.Service
	Billing      *billing.Service
	Notify       *notify.Service
	Display      *display.Service // the waiting-room displays
	Reports      *reports.Service // the reports over any period and the DHIS2 export
	Lab          *lab.Service     // the laboratory
	Telemed      *telemed.Service // video consultations (telemed_handlers.go)
	// ICEServers are the TURN/STUN servers video calls are given (none: the LAN's host candidates).
	ICEServers []telemed.ICEServer
	Diagnoses  *diagnoses.Service // coded diagnoses and the ICD-10 list (diagnosis_handlers.go)
	// Backups says where backups are written (administrators' POST /api/v1/backups).
	Backups BackupConfig
	// AfterRestore, when set, is called once a restore from the UI has switched Chelal to the
	// restored database: it restarts Chelal's core on it (serve and the desktop do).
	AfterRestore func()
	// Update is the running executable and the release key, for updates from file (POST
	// /api/v1/system/update); the zero value refuses them.
	Update update.Config
	// Frontend is the built clinic UI (the contents of frontend/dist), served at "/".
	// Nil, or without index.html (a fresh clone): non-API paths answer 404.
	Frontend fs.FS
	Log      *slog.Logger // nil: discard
	Version  string       // Chelal's version, reported by /health and the OpenAPI document
	// TrustedProxies are the peers whose X-Forwarded-For is believed (a reverse proxy in
	// front of scaled-out servers). Empty, the default: the peer's address is the client's.
	TrustedProxies []netip.Prefix
	// HostNames are host names (or addresses) the server answers for besides localhost,
	// loopback, the desktop webview's, the machine's addresses and its hostname (and
	// hostname.local): the name a clinic's DNS or a reverse proxy gives it. Requests for any
	// other Host are refused (DNS rebinding).
	HostNames []string
}

// BackupConfig is where and how the server writes backups.
type BackupConfig struct {
	Dir        string         // "" : backups are not available through the API (unless Folder)
	Folder     *backup.Folder // the backup folder an administrator may move; overrides Dir
	Passphrase string         // "" : not encrypted
	// LeftoverRetention is how long the schedule keeps leftovers (0: the default), shown
	// beside them.
	LeftoverRetention time.Duration
	// LowDisk is the free space under which a disk is shown low (0: the default).
	LowDisk uint64
	// DataDir is Chelal's data dir: its secret.key and profile images go into each backup and
	// come back with a restore ("" : the database only).
	DataDir string
}

// dir is the backup folder now ("" : none).
func (c BackupConfig) dir() string {
	if c.Folder != nil {
		return c.Folder.Dir()
	}
	return c.Dir
}

// server holds the dependencies handlers use.
type server struct {
	db           *db.DB
	auth         *auth.Service
	patients     *patients.Service
	backups      BackupConfig
	jobs         backup.Jobs    // one backup or restore at a time; the restore from the UI
	imports      *importer.Jobs // the spreadsheet import started from the UI (import_handlers.go)
	afterRestore func()
	appointments *appointments.Service
	pharmacy     *pharmacy.Service
	clinical     *clinical.Service
	notify       *notify.Service
	billing      *billing.Service
	reports      *reports.Service
	log          *slog.Logger
	version      string
	updater      *update.Updater
	idemPurged   atomic.Int64 // when expired idempotency keys were last deleted (Unix ns)

	events     *events.Hub                // live events (event_handlers.go); nil without a database
	eventPerms map[string]auth.Permission // event kind -> the permission to receive it
	display    *display.Service           // the waiting-room displays (display_handlers.go)
	lab        *lab.Service               // the laboratory (lab_handlers.go)
	telemed    *telemed.Service           // video consultations (telemed_handlers.go)
	diagnoses  *diagnoses.Service         // coded diagnoses (diagnosis_handlers.go)

	mux      *http.ServeMux
	table    []route
	fallback http.Handler // non-API paths: the UI (later), a 404 problem for now
	openapi  []byte       // the OpenAPI document, generated once from table
	handler  http.Handler // everything above behind the middleware
}

// New returns the whole API and the UI as one handler over the services d holds (Wire builds
// them). It panics when the routes
// table is wrong (a route without a permission, a duplicate, an undescribable body type):
// such a server must not start, and a test catches it first.
func New(d Deps) http.Handler {
	return newServer(d, nil).handler
}

// newServer builds the server from the production routes plus, in tests, the routes extra
// returns (so tests can exercise helpers through routes that production never serves).
func newServer(d Deps, extra func(s *server) []route) *server {
	s := &server{db: d.DB, auth: d.Auth, patients: d.Patients, appointments: d.Appointments, clinical: d.Clinical,
		pharmacy: d.Pharmacy, billing: d.Billing, notify: d.Notify, display: d.Display, reports: d.Reports, lab: d.Lab, telemed: d.Telemed, diagnoses: d.Diagnoses, backups: d.Backups, afterRestore: d.AfterRestore,
		log: d.Log, version: d.Version, updater: update.New(d.Update)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if d.DB != nil {
		s.events = events.NewHub(d.DB, s.log) // the live events' streams (event_handlers.go)
		s.imports = importer.NewJobs(context.Background(), d.DB, s.log)
		// A session, user or role changed on any instance: sessions are looked up again.
		if s.auth != nil {
			s.events.AccessChanged = s.auth.ForgetSessions
		}
	}
	if s.version == "" {
		s.version = "dev"
	}
	s.table = s.routes()
	if extra != nil {
		s.table = append(s.table, extra(s)...)
	}
	s.eventPerms = eventPerms(s.table)
	s.mux = http.NewServeMux()
	seenOp := map[string]string{}
	for i, rt := range s.table {
		if err := rt.check(); err != nil {
			panic("server: " + err.Error())
		}
		if rt.json != nil {
			rt.handler = rt.json(rt.successStatus())
			s.table[i] = rt
		}
		if rt.idempotent {
			rt.handler = s.idempotent(rt.handler)
		}
		if prev, dup := seenOp[rt.op]; dup {
			panic(fmt.Sprintf("server: operationId %q is used by %s and %s %s", rt.op, prev, rt.method, rt.path))
		}
		seenOp[rt.op] = rt.method + " " + rt.path
		served := rt
		served.handler = refuseBadQuery(rt.handler).ServeHTTP
		s.mux.Handle(rt.method+" "+rt.path, limitBody(rt.bodyLimit(), s.authorize(served)))
	}
	doc, err := buildOpenAPI(s.version, s.table)
	if err != nil {
		panic("server: " + err.Error())
	}
	s.openapi = doc
	s.fallback = limitBody(DefaultMaxBodyBytes, http.HandlerFunc(s.noRoute))
	if ui := newSPA(s, d.Frontend); ui != nil {
		s.fallback = limitBody(DefaultMaxBodyBytes, ui)
	}

	var h http.Handler = http.HandlerFunc(s.dispatch)
	h = withRecovery(s.log, h)
	h = withSameOrigin(h)
	h = withAllowedHosts(newHostPolicy(d.HostNames), h)
	h = withSecurityHeaders(h)
	h = withAccessLog(s.log, h)
	h = withClientIP(d.TrustedProxies, h)
	s.handler = withRequestID(h)
	return s
}

// dispatch sends r to its route, non-API paths to the UI, and answers an API path that no
// route serves with a 404 or 405 problem.
func (s *server) dispatch(w http.ResponseWriter, r *http.Request) {
	h, pattern := s.mux.Handler(r)
	switch {
	case pattern != "":
		s.mux.ServeHTTP(w, r) // sets the path values h would miss
	case !isAPI(r.URL.Path):
		s.fallback.ServeHTTP(w, r)
	default:
		// ServeMux's own answer: 404, 405 with Allow, or a redirect to the cleaned path.
		// Keep a redirect; turn the errors into problems.
		rec := &headerRecorder{header: http.Header{}}
		h.ServeHTTP(rec, r)
		switch rec.status {
		case http.StatusNotFound:
			s.noRoute(w, r)
		case http.StatusMethodNotAllowed:
			allow := rec.header.Get("Allow")
			w.Header().Set("Allow", allow)
			writeProblem(w, newProblem(r, probMethodNotAllowed,
				fmt.Sprintf("%s is not allowed on %s; allowed: %s.", r.Method, r.URL.EscapedPath(), allow)))
		default:
			h.ServeHTTP(w, r)
		}
	}
}

// noRoute answers a path nothing serves.
func (s *server) noRoute(w http.ResponseWriter, r *http.Request) {
	writeProblem(w, newProblem(r, kindProblems[apperr.ErrNotFound],
		fmt.Sprintf("Nothing is served at %s %s.", r.Method, r.URL.EscapedPath())))
}

// headerRecorder keeps the status and headers of an answer and discards its body.
type headerRecorder struct {
	header http.Header
	status int
}

func (h *headerRecorder) Header() http.Header { return h.header }

func (h *headerRecorder) WriteHeader(status int) {
	if h.status == 0 {
		h.status = status
	}
}

func (h *headerRecorder) Write(b []byte) (int, error) {
	if h.status == 0 {
		h.status = http.StatusOK
	}
	return len(b), nil
}

// NewHTTPServer returns an http.Server for h on addr with timeouts and limits fit for a LAN
// server, its own errors going to log. Long-lived answers (server-sent events) must extend
// their write deadline with http.ResponseController.
func NewHTTPServer(addr string, h http.Handler, log *slog.Logger) *http.Server {
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}
