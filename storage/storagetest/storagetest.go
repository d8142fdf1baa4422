// Package storagetest opens fresh stores for tests: SQLite always, and
// PostgreSQL when PSADAV_TEST_POSTGRES holds a URL (each store in its own
// schema, dropped afterwards). With CI=true a missing PostgreSQL URL fails
// the test instead of skipping it.
package storagetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/lib/pq"

	"github.com/psadav/psadav/storage"
)

// EnvPostgres names the variable holding the PostgreSQL URL for tests.
const EnvPostgres = "PSADAV_TEST_POSTGRES"

// Options tune a test store.
type Options struct {
	Now func() time.Time
}

// ForEach runs fn once per database: on SQLite, and on PostgreSQL when
// configured, each as a subtest with a fresh, migrated store.
func ForEach(t *testing.T, fn func(t *testing.T, s *storage.Store), opts ...Options) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) { fn(t, OpenSQLite(t, opts...)) })
	t.Run("postgres", func(t *testing.T) { fn(t, OpenPostgres(t, opts...)) })
}

func options(opts []Options) storage.Options {
	var o storage.Options
	if len(opts) > 0 {
		o.Now = opts[0].Now
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
	base := os.Getenv(EnvPostgres)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: PostgreSQL tests must run in CI", EnvPostgres)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to a postgres:// URL", EnvPostgres)
	}
	db, err := sql.Open("postgres", withSSLDisabled(base))
	if err != nil {
		t.Fatalf("opening PostgreSQL: %v", err)
	}
	defer db.Close()
	var b [6]byte
	rand.Read(b[:])
	schema := "psadav_test_" + hex.EncodeToString(b[:])
	if _, err := db.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("postgres", withSSLDisabled(base))
		if err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, _ := url.Parse(withSSLDisabled(base))
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a migrated store in a fresh PostgreSQL schema.
func OpenPostgres(t testing.TB, opts ...Options) *storage.Store {
	t.Helper()
	o := options(opts)
	o.DatabaseURL = PostgresURL(t)
	return open(t, o)
}

func withSSLDisabled(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return raw
	}
	q := u.Query()
	if q.Get("sslmode") == "" {
		q.Set("sslmode", "disable")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

func open(t testing.TB, o storage.Options) *storage.Store {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, o)
	if err != nil {
		t.Fatalf("opening store: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatalf("migrating: %v", err)
	}
	return s
}
