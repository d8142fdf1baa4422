package storage

import (
	"context"
	"io/fs"
	"strings"
)

// ForgetClientOwnedAndMigrate clears every object's client_owned flag and runs the
// backfill of migration 0010 again, as on a database written before it:
// the test checks the migration marks the same objects the projection does.
func ForgetClientOwnedAndMigrate(ctx context.Context, s *Store) error {
	if _, err := s.db.ExecContext(ctx, "UPDATE dav_objects SET client_owned = FALSE"); err != nil {
		return err
	}
	b, err := fs.ReadFile(migrationFiles, "migrations/"+string(s.dialect)+"/0010_client_owned.tx.up.sql")
	if err != nil {
		return err
	}
	for _, stmt := range strings.Split(string(b), "--bun:split") {
		if strings.Contains(stmt, "ALTER TABLE") {
			continue // the column is there
		}
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return err
		}
	}
	return nil
}
