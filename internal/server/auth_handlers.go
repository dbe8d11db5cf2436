package server

import (
	"io"
	"mime"
	"net/http"

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
