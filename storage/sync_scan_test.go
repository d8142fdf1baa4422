package storage_test

import (
	"context"
	"errors"
	"testing"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// UserSyncScan finds the collection and validates the token in one query,
// with the same answers as UserCollection followed by SyncScan.
func TestUserSyncScan(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		f := newFixture(t, s)
		c, scan, err := s.UserSyncScan(ctx, f.alice.ID, storage.CollContacts, 0)
		must(t, err)
		if c.ID != f.aliceBk.ID {
			t.Fatalf("collection %d, want %d", c.ID, f.aliceBk.ID)
		}
		var n int
		token, _, err := scan.Each(ctx, 0, func(storage.ObjectInfo) error { n++; return nil })
		must(t, err)
		want, err := s.Changes(ctx, f.aliceBk, 0, 0)
		must(t, err)
		if n != len(want.Changes) || token != want.Token {
			t.Fatalf("initial scan: %d members up to %d, want %d up to %d", n, token, len(want.Changes), want.Token)
		}
		if _, scan, err = s.UserSyncScan(ctx, f.alice.ID, storage.CollContacts, token); err != nil {
			t.Fatal(err)
		}
		n = 0
		if _, _, err = scan.Each(ctx, 0, func(storage.ObjectInfo) error { n++; return nil }); err != nil || n != 0 {
			t.Fatalf("no-change scan: %d members, %v", n, err)
		}
		if _, _, err := s.UserSyncScan(ctx, f.alice.ID, storage.CollContacts, token+1_000_000); !errors.Is(err, storage.ErrSyncTokenGone) {
			t.Errorf("a token from the future: %v, want ErrSyncTokenGone", err)
		}
		// alice has no all-contacts book; bob's is not hers by name.
		if _, _, err := s.UserSyncScan(ctx, f.alice.ID, storage.CollAllContacts, 0); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("a collection the user does not have: %v, want ErrNotFound", err)
		}
		if _, _, err := s.UserSyncScan(ctx, f.alice.ID+1000, storage.CollContacts, 0); !errors.Is(err, storage.ErrNotFound) {
			t.Errorf("an unknown user: %v, want ErrNotFound", err)
		}
	})
}
