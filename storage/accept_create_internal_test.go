package storage

import (
	"context"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage/internal/pgtest"
)

// eachDB opens a fresh migrated store per database (storagetest imports
// this package, so internal tests open their own).
func eachDB(t *testing.T, fn func(t *testing.T, s *Store)) {
	open := func(t *testing.T, o Options) *Store {
		s, err := Open(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.Migrate(context.Background()); err != nil {
			t.Fatal(err)
		}
		return s
	}
	t.Run("sqlite", func(t *testing.T) { fn(t, open(t, Options{DataDir: t.TempDir()})) })
	t.Run("postgres", func(t *testing.T) { fn(t, open(t, Options{DatabaseURL: pgtest.URL(t)})) })
}

func check(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// liveHrefs lists a collection's live hrefs and its tombstones.
func liveHrefs(t *testing.T, s *Store, coll int64) (live, dead map[string]bool) {
	t.Helper()
	var objs []objectRow
	check(t, s.db.NewSelect().Model(&objs).Column("href", "deleted").Where("collection_id = ?", coll).Scan(context.Background()))
	live, dead = map[string]bool{}, map[string]bool{}
	for _, o := range objs {
		if o.Deleted {
			dead[o.Href] = true
		} else {
			live[o.Href] = true
		}
	}
	return live, dead
}

func TestAcceptCreate(t *testing.T) {
	eachDB(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		all := DefaultUserSettings()
		all.ContactsScope = ScopeAll
		alice, err := s.CreateAccount(ctx, "alice", "pw-alice-1", nil, all)
		check(t, err)
		bob, err := s.CreateAccount(ctx, "bob", "pw-bob-12", nil, all)
		check(t, err)
		aliceBook, _ := s.UserCollection(ctx, alice.ID, CollContacts)
		bobBook, _ := s.UserCollection(ctx, bob.ID, CollContacts)

		// Alice's client created a company (unknown ORG, create policy) and a
		// contact in it, and a to-do about the contact; none reached the PSA yet.
		var company, contact, todo int64
		check(t, s.Write(ctx, func(ctx context.Context, tx *Tx) error {
			var err error
			if company, err = tx.InsertClient(ctx, mapping.EntityCompanies, &mapping.Company{CompanyName: "New Co", IsActive: true}, alice.ID, ""); err != nil {
				return err
			}
			if contact, err = tx.InsertClient(ctx, mapping.EntityContacts, &mapping.Contact{CompanyID: -company, IsActive: 1,
				FirstName: "Nia", LastName: "New"}, alice.ID, "client-uid-1"); err != nil {
				return err
			}
			if todo, err = tx.InsertClient(ctx, mapping.EntityCompanyToDos, &mapping.ToDo{CompanyID: -company, ContactID: ptr(-contact),
				ActionType: 1, AssignedToResourceID: 1}, alice.ID, ""); err != nil {
				return err
			}
			if err := tx.proj.flush(ctx); err != nil {
				return err
			}
			// Alice's client PUT the card under a name of its own choosing.
			_, err = tx.tx.NewUpdate().Table("dav_objects").Set("href = 'ABC-123.vcf'").
				Where("collection_id = ? AND source_rid = ?", aliceBook.ID, contact).Exec(ctx)
			return err
		}))
		local := mapping.Href(mapping.KindContact, -contact)
		if live, _ := liveHrefs(t, s, bobBook.ID); !live[local] {
			t.Fatalf("bob's book before: %v, want %s", live, local)
		}
		// A poll raced the create's answer and already mirrored the new contact.
		check(t, s.Write(ctx, func(ctx context.Context, tx *Tx) error {
			_, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: 9001, CompanyID: 501, IsActive: 1,
				FirstName: "Nia", LastName: "New"}, nil)
			return err
		}))
		check(t, s.Write(ctx, func(ctx context.Context, tx *Tx) error {
			if err := tx.AcceptCreate(ctx, mapping.EntityCompanies, company, 501); err != nil {
				return err
			}
			return tx.AcceptCreate(ctx, mapping.EntityContacts, contact, 9001)
		}))
		rec, env, err := s.Record(ctx, mapping.EntityContacts, contact)
		check(t, err)
		if env.PSAID == nil || *env.PSAID != 9001 || rec.(*mapping.Contact).CompanyID != 501 || env.ClientUID != "client-uid-1" {
			t.Fatalf("contact after accept: %+v %+v", rec, env)
		}
		trec, _, err := s.Record(ctx, mapping.EntityCompanyToDos, todo)
		check(t, err)
		if td := trec.(*mapping.ToDo); td.CompanyID != 501 || td.ContactID == nil || *td.ContactID != 9001 {
			t.Fatalf("to-do references not rewritten: %+v", td)
		}
		live, dead := liveHrefs(t, s, bobBook.ID)
		if !live["contact-9001.vcf"] || !dead[local] || len(live) != 1 {
			t.Fatalf("bob's book after: live %v dead %v; want contact-9001.vcf and a tombstone for %s", live, dead, local)
		}
		live, _ = liveHrefs(t, s, aliceBook.ID)
		if !live["ABC-123.vcf"] || len(live) != 1 {
			t.Fatalf("alice's book after: %v, want the client's own href only", live)
		}
		ids, err := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		check(t, err)
		if len(ids) != 1 || ids[0] != 9001 {
			t.Fatalf("the raced PSA copy must be gone: %v", ids)
		}
		// Accepting again is idempotent; a different id is a conflict.
		check(t, s.Write(ctx, func(ctx context.Context, tx *Tx) error {
			return tx.AcceptCreate(ctx, mapping.EntityContacts, contact, 9001)
		}))
		if err := s.Write(ctx, func(ctx context.Context, tx *Tx) error {
			return tx.AcceptCreate(ctx, mapping.EntityContacts, contact, 9002)
		}); err == nil {
			t.Fatal("second PSA id accepted")
		}
	})
}
