package dav

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/netip"
	"sync"
	"time"

	"github.com/psadav/psadav/storage"
)

// authenticate checks HTTP Basic credentials. The password is never logged;
// wrong credentials and unknown logins are answered alike. The throttle
// (throttle.go) decides before any password is checked whether the
// client's address may try now; a refused attempt gets 429 at once.
func (s *Server) authenticate(r *http.Request, client netip.Addr, remote string) (storage.Account, error) {
	login, password, ok := r.BasicAuth()
	if !ok || login == "" {
		return storage.Account{}, errStatus(http.StatusUnauthorized, "authentication required")
	}
	addr := throttleKey(client, r.RemoteAddr)
	if wait := s.throttle.blocked(addr, login, time.Now()); wait > 0 {
		return storage.Account{}, &tooManyFailures{retryAfter: wait}
	}
	key := sessionKey(login, password)
	if acct, ok := s.sessions.get(key, time.Now()); ok {
		return acct, nil
	}
	// Identical attempts from one address at once (a client's parallel
	// first requests) are one attempt: they share the check and its answer.
	flight := sha256.Sum256([]byte(addr + "\x00" + login + "\x00" + password))
	v, err, _ := s.logins.Do(string(flight[:]), func() (any, error) {
		// Shared by every joiner: the first caller's cancellation must
		// not fail the others; storage bounds the work.
		return s.checkLogin(storage.WithRemote(context.WithoutCancel(r.Context()), remote), addr, remote, login, password, key)
	})
	if err != nil {
		return storage.Account{}, err
	}
	return v.(storage.Account), nil
}

// checkLogin reserves an attempt with the throttle and checks the password.
func (s *Server) checkLogin(ctx context.Context, addr, remote, login, password string, key [32]byte) (storage.Account, error) {
	res, wait := s.throttle.reserve(addr, login, time.Now())
	if res == nil {
		return storage.Account{}, &tooManyFailures{retryAfter: wait}
	}
	acct, err := storage.Account{}, storage.ErrBadCredentials
	if validName(login) { // no account has another name (and PostgreSQL cannot compare one)
		acct, err = s.store.Authenticate(ctx, login, password)
	}
	switch {
	case errors.Is(err, storage.ErrBadCredentials):
		if res.done(failed, time.Now()) {
			s.log.Warn("client refused after repeated failed logins", "user", login, "remote", remote,
				"for", throttleWindow.String())
		} else {
			s.log.Warn("failed login", "user", login, "remote", remote)
		}
		return storage.Account{}, errStatus(http.StatusUnauthorized, "wrong login or password")
	case err != nil:
		res.done(undecided, time.Now())
		return storage.Account{}, err
	}
	res.done(succeeded, time.Now())
	// An app password is checked by one index lookup, so it need not be
	// remembered, and a revoked one must fail at its next request.
	if acct.AppPasswordID == 0 {
		s.sessions.put(key, acct, time.Now())
	}
	return acct, nil
}

// sessions remembers, for a moment, who a set of Basic credentials
// authenticated as: a client syncing sends them with every request, and
// the account lookup would otherwise be a query per request. A password
// change, a disabled account or new settings take effect within
// sessionTTL.
type sessions struct {
	mu sync.Mutex
	m  map[[32]byte]session
}

type session struct {
	acct  storage.Account
	until time.Time
}

const sessionTTL = 2 * time.Second

func sessionKey(login, password string) [32]byte {
	return sha256.Sum256([]byte(login + "\x00" + password))
}

func (c *sessions) get(key [32]byte, now time.Time) (storage.Account, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok || now.After(e.until) {
		return storage.Account{}, false
	}
	return e.acct, true
}

func (c *sessions) put(key [32]byte, acct storage.Account, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 10000 {
		c.m = map[[32]byte]session{}
	}
	c.m[key] = session{acct: acct, until: now.Add(sessionTTL)}
}

type tooManyFailures struct{ retryAfter time.Duration }

func (e *tooManyFailures) Error() string { return "too many failed logins; try again later" }
