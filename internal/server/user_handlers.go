package server

import (
	"net/http"

	"chelal/internal/auth"
)

type rolesList struct {
	Items []auth.Role `json:"items"`
}

// getProfileImage answers the image itself, not JSON.
func (s *server) getProfileImage(r *http.Request) (document, error) {
	ct, data, err := s.auth.ProfileImage(r.Context(), routeID(r))
	return document{contentType: ct, data: data}, err
}

func (s *server) listRoles(r *http.Request, _ none) (rolesList, error) {
	roles, err := s.auth.ListRoles(r.Context())
	return rolesList{Items: roles}, err
}

func (s *server) listUsers(r *http.Request, _ none) (auth.UserPage, error) {
	q := queryOf(r)
	limit, cursor := q.Page()
	return answer(q, func() (auth.UserPage, error) { return s.auth.ListUsers(r.Context(), limit, cursor) })
}

func (s *server) createUser(r *http.Request, in auth.CreateUserParams) (userEnvelope, error) {
	return userAnswer(s.auth.CreateUser(r.Context(), actorOf(r), in))
}

func (s *server) getUser(r *http.Request, _ none) (userEnvelope, error) {
	return userAnswer(s.auth.GetUser(r.Context(), routeID(r)))
}

func (s *server) updateUser(r *http.Request, in auth.UpdateUserParams) (userEnvelope, error) {
	return userAnswer(s.auth.UpdateUser(r.Context(), actorOf(r), routeID(r), in))
}

func (s *server) resetUserTwoFactor(r *http.Request, _ none) (userEnvelope, error) {
	return userAnswer(s.auth.ResetTwoFactor(r.Context(), actorOf(r), routeID(r)))
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
