package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"strings"

	"github.com/psadav/psadav/storage"
)

// principal is who makes a request: an account (by browser session or
// HTTP Basic) or an API token.
type principal struct {
	account *storage.Account
	token   string // the API token's name
	// csrf is the session's CSRF token ("" when not a browser session).
	csrf string
	// viaSession: authenticated by the session cookie; state-changing
	// requests must then carry the CSRF token.
	viaSession bool
}

// name is who the audit log says made a change.
func (p *principal) name() string {
	if p.account != nil {
		return p.account.Login
	}
	return "token:" + p.token
}

func (p *principal) admin() bool { return p.token != "" || (p.account != nil && p.account.Admin) }

// sessionCookie holds the browser session's secret. The __Host- prefix
// (set behind TLS) makes the browser refuse it from any other origin.
const sessionCookie = "psadav_session"

// csrfHeader carries the session's CSRF token on API calls; forms carry
// it as the field csrfField.
const (
	csrfHeader = "X-CSRF-Token"
	csrfField  = "csrf"
)

// authenticate finds the request's principal. allowBasic lets HTTP Basic
// with the account's password in (only /api/v1/me/); it is checked by
// DAV's login check, under DAV's throttle.
func (s *Server) authenticate(r *http.Request, allowBasic bool) (*principal, error) {
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, cred, _ := strings.Cut(h, " ")
		switch {
		case strings.EqualFold(scheme, "Bearer"):
			tok, err := s.store.AuthenticateAPIToken(r.Context(), strings.TrimSpace(cred))
			if errors.Is(err, storage.ErrBadCredentials) {
				return nil, errUnauthorized("the API token is wrong or revoked")
			}
			if err != nil {
				return nil, err
			}
			return &principal{token: tok.Name}, nil
		case strings.EqualFold(scheme, "Basic") && allowBasic && s.checkLogin != nil:
			login, password, ok := r.BasicAuth()
			if !ok {
				return nil, errUnauthorized("malformed Basic credentials")
			}
			acct, err := s.checkLogin(r, login, password)
			if err != nil {
				return nil, err
			}
			return &principal{account: &acct}, nil
		}
		return nil, errUnauthorized("use a session, an API token (Authorization: Bearer) or, for /api/v1/me/, Basic")
	}
	if p, ok, err := s.sessionPrincipal(r); err != nil || ok {
		return p, err
	}
	return nil, errUnauthorized("authentication required")
}

// sessionPrincipal reads the session cookie; ok is false without a live
// session.
func (s *Server) sessionPrincipal(r *http.Request) (*principal, bool, error) {
	c, err := r.Cookie(cookieName(r))
	if err != nil {
		return nil, false, nil
	}
	sess, err := s.store.WebSessionBySecret(r.Context(), c.Value)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	return &principal{account: &sess.Account, csrf: sess.CSRF, viaSession: true}, true, nil
}

// checkCSRF refuses a state-changing request of a browser session that
// does not carry the session's CSRF token (header or form field).
func checkCSRF(r *http.Request, p *principal) error {
	if !p.viaSession || r.Method == http.MethodGet || r.Method == http.MethodHead {
		return nil
	}
	got := r.Header.Get(csrfHeader)
	if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		got = r.PostFormValue(csrfField)
	}
	if got == "" || subtle.ConstantTimeCompare([]byte(got), []byte(p.csrf)) != 1 {
		return errForbidden("the CSRF token is missing or wrong; reload the page")
	}
	return nil
}

// cookieName is the session cookie's name: with the __Host- prefix
// behind TLS, where the cookie is also Secure.
func cookieName(r *http.Request) string {
	if secureRequest(r) {
		return "__Host-" + sessionCookie
	}
	return sessionCookie
}

// secureRequest reports whether the browser reached us over TLS (directly,
// or through a proxy that says so).
func secureRequest(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

type principalKey struct{}

func principalFrom(ctx context.Context) *principal {
	p, _ := ctx.Value(principalKey{}).(*principal)
	return p
}
