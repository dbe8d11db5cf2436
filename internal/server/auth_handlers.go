package server

import (
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/auth"
	"chelal/internal/settings"
)

type setupStatus struct {
	Needed bool `json:"needed"`
}

type userEnvelope struct {
	User auth.User `json:"user"`
}

type sessionInfo struct {
	User        auth.User         `json:"user"`
	CSRFToken   string            `json:"csrf_token"`
	Permissions []auth.Permission `json:"permissions"`
	// SessionIdleSeconds is the server's idle timeout: the UI warns a minute before and logs off.
	SessionIdleSeconds int `json:"session_idle_seconds"`
}

func (s *server) sessionInfo(u auth.User, csrf string, perms []auth.Permission) sessionInfo {
	return sessionInfo{User: u, CSRFToken: csrf, Permissions: perms, SessionIdleSeconds: int(s.auth.Config().IdleTimeout.Seconds())}
}

type enableTwoFactorInput struct {
	Code string `json:"code"`
}

type recoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

type rolesList struct {
	Items []auth.Role `json:"items"`
}

// userAnswer wraps a user-returning call for handle.
func userAnswer(u auth.User, err error) (userEnvelope, error) { return userEnvelope{User: u}, err }

func (s *server) getSetup(r *http.Request, _ none) (setupStatus, error) {
	needed, err := s.auth.SetupNeeded(r.Context())
	return setupStatus{Needed: needed}, err
}

func (s *server) postSetup(r *http.Request, in auth.SetupParams) (userEnvelope, error) {
	return userAnswer(s.auth.Setup(r.Context(), actorOf(r), in))
}

// login needs the response writer for the cookie, so it is a plain handler.
func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var in auth.LoginParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, u, err := s.auth.Login(r.Context(), in, authClient(r), r.UserAgent())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.auth.Authenticate(r.Context(), sess.Token)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A new token at every login; the browser's old one was ended by Login.
	setSessionCookie(w, r, sess.Token)
	setDeviceCookie(w, r, sess.Device)
	s.writeJSON(w, r, http.StatusOK, s.sessionInfo(u, sess.CSRFToken, p.Permissions))
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), principalOf(r.Context()), ClientIP(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) me(r *http.Request, _ none) (sessionInfo, error) {
	p := principalOf(r.Context())
	return s.sessionInfo(p.User, p.CSRFToken(), p.Permissions), nil
}

func (s *server) updateMe(r *http.Request, in auth.ProfileParams) (userEnvelope, error) {
	if err := useIfMatch(r, &in.Version); err != nil {
		return userEnvelope{}, err
	}
	p := principalOf(r.Context())
	return userAnswer(s.auth.UpdateProfile(r.Context(), p.Actor(ClientIP(r)), p.User.ID, in))
}

func (s *server) changePassword(r *http.Request, in auth.ChangePasswordParams) (none, error) {
	return none{}, s.auth.ChangePassword(r.Context(), principalOf(r.Context()), authClient(r), in)
}

func (s *server) setupTwoFactor(r *http.Request, _ none) (auth.TwoFactorEnrolment, error) {
	return s.auth.BeginTwoFactor(r.Context(), principalOf(r.Context()), ClientIP(r))
}

func (s *server) enableTwoFactor(r *http.Request, in enableTwoFactorInput) (recoveryCodes, error) {
	codes, err := s.auth.EnableTwoFactor(r.Context(), principalOf(r.Context()), ClientIP(r), in.Code)
	return recoveryCodes{RecoveryCodes: codes}, err
}

func (s *server) disableTwoFactor(r *http.Request, in auth.DisableTwoFactorParams) (none, error) {
	return none{}, s.auth.DisableTwoFactor(r.Context(), principalOf(r.Context()), authClient(r), in)
}

// putProfileImage takes a raw image body, not JSON.
func (s *server) putProfileImage(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "image/png" && mt != "image/jpeg" {
		writeProblem(w, newProblem(r, probUnsupportedMedia, "Send the image as image/png or image/jpeg."))
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		if tooBig, ok := asMaxBytes(err); ok {
			writeProblem(w, tooLargeProblem(r, tooBig.Limit))
			return
		}
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.SetProfileImage(r.Context(), principalOf(r.Context()), ClientIP(r), data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

// getProfileImage answers the image itself, not JSON.
func (s *server) getProfileImage(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ct, data, err := s.auth.ProfileImage(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Header().Set("Cache-Control", "private, no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

func (s *server) listRoles(r *http.Request, _ none) (rolesList, error) {
	roles, err := s.auth.ListRoles(r.Context())
	return rolesList{Items: roles}, err
}

func (s *server) listUsers(r *http.Request, _ none) (auth.UserPage, error) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		return auth.UserPage{}, err
	}
	return s.auth.ListUsers(r.Context(), int(limit), r.URL.Query().Get("cursor"))
}

func (s *server) createUser(r *http.Request, in auth.CreateUserParams) (userEnvelope, error) {
	return userAnswer(s.auth.CreateUser(r.Context(), actorOf(r), in))
}

func (s *server) getUser(r *http.Request, _ none) (userEnvelope, error) {
	id, err := pathID(r)
	if err != nil {
		return userEnvelope{}, err
	}
	return userAnswer(s.auth.GetUser(r.Context(), id))
}

func (s *server) updateUser(r *http.Request, in auth.UpdateUserParams) (userEnvelope, error) {
	id, err := pathID(r)
	if err != nil {
		return userEnvelope{}, err
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		return userEnvelope{}, err
	}
	return userAnswer(s.auth.UpdateUser(r.Context(), actorOf(r), id, in))
}

func (s *server) resetUserTwoFactor(r *http.Request, _ none) (userEnvelope, error) {
	id, err := pathID(r)
	if err != nil {
		return userEnvelope{}, err
	}
	return userAnswer(s.auth.ResetTwoFactor(r.Context(), actorOf(r), id))
}

type loginThrottles struct {
	Items []auth.LoginThrottle `json:"items"`
}

func (s *server) listLoginThrottles(r *http.Request, _ none) (loginThrottles, error) {
	items, err := s.auth.LoginThrottles(r.Context())
	return loginThrottles{Items: items}, err
}

func (s *server) clearLoginThrottle(r *http.Request, _ none) (none, error) {
	q := r.URL.Query()
	return none{}, s.auth.ClearLoginThrottle(r.Context(), actorOf(r), auth.ClearLoginThrottleParams{Username: q.Get("username"), IP: q.Get("ip")})
}

func (s *server) listAudit(r *http.Request, _ none) (audit.Page, error) {
	f, err := s.auditFilter(r)
	if err != nil {
		return audit.Page{}, err
	}
	return audit.List(r.Context(), s.db.Pool, f)
}

// auditFilter reads the audit list's and export's query parameters. Dates (YYYY-MM-DD) are days
// in the clinic's time zone: from its first moment, to through its last.
func (s *server) auditFilter(r *http.Request) (audit.Filter, error) {
	q := r.URL.Query()
	var f audit.Filter
	var fields apperr.Fields
	intParam := func(name string) int64 {
		v, err := queryInt(r, name)
		fields = append(fields, apperr.FieldsOf(err)...)
		return v
	}
	f.ObjectID = intParam("object_id")
	f.UserID = intParam("user_id")
	f.PatientID = intParam("patient_id")
	f.Limit = int(intParam("limit"))
	f.ModelName, f.Action, f.Cursor = q.Get("model_name"), q.Get("action"), q.Get("cursor")
	if len(f.ModelName) > 100 {
		fields.Add("model_name", apperr.CodeTooLong, "model_name is at most 100 characters.")
	}
	if len(f.Action) > 100 {
		fields.Add("action", apperr.CodeTooLong, "action is at most 100 characters.")
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		return f, err
	}
	if f.From, err = parseTimeParamIn(q.Get("from"), false, loc); err != nil {
		fields.Add("from", apperr.CodeInvalid, "from must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	if f.To, err = parseTimeParamIn(q.Get("to"), true, loc); err != nil {
		fields.Add("to", apperr.CodeInvalid, "to must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	return f, fields.Err()
}

// auditCSV streams the audit rows matching the list's filters as a CSV file.
func (s *server) auditCSV(w http.ResponseWriter, r *http.Request) {
	f, err := s.auditFilter(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	loc, err := settings.Location(r.Context(), s.db.Pool)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := &lazyCSV{w: w, name: "audit-" + time.Now().In(loc).Format("2006-01-02") + ".csv"}
	if err := audit.WriteCSV(r.Context(), s.db.Pool, f, loc, requestLang(r), out); err != nil {
		if !out.started {
			s.writeError(w, r, err)
			return
		}
		s.log.Error("audit csv export cut short", "err", err, "request_id", w.Header().Get("X-Request-Id"))
	}
}

// lazyCSV sends the CSV headers with the first bytes, so that a query that fails before any
// row is still answered as a problem.
type lazyCSV struct {
	w       http.ResponseWriter
	name    string
	started bool
}

func (l *lazyCSV) Write(p []byte) (int, error) {
	if !l.started {
		l.started = true
		h := l.w.Header()
		h.Set("Content-Type", "text/csv; charset=utf-8")
		h.Set("Content-Disposition", `attachment; filename="`+l.name+`"`)
		h.Set("Cache-Control", "private, no-store")
		l.w.WriteHeader(http.StatusOK)
	}
	n, err := l.w.Write(p)
	if f, ok := l.w.(http.Flusher); ok && err == nil {
		f.Flush()
	}
	return n, err
}
