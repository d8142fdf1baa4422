// Package storagetest opens fresh stores for tests: SQLite always, and
// PostgreSQL when PSADAV_TEST_POSTGRES holds a URL (each store in its own
// schema, dropped afterwards). With CI=true a missing PostgreSQL URL fails
// the test instead of skipping it.
package storagetest

import (
	"context"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/internal/pgtest"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = pgtest.Env

// Options tune a test store.
type Options struct {
	Now func() time.Time
	// PasswordCost is the bcrypt cost of test accounts (bcrypt's minimum
	// when 0); a test of concurrent logins needs hashes slow enough to
	// overlap.
	PasswordCost int
	// PasswordWorkers bounds concurrent bcrypt work (storage.Options).
	PasswordWorkers int
}

// ForEach runs fn once per database: on SQLite, and on PostgreSQL when
// configured, each as a subtest with a fresh, migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, s *storage.Store), opts ...Options) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, opts...)) })
}

func options(opts []Options) storage.Options {
	// Test accounts need no slow hashes (under -race bcrypt dominates).
	o := storage.Options{PasswordCost: bcrypt.MinCost}
	if len(opts) > 0 {
		o.Now = opts[0].Now
		if opts[0].PasswordCost != 0 {
			o.PasswordCost = opts[0].PasswordCost
		}
		o.PasswordWorkers = opts[0].PasswordWorkers
	}
	return o
}

// OpenSQLite opens a migrated SQLite store in a temporary directory.
func OpenSQLite(t testing.TB, opts ...Options) *storage.Store {
	t.Helper()
	o := options(opts)
	o.DataDir = t.TempDir()
	return open(t, o)
}

// PostgresURL returns the URL of a fresh schema on the test PostgreSQL,
// dropped when the test ends. It skips (or, in CI, fails) when none is set.
func PostgresURL(t testing.TB) string {
	t.Helper()
	return pgtest.URL(t)
}

// OpenPostgres opens a migrated store in a fresh PostgreSQL schema.
func OpenPostgres(t testing.TB, opts ...Options) *storage.Store {
	t.Helper()
	o := options(opts)
	o.DatabaseURL = PostgresURL(t)
	return open(t, o)
}

func open(t testing.TB, o storage.Options) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, o)
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	opened.Store(s, o)
	t.Cleanup(func() { opened.Delete(s) })
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	return s
}
