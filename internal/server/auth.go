package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"chelal/internal/apperr"
	"chelal/internal/auth"
	"chelal/internal/i18n"
)

// SessionCookie is the name of the cookie that carries the session token.
const SessionCookie = "chelal_session"

// CSRFHeader carries the session's CSRF token on every unsafe request.
const CSRFHeader = "X-CSRF-Token"

// ActivityHeader ("X-Chelal-Activity: user") marks a read the user caused (a click, a key,
// a navigation). Only such reads, and every write, restart the session's idle time; a read
// without it (the UI's background refreshes, the events stream, an old tab, a script) does
// not, so a forgotten workstation is logged off whatever it keeps polling.
const ActivityHeader = "X-Chelal-Activity"

// userActivity says whether r counts as the user's own action for the idle timeout.
func userActivity(r *http.Request) bool {
	return unsafeMethod(r.Method) || strings.EqualFold(r.Header.Get(ActivityHeader), "user")
}

// DeviceCookie marks a known workstation: a browser that has logged in before (auth.Client).
// It is sent only to the auth routes.
const DeviceCookie = "chelal_device"

// authClient is the browser behind a login or a re-authentication.
func authClient(r *http.Request) auth.Client {
	c := auth.Client{IP: ClientIP(r)}
	if ck, err := r.Cookie(DeviceCookie); err == nil {
		c.Device = ck.Value
	}
	if ck, err := r.Cookie(SessionCookie); err == nil {
		c.Session = ck.Value
	}
	return c
}

type principalKey struct{}

// principalOf returns the logged-in user of a request that passed authorize (nil on public routes).
func principalOf(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey{}).(*auth.Principal)
	return p
}

func unsafeMethod(m string) bool {
	return m != http.MethodGet && m != http.MethodHead && m != http.MethodOptions
}

// authorize wraps a route's handler in its permission check, done here, on the server, for
// every route: public routes pass; any other needs a live session (401), the session's CSRF
// token on unsafe methods (403), and the route's permission (403, recorded in the audit log).
func (s *server) authorize(rt route) http.Handler {
	if rt.perm == PermPublic {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			rt.handler(w, r.WithContext(i18n.WithLang(r.Context(), i18n.FromAcceptLanguage(r.Header.Get("Accept-Language")))))
		})
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.auth == nil {
			s.writeError(w, r, apperr.ErrUnauthorized)
			return
		}
		c, err := r.Cookie(SessionCookie)
		if err != nil {
			s.writeError(w, r, apperr.ErrUnauthorized)
			return
		}
		p, err := s.auth.Authenticate(r.Context(), c.Value)
		if err != nil {
			if apperr.KindOf(err) == apperr.ErrUnauthorized {
				clearSessionCookie(w, r)
				err = apperr.New(apperr.ErrUnauthorized, "Your session has ended; log in again.").WithCode("session-expired").WithKey("problem.session_expired")
			}
			s.writeError(w, r, err)
			return
		}
		if unsafeMethod(r.Method) && !p.CheckCSRF(r.Header.Get(CSRFHeader)) {
			s.writeError(w, r, apperr.New(apperr.ErrForbidden, "The request lacks this session's "+CSRFHeader+" header.").WithCode("csrf"))
			return
		}
		if userActivity(r) {
			if err := s.auth.NoteActivity(r.Context(), p); err != nil {
				s.writeError(w, r, err)
				return
			}
		}
		if !p.Can(rt.perm) {
			if err := s.auth.RecordDenied(r.Context(), p.Actor(ClientIP(r)), r.Method, r.URL.Path, rt.perm); err != nil {
				s.writeError(w, r, err)
				return
			}
			s.writeError(w, r, apperr.New(apperr.ErrForbidden, "Your role does not allow this.").WithKey("problem.role_forbidden"))
			return
		}
		// The domains write their text (PDFs, flags, problem details) in the user's language.
		ctx := i18n.WithLang(context.WithValue(r.Context(), principalKey{}, p), i18n.Parse(p.User.LanguagePreference))
		rt.handler(w, r.WithContext(ctx))
	})
}

// withSameOrigin refuses an unsafe API request whose Origin header names another site: a
// page elsewhere must not post to Chelal in a user's name (defence in depth beside SameSite
// cookies, the CSRF token and the JSON-only bodies).
func withSameOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if origin := r.Header.Get("Origin"); origin != "" && unsafeMethod(r.Method) && isAPI(r.URL.Path) {
			u, err := url.Parse(origin)
			if err != nil || !strings.EqualFold(u.Host, r.Host) {
				writeProblem(w, newProblem(r, kindProblems[apperr.ErrForbidden], "Requests from another site are refused."))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func setSessionCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    token,
		Path:     "/",
		HttpOnly: true,
		Secure:   isHTTPS(r),
		SameSite: http.SameSiteStrictMode,
	})
}

// deviceCookieDays is how long a browser keeps its device cookie (the server forgets a device
// after 180 days without a login).
const deviceCookieDays = 400

func setDeviceCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{
		Name:     DeviceCookie,
		Value:    token,
		Path:     "/api/v1/auth/",
		MaxAge:   deviceCookieDays * 24 * 3600,
		HttpOnly: true,
		Secure:   isHTTPS(r),
		SameSite: http.SameSiteStrictMode,
	})
}

func clearSessionCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{
		Name:     SessionCookie,
		Value:    "",
		Path:     "/",
		MaxAge:   -1,
		HttpOnly: true,
		Secure:   isHTTPS(r),
		SameSite: http.SameSiteStrictMode,
	})
}
