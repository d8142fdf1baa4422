package dav

import (
	"crypto/sha256"
	"errors"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/psadav/psadav/storage"
)

// authenticate checks HTTP Basic credentials. The password is never logged;
// wrong credentials and unknown logins are answered alike, and a client
// that keeps failing is slowed down (429) before it can guess much.
func (s *Server) authenticate(r *http.Request) (storage.Account, error) {
	login, password, ok := r.BasicAuth()
	if !ok || login == "" {
		return storage.Account{}, errStatus(http.StatusUnauthorized, "authentication required")
	}
	key := sessionKey(login, password)
	if acct, ok := s.sessions.get(key, time.Now()); ok {
		return acct, nil
	}
	ip := clientIP(r)
	if wait := s.limiter.blocked(ip, login, time.Now()); wait > 0 {
		return storage.Account{}, &tooManyFailures{retryAfter: wait}
	}
	acct, err := storage.Account{}, storage.ErrBadCredentials
	if validName(login) { // no account has another name (and PostgreSQL cannot compare one)
		acct, err = s.store.Authenticate(r.Context(), login, password)
	}
	if errors.Is(err, storage.ErrBadCredentials) {
		s.limiter.fail(ip, login, time.Now())
		s.log.Warn("failed login", "user", login, "remote", ip)
		return storage.Account{}, errStatus(http.StatusUnauthorized, "wrong login or password")
	}
	if err != nil {
		return storage.Account{}, err
	}
	s.sessions.put(key, acct, time.Now())
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

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// loginLimiter counts failed logins per client address and per login in a
// sliding window.
type loginLimiter struct {
	mu       sync.Mutex
	failures map[string][]time.Time
}

const (
	failureWindow = 5 * time.Minute
	maxPerIP      = 20
	maxPerLogin   = 10
)

func newLoginLimiter() *loginLimiter { return &loginLimiter{failures: map[string][]time.Time{}} }

func (l *loginLimiter) recent(key string, now time.Time) []time.Time {
	ts := l.failures[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) > failureWindow {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(l.failures, key)
	} else {
		l.failures[key] = ts
	}
	return ts
}

func (l *loginLimiter) blocked(ip, login string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	for key, limit := range map[string]int{"ip:" + ip: maxPerIP, "login:" + login: maxPerLogin} {
		if ts := l.recent(key, now); len(ts) >= limit {
			return failureWindow - now.Sub(ts[0])
		}
	}
	return 0
}

func (l *loginLimiter) fail(ip, login string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.failures) > 100000 {
		l.failures = map[string][]time.Time{}
	}
	for _, key := range []string{"ip:" + ip, "login:" + login} {
		l.failures[key] = append(l.recent(key, now), now)
	}
}

func retryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(int(d.Seconds()) + 1)
}
