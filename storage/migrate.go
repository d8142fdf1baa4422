package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"

	"github.com/uptrace/bun/migrate"
)

// The numbered migrations, one folder per dialect. Files end in .tx.up.sql
// so bun runs each in a transaction; WithMarkAppliedOnSuccess records a
// migration only after its transaction committed.
//
//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFiles embed.FS

// migrationSource is where migrations are read from (tests substitute it).
var migrationSource fs.FS = migrationFiles

func (s *Store) migrations() (*migrate.Migrations, error) {
	sub, err := fs.Sub(migrationSource, "migrations/"+string(s.dialect))
	if err != nil {
		return nil, err
	}
	ms := migrate.NewMigrations()
	if err := ms.Discover(sub); err != nil {
		return nil, fmt.Errorf("storage: reading embedded migrations: %w", err)
	}
	return ms, nil
}

func (s *Store) migrator() (*migrate.Migrator, error) {
	ms, err := s.migrations()
	if err != nil {
		return nil, err
	}
	return migrate.NewMigrator(s.wdb, ms,
		migrate.WithTableName("schema_migrations"),
		migrate.WithLocksTableName("schema_migration_locks"),
		migrate.WithMarkAppliedOnSuccess(true)), nil
}

// SchemaStatus describes the database schema against this binary.
type SchemaStatus struct {
	Applied []string // migrations recorded in the database
	Pending []string // migrations this binary has that the database lacks
	Unknown []string // migrations the database has that this binary does not know
}

// Status reports which migrations are applied, pending and unknown.
func (s *Store) Status(ctx context.Context) (SchemaStatus, error) {
	m, err := s.migrator()
	if err != nil {
		return SchemaStatus{}, err
	}
	if err := m.Init(ctx); err != nil {
		return SchemaStatus{}, fmt.Errorf("storage: preparing migration table: %w", err)
	}
	ms, err := m.MigrationsWithStatus(ctx)
	if err != nil {
		return SchemaStatus{}, fmt.Errorf("storage: reading migration status: %w", err)
	}
	known := map[string]bool{}
	var st SchemaStatus
	for _, mig := range ms {
		known[mig.Name] = true
		if mig.IsApplied() {
			st.Applied = append(st.Applied, mig.Name)
		} else {
			st.Pending = append(st.Pending, mig.Name)
		}
	}
	applied, err := m.AppliedMigrations(ctx)
	if err != nil {
		return SchemaStatus{}, fmt.Errorf("storage: reading applied migrations: %w", err)
	}
	for _, mig := range applied {
		if !known[mig.Name] {
			st.Unknown = append(st.Unknown, mig.Name)
		}
	}
	sort.Strings(st.Unknown)
	return st, nil
}

// CheckSchema refuses a database whose schema is newer than this binary
// (ErrSchemaTooNew) or older (pending migrations).
func (s *Store) CheckSchema(ctx context.Context) error {
	st, err := s.Status(ctx)
	if err != nil {
		return err
	}
	if len(st.Unknown) > 0 {
		return fmt.Errorf("%w: it has migrations %v that this binary does not know; run a newer psadav", ErrSchemaTooNew, st.Unknown)
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("storage: database schema is behind this binary (pending %v); run psadav migrate", st.Pending)
	}
	return nil
}

// Migrate applies every pending migration, each in its own transaction. It
// refuses to touch a schema newer than this binary. On PostgreSQL an
// advisory lock keeps two instances from migrating one schema at once; the
// lock is per database, so its key names the schema: installations (and
// tests) in other schemas of the same database do not wait on each other.
func (s *Store) Migrate(ctx context.Context) (applied []string, err error) {
	if s.dialect == Postgres {
		conn, err := s.wdb.Conn(ctx)
		if err != nil {
			return nil, err
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(hashtext('psadav-migrate:' || current_schema()))"); err != nil {
			return nil, fmt.Errorf("storage: taking the migration lock: %w", err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(hashtext('psadav-migrate:' || current_schema()))")
	}
	st, err := s.Status(ctx)
	if err != nil {
		return nil, err
	}
	if len(st.Unknown) > 0 {
		return nil, fmt.Errorf("%w: it has migrations %v that this binary does not know", ErrSchemaTooNew, st.Unknown)
	}
	m, err := s.migrator()
	if err != nil {
		return nil, err
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: migrating: %w", err)
	}
	for _, mig := range group.Migrations {
		applied = append(applied, mig.Name)
	}
	return applied, nil
}
