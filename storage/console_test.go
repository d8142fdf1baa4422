package storage_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

func addUser(t *testing.T, s *storage.Store, login string) storage.Account {
	t.Helper()
	a, err := s.CreateAccount(context.Background(), login, "secret1", nil, storage.DefaultUserSettings())
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestAdminFlag(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		a := addUser(t, s, "anna")
		if a.Admin {
			t.Fatal("a new account is an admin")
		}
		if err := s.SetAdmin(ctx, "anna", true); err != nil {
			t.Fatal(err)
		}
		got, err := s.Account(ctx, "anna")
		if err != nil || !got.Admin {
			t.Fatalf("after SetAdmin on: %+v %v", got, err)
		}
		if auth, err := s.Authenticate(ctx, "anna", "secret1"); err != nil || !auth.Admin {
			t.Fatalf("Authenticate: admin %v, %v", auth.Admin, err)
		}
		if err := s.SetAdmin(ctx, "anna", false); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Account(ctx, "anna"); got.Admin {
			t.Fatal("still an admin after SetAdmin off")
		}
		if err := s.SetAdmin(ctx, "nobody", true); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("SetAdmin of an unknown login: %v", err)
		}
	})
}

func TestAppPasswords(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		addUser(t, s, "anna")
		addUser(t, s, "ben")
		if _, _, err := s.CreateAppPassword(ctx, "anna", " "); err == nil {
			t.Fatal("an app password without a name was made")
		}
		if _, _, err := s.CreateAppPassword(ctx, "nobody", "phone"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("app password for an unknown login: %v", err)
		}
		p, secret, err := s.CreateAppPassword(ctx, "anna", "Anna's iPhone")
		if err != nil {
			t.Fatal(err)
		}
		if len(secret) != 32 {
			t.Fatalf("secret %q: want 32 characters", secret)
		}
		checks := s.PasswordChecks()
		acct, err := s.Authenticate(storage.WithRemote(ctx, "192.0.2.7"), "anna", secret)
		if err != nil || acct.Login != "anna" || acct.AppPasswordID != p.ID {
			t.Fatalf("Authenticate with the app password: %+v %v", acct, err)
		}
		if n := s.PasswordChecks() - checks; n != 0 {
			t.Fatalf("an app password cost %d bcrypt comparisons", n)
		}
		// Another login's app password is no password of ben's.
		if _, err := s.Authenticate(ctx, "ben", secret); !errors.Is(err, storage.ErrBadCredentials) {
			t.Fatalf("ben with anna's app password: %v", err)
		}
		list, err := s.AppPasswords(ctx, "anna")
		if err != nil || len(list) != 1 || list[0].Name != "Anna's iPhone" || list[0].LastUsedAt == nil || list[0].LastUsedFrom != "192.0.2.7" {
			t.Fatalf("AppPasswords: %+v %v", list, err)
		}
		counts, err := s.AppPasswordCounts(ctx)
		if err != nil || counts["anna"] != 1 || counts["ben"] != 0 {
			t.Fatalf("AppPasswordCounts: %v %v", counts, err)
		}
		// A disabled account's app passwords fail too.
		if err := s.SetEnabled(ctx, "anna", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "anna", secret); !errors.Is(err, storage.ErrBadCredentials) {
			t.Fatalf("disabled account with an app password: %v", err)
		}
		if err := s.SetEnabled(ctx, "anna", true); err != nil {
			t.Fatal(err)
		}
		if err := s.RevokeAppPassword(ctx, "ben", p.ID); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("ben revoking anna's app password: %v", err)
		}
		if err := s.RevokeAppPassword(ctx, "anna", p.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "anna", secret); !errors.Is(err, storage.ErrBadCredentials) {
			t.Fatalf("a revoked app password: %v", err)
		}
		// The main password still works.
		if _, err := s.Authenticate(ctx, "anna", "secret1"); err != nil {
			t.Fatal(err)
		}
	})
}

// A main password that happens to look like an app password is still
// checked as the main password.
func TestMainPasswordShapedLikeAnAppPassword(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		main := strings.Repeat("abcd", 8)
		if _, err := s.CreateAccount(ctx, "anna", main, nil, storage.DefaultUserSettings()); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Authenticate(ctx, "anna", main); err != nil {
			t.Fatal(err)
		}
	})
}

func TestAPITokens(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		tok, secret, err := s.CreateAPIToken(ctx, "backup script")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(secret, storage.APITokenPrefix) {
			t.Fatalf("token %q lacks its prefix", secret)
		}
		if _, _, err := s.CreateAPIToken(ctx, "backup script"); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("a second token of the same name: %v", err)
		}
		got, err := s.AuthenticateAPIToken(ctx, secret)
		if err != nil || got.ID != tok.ID {
			t.Fatalf("AuthenticateAPIToken: %+v %v", got, err)
		}
		for _, bad := range []string{"", "psadav_", secret[:len(secret)-1] + "a", strings.TrimPrefix(secret, storage.APITokenPrefix)} {
			if bad == secret {
				continue
			}
			if _, err := s.AuthenticateAPIToken(ctx, bad); !errors.Is(err, storage.ErrBadCredentials) {
				t.Fatalf("token %q: %v", bad, err)
			}
		}
		list, err := s.APITokens(ctx)
		if err != nil || len(list) != 1 || list[0].LastUsedAt == nil {
			t.Fatalf("APITokens: %+v %v", list, err)
		}
		if err := s.RevokeAPIToken(ctx, "backup script"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.AuthenticateAPIToken(ctx, secret); !errors.Is(err, storage.ErrBadCredentials) {
			t.Fatalf("a revoked token: %v", err)
		}
		if err := s.RevokeAPIToken(ctx, "backup script"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("revoking it twice: %v", err)
		}
	})
}

func TestWebSessions(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		a := addUser(t, s, "anna")
		secret, sess, err := s.CreateWebSession(ctx, a, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.WebSessionBySecret(ctx, secret)
		if err != nil || got.Account.Login != "anna" || got.CSRF != sess.CSRF || got.CSRF == "" {
			t.Fatalf("WebSessionBySecret: %+v %v", got, err)
		}
		if _, err := s.WebSessionBySecret(ctx, strings.Repeat("a", 32)); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("an unknown session: %v", err)
		}
		if err := s.SetEnabled(ctx, "anna", false); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionBySecret(ctx, secret); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a disabled account's session: %v", err)
		}
		s.SetEnabled(ctx, "anna", true)
		now = now.Add(time.Hour)
		if _, err := s.WebSessionBySecret(ctx, secret); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("an expired session: %v", err)
		}
		now = now.Add(-time.Hour)
		if err := s.DeleteWebSession(ctx, secret); err != nil {
			t.Fatal(err)
		}
		if _, err := s.WebSessionBySecret(ctx, secret); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a signed-out session: %v", err)
		}
	}, storagetest.Options{Now: clock})
}

func TestSearchAccountsAndDelete(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i := range 12 {
			addUser(t, s, fmt.Sprintf("tech%02d", i))
		}
		addUser(t, s, "a_b")
		addUser(t, s, "axb")
		page, err := s.SearchAccounts(ctx, "TECH", 5, 5)
		if err != nil || page.Total != 12 || len(page.Accounts) != 5 || page.Accounts[0].Login != "tech05" {
			t.Fatalf("SearchAccounts: %+v %v", page, err)
		}
		// '_' is matched literally, not as LIKE's any-character.
		page, err = s.SearchAccounts(ctx, "a_", 0, 10)
		if err != nil || page.Total != 1 || page.Accounts[0].Login != "a_b" {
			t.Fatalf("SearchAccounts(a_): %+v %v", page, err)
		}
		if _, _, err := s.CreateAppPassword(ctx, "axb", "phone"); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteAccount(ctx, "axb"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Account(ctx, "axb"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("a deleted account: %v", err)
		}
		if err := s.DeleteAccount(ctx, "axb"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("deleting it twice: %v", err)
		}
	})
}

func TestAuditLog(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		for i := range 3 {
			if err := s.Audit(ctx, storage.AuditEntry{Actor: "admin", Remote: "192.0.2.1", Action: "user.add", Target: fmt.Sprint("u", i)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.AuditLog(ctx, 0, 2)
		if err != nil || len(got) != 2 || got[0].Target != "u2" || got[1].Target != "u1" || got[0].Remote != "192.0.2.1" {
			t.Fatalf("AuditLog: %+v %v", got, err)
		}
		older, err := s.AuditLog(ctx, got[1].ID, 10)
		if err != nil || len(older) != 1 || older[0].Target != "u0" {
			t.Fatalf("AuditLog before %d: %+v %v", got[1].ID, older, err)
		}
	})
}
