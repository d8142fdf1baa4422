package dav

import (
	"slices"
	"sync"
	"time"
)

// throttle slows down and then refuses the client addresses that fail to
// log in, after the practice of Nextcloud's brute-force protection and
// fail2ban: failures are counted per client address (an IPv6 /64) and per
// login from that address, never per login alone, so guesses against a
// login from elsewhere do not keep its owner out. A few failures are
// free (typos, a phone with an old password); after them each further
// attempt must wait a growing back-off after the previous failure, and at
// the limit the address is refused until the window has passed without a
// failure. A refused attempt is answered 429 with Retry-After at once: no
// goroutine waits out the delay, and no password is checked.
//
// Attempts are counted before the password is checked: an attempt takes a
// slot (reserve) that is released on success and becomes a failure on a
// wrong password. While attempts are in flight they count as failures, so
// N parallel guesses are treated like N sequential ones: no more are
// checked at once than the free attempts, and none in back-off until the
// previous answer is known. State is in memory, per process.
type throttle struct {
	mu      sync.Mutex
	entries map[string]*attempts
}

// attempts is one key's record: failures since the window last passed
// without one, and attempts being checked now.
type attempts struct {
	failures int
	last     time.Time // of the last failure
	inflight int
}

// policy says how many failures a key gets free and at which it is refused.
type policy struct{ free, max int }

var (
	perAddress = policy{free: 10, max: 50}
	perLogin   = policy{free: 3, max: 10} // per login and address
)

const (
	throttleWindow = 15 * time.Minute // failures are forgotten this long after the last
	backoffFirst   = time.Second      // the wait after the first failure beyond the free ones, doubling
	backoffMax     = time.Minute
	// throttleKeys bounds the memory of the throttle; beyond it the
	// oldest idle records are dropped.
	throttleKeys = 100000
	// maxKeyLogin bounds the part of a login that goes into a key.
	maxKeyLogin = 128
)

func newThrottle() *throttle { return &throttle{entries: map[string]*attempts{}} }

// wait says how long a key must wait before its next attempt is checked,
// counting the attempts in flight as failures.
func (a *attempts) wait(p policy, inflight int, now time.Time) time.Duration {
	if a.failures > 0 && now.Sub(a.last) > throttleWindow {
		a.failures = 0
	}
	n := a.failures + inflight
	switch {
	case n < p.free:
		return 0
	case a.failures >= p.max:
		return a.last.Add(throttleWindow).Sub(now)
	case inflight > 0:
		return time.Second // the attempt in flight decides the next wait
	}
	backoff := backoffFirst << min(a.failures-p.free, 6)
	return a.last.Add(min(backoff, backoffMax)).Sub(now)
}

func loginKey(addr, login string) string {
	if len(login) > maxKeyLogin {
		login = login[:maxKeyLogin]
	}
	return addr + "\x00" + login
}

// blocked says how long addr must wait before an attempt for login is
// checked (0: it may go ahead), counting failures only. A client with a
// cached session is admitted on this, so a throttled address cannot probe
// the session cache either.
func (t *throttle) blocked(addr, login string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var w time.Duration
	if len(t.entries) == 0 {
		return 0 // the usual case: nobody has failed lately
	}
	if a := t.entries[addr]; a != nil {
		w = a.wait(perAddress, 0, now)
	}
	if l := t.entries[loginKey(addr, login)]; l != nil {
		w = max(w, l.wait(perLogin, 0, now))
	}
	return w
}

// reservation is an attempt admitted for checking.
type reservation struct {
	t           *throttle
	addr, login string
}

// reserve admits an attempt from addr for login, or says how long to wait.
func (t *throttle) reserve(addr, login string, now time.Time) (*reservation, time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	lk := loginKey(addr, login)
	a, l := t.entry(addr, now), t.entry(lk, now)
	if w := max(a.wait(perAddress, a.inflight, now), l.wait(perLogin, l.inflight, now)); w > 0 {
		t.tidy(addr, lk)
		return nil, max(w, time.Second)
	}
	a.inflight++
	l.inflight++
	return &reservation{t: t, addr: addr, login: lk}, 0
}

// outcome of a checked attempt.
type outcome int

const (
	succeeded outcome = iota // right password: the slot is released and the login's failures forgotten
	failed                   // wrong password or unknown login: the slot becomes a failure
	undecided                // not checked (the server was busy): the slot is released
)

// done records the outcome; it reports whether the address or the login
// from it reached the refusal limit with this failure.
func (r *reservation) done(o outcome, now time.Time) (refused bool) {
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	a, l := t.entries[r.addr], t.entries[r.login]
	a.inflight--
	l.inflight--
	switch o {
	case failed:
		a.failures, a.last = a.failures+1, now
		l.failures, l.last = l.failures+1, now
		refused = a.failures == perAddress.max || l.failures == perLogin.max
	case succeeded:
		l.failures = 0
	}
	t.tidy(r.addr, r.login)
	return refused
}

// entry returns a key's record, making room when the throttle is full.
func (t *throttle) entry(key string, now time.Time) *attempts {
	if a := t.entries[key]; a != nil {
		return a
	}
	if len(t.entries) >= throttleKeys {
		t.evict(now)
	}
	a := &attempts{}
	t.entries[key] = a
	return a
}

// tidy forgets records with nothing to remember.
func (t *throttle) tidy(keys ...string) {
	for _, k := range keys {
		if a := t.entries[k]; a != nil && a.failures == 0 && a.inflight == 0 {
			delete(t.entries, k)
		}
	}
}

// evict drops expired records and, if that is not enough, the older half
// of the idle ones: under an attack from more addresses than the throttle
// holds, the oldest attackers get a fresh start (the password pool still
// bounds what they cost) rather than the process growing without bound.
func (t *throttle) evict(now time.Time) {
	type aged struct {
		key  string
		last time.Time
	}
	var idle []aged
	for k, a := range t.entries {
		switch {
		case a.inflight > 0:
		case now.Sub(a.last) > throttleWindow:
			delete(t.entries, k)
		default:
			idle = append(idle, aged{k, a.last})
		}
	}
	if len(t.entries) < throttleKeys*9/10 {
		return
	}
	slices.SortFunc(idle, func(x, y aged) int { return x.last.Compare(y.last) })
	for _, e := range idle[:len(idle)/2] {
		delete(t.entries, e.key)
	}
}
