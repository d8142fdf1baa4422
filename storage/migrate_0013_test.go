package storage

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// withMigrationsBefore limits the embedded migrations to those numbered
// below first, for one part of a test; the returned func restores them.
func withMigrationsBefore(t *testing.T, first string) func() {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		name := path[strings.LastIndex(path, "/")+1:]
		if name >= first {
			return nil
		}
		b, err := fs.ReadFile(migrationFiles, path)
		m[path] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	old := migrationSource
	migrationSource = m
	return func() { migrationSource = old }
}

// Migration 0013 renames a CompanyNote's columns to Autotask's own field
// names, recovers the text of notes the connector mirrored under the
// wrong names from their raw records, keeps what an import stored, and
// has the notes read in full again.
func TestMigrationCompanyNoteFields(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		restore := withMigrationsBefore(t, "0013")
		if _, err := s.Migrate(ctx); err != nil {
			restore()
			t.Fatal(err)
		}
		now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		rows := []struct {
			psaID              int64
			title, desc, raw   string
			wantName, wantNote string
		}{
			// Mirrored from Autotask before the fix: the text was in the raw record only.
			{1, "", "", `{"id":1,"companyID":7,"name":"Call summary","note":"Called about the firewall."}`, "Call summary", "Called about the firewall."},
			// Imported under the old names: kept.
			{2, "Imported", "Kept as it was", `{}`, "Imported", "Kept as it was"},
			// Neither: stays empty.
			{3, "", "", `{"id":3,"companyID":7}`, "", ""},
		}
		for _, r := range rows {
			_, err := s.wdb.NewRaw("INSERT INTO psa_company_notes (psa_id, fetched_at, raw, company_id, title, description) VALUES (?, ?, ?, 7, ?, ?)",
				r.psaID, now, r.raw, r.title, r.desc).Exec(ctx)
			if err != nil {
				restore()
				t.Fatal(err)
			}
		}
		for _, e := range []string{"CompanyNotes", "Contacts"} {
			if _, err := s.wdb.NewRaw("INSERT INTO psa_sync_state (entity, watermark, updated_at) VALUES (?, ?, ?)", e, now, now).Exec(ctx); err != nil {
				restore()
				t.Fatal(err)
			}
		}
		restore()
		applied, err := s.Migrate(ctx)
		if err != nil || len(applied) == 0 || applied[0] != "0013" {
			t.Fatalf("migrating on: %v %v", applied, err)
		}
		for _, r := range rows {
			var name, note string
			if err := s.db.NewRaw("SELECT name, note FROM psa_company_notes WHERE psa_id = ?", r.psaID).Scan(ctx, &name, &note); err != nil {
				t.Fatal(err)
			}
			if name != r.wantName || note != r.wantNote {
				t.Errorf("note %d: name %q note %q, want %q %q", r.psaID, name, note, r.wantName, r.wantNote)
			}
		}
		var entities []string
		if err := s.db.NewRaw("SELECT entity FROM psa_sync_state ORDER BY entity").Scan(ctx, &entities); err != nil {
			t.Fatal(err)
		}
		if strings.Join(entities, ",") != "Contacts" {
			t.Fatalf("sync state after 0013: %v (the notes' must go, the others stay)", entities)
		}
	})
}
