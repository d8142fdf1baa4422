package storagetest

import (
	"context"
	"testing"
	"time"

	"github.com/psadav/psadav/storage"
)

// BulkAccounts adds n accounts named login(i) straight into the accounts
// tables, with the default settings but no collections and a password no
// one knows: the way to thousands of users in a second for tests of the
// user listings (creating each one properly re-reads every user, which
// makes 2,000 take a minute). They cannot log in.
func BulkAccounts(t testing.TB, s *storage.Store, n int, login func(i int) string) {
	t.Helper()
	db, mark := rawDB(t, s)
	defer db.Close()
	ctx := context.Background()
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Truncate(time.Second)
	insertAccount := "INSERT INTO accounts (login, password_hash, enabled, created_at) VALUES (" + mark(1) + ", '!', TRUE, " + mark(2) + ")"
	insertSettings := "INSERT INTO user_settings (user_id, contacts_scope, all_contacts, calendar, tasks, time_zone) " +
		"SELECT id, 'mine', FALSE, TRUE, TRUE, 'UTC' FROM accounts WHERE login = " + mark(1)
	for i := range n {
		if _, err := tx.ExecContext(ctx, insertAccount, login(i), now); err != nil {
			t.Fatalf("storagetest.BulkAccounts: %v", err)
		}
		if _, err := tx.ExecContext(ctx, insertSettings, login(i)); err != nil {
			t.Fatalf("storagetest.BulkAccounts: %v", err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}
