package server

import (
	"io"
	"mime"
	"net/http"
	"strconv"

	"chelal/internal/apperr"
	"chelal/internal/audit"
	"chelal/internal/auth"
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
}

type enableTwoFactorInput struct {
	Code string `json:"code"`
}

type recoveryCodes struct {
	RecoveryCodes []string `json:"recovery_codes"`
}

func (s *server) getSetup(w http.ResponseWriter, r *http.Request) {
	needed, err := s.auth.SetupNeeded(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, setupStatus{Needed: needed})
}

func (s *server) postSetup(w http.ResponseWriter, r *http.Request) {
	var in auth.SetupParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.Setup(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, userEnvelope{User: u})
}

func (s *server) login(w http.ResponseWriter, r *http.Request) {
	var in auth.LoginParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, u, err := s.auth.Login(r.Context(), in, ClientIP(r), r.UserAgent())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// A new token at every login (the old cookie, if any, is simply replaced).
	setSessionCookie(w, r, sess.Token)
	p, err := s.auth.Authenticate(r.Context(), sess.Token)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, sessionInfo{User: u, CSRFToken: sess.CSRFToken, Permissions: p.Permissions})
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.auth.Logout(r.Context(), principalOf(r.Context()), ClientIP(r)); err != nil {
		s.writeError(w, r, err)
		return
	}
	clearSessionCookie(w, r)
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) me(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	s.writeJSON(w, r, http.StatusOK, sessionInfo{User: p.User, CSRFToken: p.CSRFToken(), Permissions: p.Permissions})
}

func (s *server) updateMe(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	var in auth.ProfileParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.UpdateProfile(r.Context(), p.Actor(ClientIP(r)), p.User.ID, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

func (s *server) changePassword(w http.ResponseWriter, r *http.Request) {
	var in auth.ChangePasswordParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.ChangePassword(r.Context(), principalOf(r.Context()), ClientIP(r), in); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) setupTwoFactor(w http.ResponseWriter, r *http.Request) {
	e, err := s.auth.BeginTwoFactor(r.Context(), principalOf(r.Context()), ClientIP(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, e)
}

func (s *server) enableTwoFactor(w http.ResponseWriter, r *http.Request) {
	var in enableTwoFactorInput
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	codes, err := s.auth.EnableTwoFactor(r.Context(), principalOf(r.Context()), ClientIP(r), in.Code)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, recoveryCodes{RecoveryCodes: codes})
}

func (s *server) disableTwoFactor(w http.ResponseWriter, r *http.Request) {
	var in auth.DisableTwoFactorParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.auth.DisableTwoFactor(r.Context(), principalOf(r.Context()), ClientIP(r), in); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) putProfileImage(w http.ResponseWriter, r *http.Request) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt != "image/png" && mt != "image/jpeg" {
		writeProblem(w, newProblem(r, probUnsupportedMedia, "Send the image as image/png or image/jpeg."))
		return
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var tooBig *http.MaxBytesError
		if asMaxBytes(err, &tooBig) {
			writeProblem(w, tooLargeProblem(r, tooBig.Limit))
			return
		}
		s.writeError(w, r, err)
		return
	}
	p := principalOf(r.Context())
	u, err := s.auth.SetProfileImage(r.Context(), p, ClientIP(r), data)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

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

func (s *server) listRoles(w http.ResponseWriter, r *http.Request) {
	roles, err := s.auth.ListRoles(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, rolesList{Items: roles})
}

type rolesList struct {
	Items []auth.Role `json:"items"`
}

func (s *server) listUsers(w http.ResponseWriter, r *http.Request) {
	limit, err := queryInt(r, "limit")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.auth.ListUsers(r.Context(), int(limit), r.URL.Query().Get("cursor"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, page)
}

func (s *server) createUser(w http.ResponseWriter, r *http.Request) {
	var in auth.CreateUserParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.CreateUser(r.Context(), actorOf(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusCreated, userEnvelope{User: u})
}

func (s *server) getUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.GetUser(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

func (s *server) updateUser(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var in auth.UpdateUserParams
	if err := decodeJSON(r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := useIfMatch(r, &in.Version); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.UpdateUser(r.Context(), actorOf(r), id, in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

func (s *server) resetUserTwoFactor(w http.ResponseWriter, r *http.Request) {
	id, err := pathID(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.auth.ResetTwoFactor(r.Context(), actorOf(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, userEnvelope{User: u})
}

func (s *server) listAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var f audit.Filter
	var err error
	var fields apperr.Fields
	intParam := func(name string) int64 {
		v, e := queryInt(r, name)
		if e != nil {
			fields = append(fields, apperr.FieldsOf(e)...)
		}
		return v
	}
	f.ObjectID = intParam("object_id")
	f.UserID = intParam("user_id")
	f.Limit = int(intParam("limit"))
	f.ModelName, f.Action, f.Cursor = q.Get("model_name"), q.Get("action"), q.Get("cursor")
	if len(f.ModelName) > 100 {
		fields.Add("model_name", apperr.CodeTooLong, "model_name is at most 100 characters.")
	}
	if len(f.Action) > 100 {
		fields.Add("action", apperr.CodeTooLong, "action is at most 100 characters.")
	}
	if f.From, err = parseTimeParam(q.Get("from"), false); err != nil {
		fields.Add("from", apperr.CodeInvalid, "from must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	if f.To, err = parseTimeParam(q.Get("to"), true); err != nil {
		fields.Add("to", apperr.CodeInvalid, "to must be a date (YYYY-MM-DD) or an RFC 3339 time.")
	}
	if err := fields.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := audit.List(r.Context(), s.db.Pool, f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.writeJSON(w, r, http.StatusOK, page)
}
