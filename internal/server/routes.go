package server

import (
	"fmt"
	"net/http"
	"regexp"
	"strings"
)

// Perm is what a route requires of its caller: PermPublic, PermAuthenticated, or the name
// of a permission that roles grant (e.g. "patients.read"). Every route has one; New panics
// on a route without.
type Perm string

// Permissions every deployment has. Domain permissions are further Perm values named
// "<area>.<action>".
const (
	PermPublic        Perm = "public"        // anyone, logged in or not
	PermAuthenticated Perm = "authenticated" // any logged-in user
)

// route is one row of the API table: what it answers, who may call it, how the OpenAPI
// document describes it, and the handler.
type route struct {
	method  string // GET, POST, PATCH, PUT, DELETE
	path    string // a ServeMux path pattern, e.g. "/api/v1/patients/{id}"
	perm    Perm   // required; see Perm
	op      string // OpenAPI operationId, unique, lowerCamelCase: "getPatient"
	tag     string // OpenAPI tag grouping the route: "patients"
	summary string // one line for the OpenAPI document

	query   []param     // query parameters, for the OpenAPI document
	in      any         // the request body's Go value (e.g. patients.CreateParams{}); nil: no body
	out     any         // the success body's Go value; nil: no body
	status  int         // the success status; 0 means 200
	alt     map[int]any // other statuses answered with a JSON body that is not a problem
	errs    []int       // problem statuses the route may answer besides those its shape implies
	maxBody int64       // body limit in bytes; 0 means DefaultMaxBodyBytes
	handler http.HandlerFunc
}

// param describes a query parameter.
type param struct {
	name     string
	typ      string // JSON Schema type: "string", "integer", "boolean"
	doc      string
	required bool
}

// routes is every route of the API, in one place, with its permission beside it.
func (s *server) routes() []route {
	return []route{
		{
			method: "GET", path: "/api/v1/health", perm: PermPublic,
			op: "getHealth", tag: "system", summary: "Whether the server and its database answer",
			out: health{}, alt: map[int]any{http.StatusServiceUnavailable: health{}},
			handler: s.health,
		},
		{
			method: "GET", path: "/api/v1/openapi.json", perm: PermPublic,
			op: "getOpenAPI", tag: "system", summary: "This API's OpenAPI 3.1 document",
			out: map[string]any{}, handler: s.openAPI,
		},
	}
}

var (
	validMethods = map[string]bool{"GET": true, "POST": true, "PUT": true, "PATCH": true, "DELETE": true}
	validOp      = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)
)

// check refuses a route the server must not start with: a missing permission first of all.
func (rt route) check() error {
	name := rt.method + " " + rt.path
	switch {
	case rt.perm == "":
		return fmt.Errorf("route %s has no permission: set perm (PermPublic, PermAuthenticated or a permission name)", name)
	case !validMethods[rt.method]:
		return fmt.Errorf("route %s: method %q is not one of GET, POST, PUT, PATCH, DELETE", name, rt.method)
	case !strings.HasPrefix(rt.path, "/api/"):
		return fmt.Errorf("route %s: the table holds API routes only (paths under /api/)", name)
	case rt.handler == nil:
		return fmt.Errorf("route %s has no handler", name)
	case !validOp.MatchString(rt.op):
		return fmt.Errorf("route %s: operationId %q must be lowerCamelCase", name, rt.op)
	case rt.summary == "":
		return fmt.Errorf("route %s has no summary", name)
	case rt.tag == "":
		return fmt.Errorf("route %s has no tag", name)
	}
	return nil
}

// successStatus is the status a successful call answers with.
func (rt route) successStatus() int {
	if rt.status == 0 {
		return http.StatusOK
	}
	return rt.status
}

// bodyLimit is the route's request body limit.
func (rt route) bodyLimit() int64 {
	if rt.maxBody > 0 {
		return rt.maxBody
	}
	return DefaultMaxBodyBytes
}
