package dav_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/psadav/psadav/dav"
)

// An app password works over DAV like the main password; revoked, it
// fails at the very next request; wrong ones are throttled like wrong
// main passwords.
func TestAppPasswordOverDAV(t *testing.T) {
	forEachEnv(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		p, secret, err := e.s.CreateAppPassword(ctx, "alice", "phone")
		must(t, err)
		for range 3 { // repeated requests, as a syncing client makes
			if code, _ := e.login("alice", secret, "198.51.100.1"); code != http.StatusMultiStatus {
				t.Fatalf("app password: %d", code)
			}
		}
		list, err := e.s.AppPasswords(ctx, "alice")
		must(t, err)
		if list[0].LastUsedAt == nil || list[0].LastUsedFrom != "198.51.100.1" {
			t.Fatalf("last use not recorded: %+v", list[0])
		}
		if code, _ := e.login("bob", secret, "198.51.100.1"); code != http.StatusUnauthorized {
			t.Fatalf("alice's app password as bob's: %d", code)
		}
		must(t, e.s.RevokeAppPassword(ctx, "alice", p.ID))
		if code, _ := e.login("alice", secret, "198.51.100.1"); code != http.StatusUnauthorized {
			t.Fatalf("revoked app password, next request: %d", code)
		}
		// Wrong app-password-shaped guesses are throttled like any.
		throttled := false
		for i := range dav.FreeGuessesPerLogin + 3 {
			guess := strings.Repeat(string(rune('a'+i)), 32)
			if code, _ := e.login("alice", guess, "203.0.113.50"); code == http.StatusTooManyRequests {
				throttled = true
			}
		}
		if !throttled {
			t.Fatal("wrong app passwords were never throttled")
		}
	})
}
