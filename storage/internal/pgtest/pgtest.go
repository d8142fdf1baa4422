// Package pgtest hands tests a fresh PostgreSQL schema: the URL in
// PSADAV_TEST_POSTGRES with its search_path set to a new schema that is
// dropped when the test ends. Without the variable the test is skipped, or
// fails when CI=true (CI must run the PostgreSQL tests).
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// Env names the variable holding the PostgreSQL URL for tests.
const Env = "PSADAV_TEST_POSTGRES"

// URL returns the URL of a fresh schema on the test PostgreSQL.
func URL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(Env)
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not set: PostgreSQL tests must run in CI", Env)
		}
		t.Skipf("PostgreSQL tests skipped: set %s to a postgres:// URL", Env)
	}
	base = withSSLDisabled(base)
	db, err := sql.Open("pgx", base)
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
		if db, err := sql.Open("pgx", base); err == nil {
			db.Exec("DROP SCHEMA " + schema + " CASCADE")
			db.Close()
		}
	})
	u, _ := url.Parse(base)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
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
