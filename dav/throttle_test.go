package dav

import (
	"fmt"
	"testing"
	"time"
)

// One address guessing one login in sequence: the free attempts, then a
// back-off that doubles, then refusal until the window has passed.
func TestThrottleBacksOffThenRefuses(t *testing.T) {
	th := newThrottle()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	const addr = "203.0.113.9"
	var waits []time.Duration
	for checked := 0; checked < 50; {
		res, wait := th.reserve(addr, "alice", now)
		if res == nil {
			if wait < time.Second {
				t.Fatalf("refused with a wait of %s", wait)
			}
			waits = append(waits, wait)
			if wait >= throttleWindow-time.Minute {
				break // refused for the window
			}
			now = now.Add(wait)
			continue
		}
		res.done(failed, now)
		checked++
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60}
	if len(waits) != len(want)+1 {
		t.Fatalf("waits %v", waits)
	}
	for i, w := range want {
		if waits[i] != w*time.Second {
			t.Fatalf("back-off %v, want %v seconds then the window", waits, want)
		}
	}
	if got := th.entries[loginKey(addr, "alice")].failures; got != perLogin.max {
		t.Fatalf("%d passwords checked before refusal, want %d", got, perLogin.max)
	}
	// Refused for the login for the window; other logins from the
	// address only wait out the address's own (shorter) back-off.
	now = now.Add(time.Minute)
	if res, _ := th.reserve(addr, "alice", now); res != nil {
		t.Fatal("a refused login was admitted after a minute")
	}
	if res, _ := th.reserve(addr, "bob", now); res == nil {
		t.Fatal("another login from the address is refused after one login's failures")
	} else {
		res.done(succeeded, now)
	}
	// The window passes without a failure: a fresh start.
	now = now.Add(throttleWindow + time.Second)
	if res, wait := th.reserve(addr, "alice", now); res == nil {
		t.Fatalf("still refused after the window: %s", wait)
	} else {
		res.done(succeeded, now)
	}
	if len(th.entries) != 0 { // nothing left to remember
		t.Fatalf("records kept: %v", th.entries)
	}
}

// Attempts in flight count as failures: parallel guesses are admitted no
// faster than sequential ones; a success releases its slot.
func TestThrottleCountsAttemptsInFlight(t *testing.T) {
	th := newThrottle()
	now := time.Now()
	var held []*reservation
	for i := range 20 {
		res, _ := th.reserve("203.0.113.9", "alice", now)
		if res == nil {
			continue
		}
		if i >= perLogin.free {
			t.Fatalf("attempt %d admitted while %d are in flight", i, len(held))
		}
		held = append(held, res)
	}
	if len(held) != perLogin.free {
		t.Fatalf("%d admitted in parallel, want %d", len(held), perLogin.free)
	}
	held[0].done(succeeded, now)
	if res, _ := th.reserve("203.0.113.9", "alice", now); res == nil {
		t.Fatal("a released slot was not reusable")
	}
	// Across logins the address's own limit holds.
	for i := range 50 {
		if res, _ := th.reserve("198.51.100.1", fmt.Sprint("user", i), now); res == nil && i < perAddress.free {
			t.Fatalf("login %d refused below the address's free attempts", i)
		} else if res != nil && i >= perAddress.free {
			t.Fatalf("login %d admitted beyond the address's free attempts", i)
		}
	}
}

// The throttle's memory is bounded: a flood of addresses evicts the oldest
// idle records instead of growing, or of forgetting everyone at once.
func TestThrottleMemoryIsBounded(t *testing.T) {
	th := newThrottle()
	now := time.Now()
	for i := range throttleKeys + 5000 {
		addr := fmt.Sprintf("2001:db8:%x:%x::/64", i>>16, i&0xffff)
		if res, _ := th.reserve(addr, "x", now); res != nil {
			res.done(failed, now)
		}
		now = now.Add(time.Millisecond)
	}
	if n := len(th.entries); n > throttleKeys {
		t.Fatalf("%d records kept, bound %d", n, throttleKeys)
	}
	last := fmt.Sprintf("2001:db8:%x:%x::/64", (throttleKeys+4999)>>16, (throttleKeys+4999)&0xffff)
	if th.entries[last] == nil {
		t.Fatal("the newest failure was forgotten")
	}
}
