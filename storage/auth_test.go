package storage_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// Clients open several connections at once: the first requests of one
// login and password after a restart must share one bcrypt comparison,
// and once checked the password costs none until it changes.
func TestConcurrentFirstLoginsShareOneHash(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		newFixture(t, s)
		ctx := context.Background()
		before := s.PasswordChecks()
		var wg sync.WaitGroup
		errs := make([]error, 16)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.Authenticate(ctx, "alice", "secret1")
			}()
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("request %d: %v", i, err)
			}
		}
		if n := s.PasswordChecks() - before; n != 1 {
			t.Fatalf("16 concurrent first logins made %d bcrypt comparisons, want 1", n)
		}
		if _, err := s.Authenticate(ctx, "alice", "secret1"); err != nil {
			t.Fatal(err)
		}
		if n := s.PasswordChecks() - before; n != 1 {
			t.Fatalf("a checked password was hashed again (%d comparisons)", n)
		}
		// Concurrent wrong guesses are not shared with the right password,
		// nor answered from its cache.
		for range 3 {
			if _, err := s.Authenticate(ctx, "alice", "secret2"); !errors.Is(err, storage.ErrBadCredentials) {
				t.Fatalf("wrong password: %v", err)
			}
		}
		if n := s.PasswordChecks() - before; n != 4 {
			t.Fatalf("three sequential wrong guesses: %d comparisons in all, want 4", n)
		}
	}, storagetest.Options{PasswordCost: 9})
}

// Password work is bounded: with one worker, a flood of wrong guesses gets
// ErrBusy beyond the short queue instead of piling up, and a password
// already verified is answered without waiting for the pool.
func TestPasswordWorkIsBounded(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		newFixture(t, s)
		ctx := context.Background()
		if _, err := s.Authenticate(ctx, "alice", "secret1"); err != nil {
			t.Fatal(err)
		}
		before := s.PasswordChecks()
		var wg sync.WaitGroup
		errs := make([]error, 60)
		start := make(chan struct{})
		for i := range errs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = s.Authenticate(ctx, "bob", fmt.Sprint("guess-", i))
			}()
		}
		close(start)
		// During the flood the known password is answered from the cache.
		if _, err := s.Authenticate(ctx, "alice", "secret1"); err != nil {
			t.Fatalf("verified password during a flood: %v", err)
		}
		wg.Wait()
		busy, bad := 0, 0
		for _, err := range errs {
			switch {
			case errors.Is(err, storage.ErrBusy):
				busy++
			case errors.Is(err, storage.ErrBadCredentials):
				bad++
			default:
				t.Fatalf("guess: %v", err)
			}
		}
		checks := s.PasswordChecks() - before
		if busy == 0 || int64(bad) != checks {
			t.Fatalf("60 concurrent guesses on one worker: %d refused busy, %d checked, %d comparisons", busy, bad, checks)
		}
	}, storagetest.Options{PasswordCost: 9, PasswordWorkers: 1})
}
