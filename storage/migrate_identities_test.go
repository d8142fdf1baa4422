package storage

import (
	"context"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
)

// migrationsBefore makes the embedded migrations before number first the
// only ones, for one test: a database as an older binary left it.
func migrationsBefore(t *testing.T, first string) {
	m := fstest.MapFS{}
	err := fs.WalkDir(migrationFiles, "migrations", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() >= first {
			return err
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
	t.Cleanup(func() { migrationSource = old })
}

// Migration 0008 turns the objects clients wrote before it — a card
// pinned to a book at the href its client chose, a task in its creator's
// task list — into client identities as their clients see them, kept
// properties and all, and leaves everything else to the projection; a
// rebuild afterwards keeps them where they are.
func TestMigrationAdoptsClientObjects(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		migrationsBefore(t, "0008")
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		acct, err := s.CreateAccount(ctx, "alice", "secret1", nil, DefaultUserSettings())
		if err != nil {
			t.Fatal(err)
		}
		book, err := s.UserCollection(ctx, acct.ID, CollContacts)
		if err != nil {
			t.Fatal(err)
		}
		tasks, err := s.UserCollection(ctx, acct.ID, CollTasks)
		if err != nil {
			t.Fatal(err)
		}
		const now = "2026-01-02 03:04:05"
		for _, q := range []struct {
			sql  string
			args []any
		}{
			// A contact alice created as a1.vcf, and a PSA contact shown
			// under its own name (not pinned).
			{"INSERT INTO psa_contacts (rid, origin, origin_user_id, client_uid, fetched_at, company_id, is_active, first_name, last_name) VALUES (1, 2, ?, 'uid-a1', ?, 0, 1, 'Zed', 'Quux')", []any{acct.ID, now}},
			{"INSERT INTO psa_contacts (rid, psa_id, fetched_at, company_id, is_active, first_name, last_name) VALUES (2, 12, ?, 0, 1, 'Art', 'Acme')", []any{now}},
			{"INSERT INTO pinned_items (collection_id, source_entity, source_rid, pinned_at) VALUES (?, 'Contacts', 1, ?)", []any{book.ID, now}},
			{"INSERT INTO kept_props (collection_id, source_entity, source_rid, data, updated_at) VALUES (?, 'Contacts', 1, ?, ?)", []any{book.ID, "BEGIN:VCARD\r\nVERSION:3.0\r\nBDAY:1980-01-01\r\nEND:VCARD\r\n", now}},
			{"INSERT INTO kept_props (collection_id, source_entity, source_rid, data, updated_at) VALUES (?, 'Contacts', 2, ?, ?)", []any{book.ID, "BEGIN:VCARD\r\nVERSION:3.0\r\nNICKNAME:Artie\r\nEND:VCARD\r\n", now}},
			{"INSERT INTO dav_objects (collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid, modified_at) VALUES (?, 'a1.vcf', 'uid-a1', 'e1', 'VCARD', ?, 1, 1, 'Contacts', 1, ?)", []any{book.ID, []byte("x"), now}},
			{"INSERT INTO dav_objects (collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid, modified_at) VALUES (?, 'contact-12.vcf', 'psadav-contact-12', 'e2', 'VCARD', ?, 1, 2, 'Contacts', 2, ?)", []any{book.ID, []byte("x"), now}},
			// A task alice created as task-1.ics.
			{"INSERT INTO psa_todos (rid, origin, origin_user_id, client_uid, fetched_at, company_id, action_type, assigned_to_resource_id, start_date_time, end_date_time) VALUES (7, 2, ?, 'task-1', ?, 0, 502, 100, ?, ?)", []any{acct.ID, now, now, now}},
			{"INSERT INTO kept_props (collection_id, source_entity, source_rid, data, updated_at) VALUES (?, 'CompanyToDos', 7, 'BEGIN:VCALENDAR', ?)", []any{tasks.ID, now}},
			{"INSERT INTO dav_objects (collection_id, href, uid, etag, comp, body, size, change_seq, source_entity, source_rid, modified_at) VALUES (?, 'task-1.ics', 'task-1', 'e3', 'VTODO', ?, 1, 3, 'CompanyToDos', 7, ?)", []any{tasks.ID, []byte("x"), now}},
		} {
			if _, err := s.wdb.NewRaw(q.sql, q.args...).Exec(ctx); err != nil {
				t.Fatalf("%s: %v", q.sql, err)
			}
		}
		migrationSource = migrationFiles
		if applied, err := s.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != "0008" {
			t.Fatalf("migrating from 0007: %v %v", applied, err)
		}
		var ids []identityRow
		if err := s.db.NewSelect().Model(&ids).Order("collection_id", "href").Scan(ctx); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, id := range ids {
			got = append(got, id.Href+" "+id.UID+" "+id.SourceEntity+" "+strings.TrimSpace(strings.ReplaceAll(id.Kept, "\r\n", " ")))
		}
		want := []string{"a1.vcf uid-a1 Contacts BEGIN:VCARD VERSION:3.0 BDAY:1980-01-01 END:VCARD", "task-1.ics task-1 CompanyToDos BEGIN:VCALENDAR"}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("identities after 0008:\n%s", strings.Join(got, "\n"))
		}
		var kept []keptRow
		if err := s.db.NewSelect().Model(&kept).Scan(ctx); err != nil {
			t.Fatal(err)
		}
		if len(kept) != 1 || kept[0].SourceRID != 2 {
			t.Fatalf("kept_props after 0008: %+v", kept)
		}
		// Rebuilding the book keeps the adopted card where its client has it.
		if _, err := s.UpdateSettings(ctx, "alice", func(u *UserSettings) { u.ContactsScope = ScopeAll }); err != nil {
			t.Fatal(err)
		}
		o, err := s.GetObject(ctx, book.ID, "a1.vcf")
		if err != nil {
			t.Fatal(err)
		}
		if b := string(o.Body); !strings.Contains(b, "UID:uid-a1\r\n") || !strings.Contains(b, "BDAY:1980-01-01\r\n") {
			t.Fatalf("a1.vcf after a rebuild:\n%s", b)
		}
		if _, err := s.GetObject(ctx, book.ID, "contact-local-1.vcf"); err != ErrNotFound {
			t.Fatalf("the adopted card also appeared under the contact's own name: %v", err)
		}
	})
}
