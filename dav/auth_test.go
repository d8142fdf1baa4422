package dav_test

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/psadav/psadav/dav"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// login makes one authenticated request from a client address and returns
// its status and Retry-After.
func (e *env) login(login, password, peer string, headers ...string) (int, string) {
	e.t.Helper()
	resp, _ := e.do("PROPFIND", "/dav/principals/"+login+"/", login, password, "", append([]string{"Depth", "0", peerHeader, peer}, headers...)...)
	return resp.StatusCode, resp.Header.Get("Retry-After")
}

// Wrong guesses for a login, from any number of other addresses, never
// keep its owner out; the addresses that guess are slowed down, then
// refused with 429 and Retry-After.
func TestWrongGuessesNeverLockOutTheOwner(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, attacker := range []string{"203.0.113.9", "203.0.113.10", "2001:db8:1::9"} {
			throttled := false
			for i := range 15 {
				code, retry := e.login("alice", fmt.Sprint("guess-", i), attacker)
				switch code {
				case http.StatusUnauthorized:
				case http.StatusTooManyRequests:
					if s, err := strconv.Atoi(retry); err != nil || s < 1 {
						t.Fatalf("429 without a usable Retry-After: %q", retry)
					}
					throttled = true
				default:
					t.Fatalf("wrong guess %d from %s: status %d", i, attacker, code)
				}
			}
			if !throttled {
				t.Fatalf("15 wrong guesses from %s were never throttled", attacker)
			}
			// The right password from the guessing address is refused
			// unchecked: a throttled address learns nothing.
			if code, _ := e.login("alice", "alice-pw", attacker); code != http.StatusTooManyRequests {
				t.Fatalf("throttled address with the right password: %d", code)
			}
			// The owner, from an address that has not failed, gets in.
			if code, _ := e.login("alice", "alice-pw", "198.51.100.7"); code != http.StatusMultiStatus {
				t.Fatalf("owner after guesses from %s: %d", attacker, code)
			}
		}
		// An IPv6 client is its /64: another address in the attacker's
		// network shares its fate, one outside it does not.
		if code, _ := e.login("alice", "alice-pw", "2001:db8:1::77"); code != http.StatusTooManyRequests {
			t.Fatalf("same /64 as the attacker: %d", code)
		}
		if code, _ := e.login("alice", "alice-pw", "2001:db8:2::77"); code != http.StatusMultiStatus {
			t.Fatalf("another /64: %d", code)
		}
	})
}

// Parallel guessing gains nothing: 150 concurrent wrong passwords from one
// address check at most the allowed number; the rest get 429 at once. The
// owner logs in from a fresh address during and after the attack.
func TestParallelGuessesAreCountedBeforeHashing(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		for _, spray := range []bool{false, true} {
			attacker := "203.0.113.20"
			if spray {
				attacker = "203.0.113.21"
			}
			allowed := int64(dav.FreeGuessesPerLogin)
			if spray {
				allowed = int64(dav.FreeGuessesPerAddress)
			}
			before := e.auths.Load()
			hashes := e.s.PasswordChecks()
			var wg sync.WaitGroup
			codes := make([]int, 150)
			start := make(chan struct{})
			for i := range codes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					login := "alice"
					if spray {
						login = fmt.Sprint("user", i) // one guess each for many logins
					}
					codes[i], _ = e.login(login, fmt.Sprint("guess-", i), attacker)
				}()
			}
			close(start)
			owner, _ := e.login("alice", "alice-pw", "198.51.100.8") // during
			wg.Wait()
			checked := e.auths.Load() - before - 1 // the owner's
			hashed := e.s.PasswordChecks() - hashes - 1
			count := map[int]int{}
			for _, c := range codes {
				count[c]++
			}
			if count[http.StatusUnauthorized]+count[http.StatusTooManyRequests] != len(codes) {
				t.Fatalf("spray=%v: answers %v", spray, count)
			}
			if checked > allowed || hashed > allowed || int64(count[http.StatusUnauthorized]) > allowed || checked == 0 {
				t.Fatalf("spray=%v: 150 parallel guesses checked %d passwords, %d bcrypt comparisons (answers %v); at most %d may be",
					spray, checked, hashed, count, allowed)
			}
			if owner != http.StatusMultiStatus {
				t.Fatalf("spray=%v: owner during the attack: %d", spray, owner)
			}
			if code, _ := e.login("alice", "alice-pw", "198.51.100.9"); code != http.StatusMultiStatus {
				t.Fatalf("spray=%v: owner after the attack: %d", spray, code)
			}
		}
	})
}

// Behind a trusted reverse proxy every connection comes from the proxy:
// clients are told apart by the address it forwards, so stray failures of
// some do not lock out the rest. A client talking to psadav directly
// cannot pick its address with the same headers.
func TestClientsBehindATrustedProxyAreThrottledApart(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		const proxy = "10.0.0.2" // trusted (see newEnv)
		for i := range 40 {
			client := fmt.Sprintf("192.0.2.%d", i%8)
			e.login(fmt.Sprint("user", i), "stray", proxy, "X-Forwarded-For", client)
		}
		if code, _ := e.login("alice", "alice-pw", proxy, "X-Forwarded-For", "192.0.2.100"); code != http.StatusMultiStatus {
			t.Fatalf("after stray failures of other clients behind the proxy, alice got %d", code)
		}
		if code, _ := e.login("alice", "alice-pw", proxy, "Forwarded", `for="[2001:db8:cafe::17]:4711";proto=https`); code != http.StatusMultiStatus {
			t.Fatalf("alice by Forwarded: %d", code)
		}
		// A direct client rotating a forged X-Forwarded-For is one address.
		throttled := false
		for i := range 30 {
			code, _ := e.login("bob", fmt.Sprint("direct-", i), "203.0.113.30", "X-Forwarded-For", fmt.Sprintf("198.18.0.%d", i))
			throttled = throttled || code == http.StatusTooManyRequests
		}
		if !throttled {
			t.Fatal("a forged X-Forwarded-For from an untrusted peer escaped the throttle")
		}
	})
}

// A client's parallel first requests (after a restart, or a new device)
// are one attempt: all succeed, on one bcrypt comparison.
func TestConcurrentFirstRequestsShareOneCheck(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		e := newEnv(t, s)
		before := s.PasswordChecks()
		var wg sync.WaitGroup
		codes := make([]int, 16)
		start := make(chan struct{})
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				codes[i], _ = e.login("alice", "alice-pw", "198.51.100.40")
			}()
		}
		close(start)
		wg.Wait()
		for i, c := range codes {
			if c != http.StatusMultiStatus {
				t.Fatalf("request %d of 16: %d (all: %v)", i, c, codes)
			}
		}
		if n := s.PasswordChecks() - before; n != 1 {
			t.Fatalf("16 concurrent first requests made %d bcrypt comparisons, want 1", n)
		}
	}, storagetest.Options{PasswordCost: 9})
}
