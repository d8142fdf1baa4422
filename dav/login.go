package dav

import (
	"errors"
	"net/http"
	"time"

	"github.com/psadav/psadav/storage"
)

// CheckLogin checks a login and password for another face of the server
// (the web console's login form and its API's Basic authentication)
// exactly as DAV checks Basic credentials: under the same throttle, so
// guesses on the form count against the address as guesses over DAV do.
// It returns storage.ErrBadCredentials for wrong credentials, a
// *LoginThrottled when the client must wait, or another error (the store
// was busy or failed).
func (s *Server) CheckLogin(r *http.Request, login, password string) (storage.Account, error) {
	client := s.clientAddr(r)
	remote := r.RemoteAddr
	if client.IsValid() {
		remote = client.String()
	}
	addr := throttleKey(client, r.RemoteAddr)
	if wait := s.throttle.blocked(addr, login, time.Now()); wait > 0 {
		return storage.Account{}, &LoginThrottled{Wait: wait}
	}
	ctx := storage.WithRemote(r.Context(), remote)
	acct, err := s.checkLogin(ctx, addr, remote, login, password, sessionKey(login, password))
	var tooMany *tooManyFailures
	var de *davError
	switch {
	case errors.As(err, &tooMany):
		return storage.Account{}, &LoginThrottled{Wait: tooMany.retryAfter}
	case errors.As(err, &de) && de.status == http.StatusUnauthorized:
		return storage.Account{}, storage.ErrBadCredentials
	}
	return acct, err
}

// LoginThrottled says a client address failed too often: it may try again
// after Wait.
type LoginThrottled struct{ Wait time.Duration }

func (e *LoginThrottled) Error() string { return "too many failed logins; try again later" }

// RetryAfter is how long the client must wait.
func (e *LoginThrottled) RetryAfter() time.Duration { return e.Wait }

// ClientAddr is the address a request came from as DAV logs it (the
// forwarded client behind a trusted proxy, else the peer).
func (s *Server) ClientAddr(r *http.Request) string {
	if c := s.clientAddr(r); c.IsValid() {
		return c.String()
	}
	return r.RemoteAddr
}
