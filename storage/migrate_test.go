package storage

import (
	"context"
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"

	"github.com/psadav/psadav/storage/internal/pgtest"
)

// forEachRawStore opens an unmigrated store on each database.
func forEachRawStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Run("sqlite", func(t *testing.T) {
		s, err := Open(context.Background(), Options{DataDir: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
	t.Run("postgres", func(t *testing.T) {
		url := postgresSchemaURL(t)
		s, err := Open(context.Background(), Options{DatabaseURL: url})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		fn(t, s)
	})
}

// withMigrations replaces the embedded migrations for one test: the real
// ones plus extra files per dialect.
func withMigrations(t *testing.T, extra map[string]string) {
	m := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrationFiles, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range extra {
		m["migrations/sqlite/"+name] = &fstest.MapFile{Data: []byte(body)}
		m["migrations/postgres/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	old := migrationSource
	migrationSource = m
	t.Cleanup(func() { migrationSource = old })
}

func tableExists(t *testing.T, s *Store, table string) bool {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()"
	if s.dialect == SQLite {
		q = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?"
	}
	if err := s.db.NewRaw(q, table).Scan(context.Background(), &n); err != nil {
		t.Fatal(err)
	}
	return n > 0
}

func TestMigrateFreshAndIdempotent(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if err := s.CheckSchema(ctx); err == nil {
			t.Fatal("an empty database passed the schema check")
		}
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) == 0 {
			t.Fatalf("first migrate: %v %v", applied, err)
		}
		if err := s.CheckSchema(ctx); err != nil {
			t.Fatalf("schema check after migrate: %v", err)
		}
		again, err := s.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Fatalf("second migrate applied %v, %v", again, err)
		}
		if !tableExists(t, s, "dav_objects") || !tableExists(t, s, "psa_contacts") {
			t.Fatal("tables missing after migrate")
		}
	})
}

func TestFailedMigrationIsRolledBackAndNotRecorded(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		withMigrations(t, map[string]string{
			"9001_broken.tx.up.sql": "CREATE TABLE half_done (id INT);\n--bun:split\nTHIS IS NOT SQL;\n",
		})
		if _, err := s.Migrate(ctx); err == nil {
			t.Fatal("a broken migration succeeded")
		}
		if tableExists(t, s, "half_done") {
			t.Fatal("the broken migration's first statement was not rolled back")
		}
		st, err := s.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Pending) != 1 || st.Pending[0] != "9001" {
			t.Fatalf("status after failure: %+v", st)
		}
		// Fixed, it applies.
		withMigrations(t, map[string]string{"9001_broken.tx.up.sql": "CREATE TABLE half_done (id INT);\n"})
		if applied, err := s.Migrate(ctx); err != nil || len(applied) != 1 {
			t.Fatalf("fixed migration: %v %v", applied, err)
		}
		if !tableExists(t, s, "half_done") {
			t.Fatal("fixed migration did not create its table")
		}
	})
}

func TestSchemaNewerThanBinaryIsRefused(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withMigrations(t, map[string]string{"9002_future.tx.up.sql": "CREATE TABLE from_the_future (id INT);\n"})
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		migrationSource = migrationFiles // this binary does not know 9002
		if _, err := s.Migrate(ctx); !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("Migrate on a newer schema: %v", err)
		}
		if err := s.CheckSchema(ctx); !errors.Is(err, ErrSchemaTooNew) {
			t.Fatalf("CheckSchema on a newer schema: %v", err)
		}
	})
}

func postgresSchemaURL(t *testing.T) string { return pgtest.URL(t) }
