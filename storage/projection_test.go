package storage_test

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// fixture is a tiny organisation: two technicians, two companies, contacts.
type fixture struct {
	s        *storage.Store
	alice    storage.Account // resource 100, account manager of company 1
	bob      storage.Account // resource 200
	aliceBk  storage.Collection
	bobBk    storage.Collection
	bobAll   storage.Collection
	contacts map[string]int64 // name → PSA id
}

func i64(v int64) *int64 { return &v }

func newFixture(t *testing.T, s *storage.Store) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{s: s, contacts: map[string]int64{}}
	must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		if err := tx.SavePicklist(ctx, mapping.EntityOpportunities, "status", []mapping.PicklistValue{
			{Value: "1", Label: "Active"}, {Value: "2", Label: "Lost"}}); err != nil {
			return err
		}
		for _, r := range []mapping.Resource{{ID: 100, UserName: "alice", IsActive: true}, {ID: 200, UserName: "bob", IsActive: true}} {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityResources, &r, nil); err != nil {
				return err
			}
		}
		for _, c := range []mapping.Company{
			{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(100), IsActive: true},
			{ID: 2, CompanyName: "Globex", OwnerResourceID: i64(300), IsActive: true},
		} {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &c, nil); err != nil {
				return err
			}
		}
		for _, c := range []mapping.Contact{
			{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme"},
			{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme"},
			{ID: 21, CompanyID: 2, IsActive: 1, FirstName: "Gil", LastName: "Globex"},
			{ID: 22, CompanyID: 2, IsActive: 0, FirstName: "Gone", LastName: "Globex"},
		} {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &c, nil); err != nil {
				return err
			}
		}
		return nil
	}))
	var err error
	f.alice, err = s.CreateAccount(ctx, "alice", "secret1", i64(100), storage.DefaultUserSettings())
	must(t, err)
	bobSettings := storage.DefaultUserSettings()
	bobSettings.AllContacts = true
	f.bob, err = s.CreateAccount(ctx, "bob", "secret2", i64(200), bobSettings)
	must(t, err)
	f.aliceBk = collection(t, s, f.alice.ID, storage.CollContacts)
	f.bobBk = collection(t, s, f.bob.ID, storage.CollContacts)
	f.bobAll = collection(t, s, f.bob.ID, storage.CollAllContacts)
	return f
}

func collection(t *testing.T, s *storage.Store, userID int64, name string) storage.Collection {
	t.Helper()
	c, err := s.UserCollection(context.Background(), userID, name)
	must(t, err)
	return c
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hrefs(t *testing.T, s *storage.Store, c storage.Collection) []string {
	t.Helper()
	var out []string
	must(t, s.ListObjects(context.Background(), c.ID, func(o storage.ObjectInfo) error {
		out = append(out, o.Href)
		return nil
	}))
	return out
}

func eq(t *testing.T, what string, got, want []string) {
	t.Helper()
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func upsert(t *testing.T, s *storage.Store, entity mapping.Entity, rec mapping.Record) {
	t.Helper()
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.UpsertPSA(ctx, entity, rec, nil)
		return err
	}))
}

func TestProjectionMembership(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		// Alice manages Acme: its two active contacts. Bob manages nothing;
		// his all-contacts book has every active contact.
		eq(t, "alice contacts", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf"})
		eq(t, "bob contacts", hrefs(t, s, f.bobBk), nil)
		eq(t, "bob all-contacts", hrefs(t, s, f.bobAll), []string{"contact-11.vcf", "contact-12.vcf", "contact-21.vcf"})

		obj, err := s.GetObject(ctx, f.aliceBk.ID, "contact-11.vcf")
		must(t, err)
		for _, want := range []string{"BEGIN:VCARD", "VERSION:3.0", "N:Acme;Ann;;;", "ORG:Acme", "X-PSA-CONTACT-ID:11", "X-PSA-COMPANY-ID:1"} {
			if !strings.Contains(string(obj.Body), want+"\r\n") {
				t.Errorf("card lacks %q:\n%s", want, obj.Body)
			}
		}
		if obj.ETag != storage.ETagOf(obj.Body) {
			t.Errorf("etag %q does not match body", obj.ETag)
		}

		token, err := s.SyncToken(ctx, f.bobBk)
		must(t, err)

		// Bob opens an opportunity at Globex: Globex's active contact joins his book.
		upsert(t, s, mapping.EntityOpportunities, &mapping.Opportunity{ID: 5, CompanyID: 2, OwnerResourceID: 200, Status: 1})
		eq(t, "bob contacts after opportunity", hrefs(t, s, f.bobBk), []string{"contact-21.vcf"})
		cs, err := s.Changes(ctx, f.bobBk, token, 0)
		must(t, err)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != "contact-21.vcf" || cs.Changes[0].Deleted {
			t.Fatalf("changes after opportunity = %+v", cs.Changes)
		}

		// The opportunity is lost: the contact leaves with a tombstone.
		upsert(t, s, mapping.EntityOpportunities, &mapping.Opportunity{ID: 5, CompanyID: 2, OwnerResourceID: 200, Status: 2})
		eq(t, "bob contacts after lost", hrefs(t, s, f.bobBk), nil)
		cs2, err := s.Changes(ctx, f.bobBk, cs.Token, 0)
		must(t, err)
		if len(cs2.Changes) != 1 || !cs2.Changes[0].Deleted || cs2.Changes[0].Href != "contact-21.vcf" {
			t.Fatalf("changes after lost = %+v", cs2.Changes)
		}

		// Acme changes account manager to Bob: both books change.
		upsert(t, s, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(200), IsActive: true})
		eq(t, "alice after handover", hrefs(t, s, f.aliceBk), nil)
		eq(t, "bob after handover", hrefs(t, s, f.bobBk), []string{"contact-11.vcf", "contact-12.vcf"})

		// A contact goes inactive: it leaves every book.
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 0, FirstName: "Ann", LastName: "Acme"})
		eq(t, "bob after inactive", hrefs(t, s, f.bobBk), []string{"contact-12.vcf"})
		eq(t, "bob all after inactive", hrefs(t, s, f.bobAll), []string{"contact-12.vcf", "contact-21.vcf"})

		// A company rename re-renders its contacts' ORG.
		before, err := s.GetObject(ctx, f.bobBk.ID, "contact-12.vcf")
		must(t, err)
		upsert(t, s, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme Corp", OwnerResourceID: i64(200), IsActive: true})
		after, err := s.GetObject(ctx, f.bobBk.ID, "contact-12.vcf")
		must(t, err)
		if !strings.Contains(string(after.Body), "ORG:Acme Corp\r\n") || after.ETag == before.ETag || after.ChangeSeq <= before.ChangeSeq {
			t.Fatalf("rename not projected: etag %s→%s seq %d→%d\n%s", before.ETag, after.ETag, before.ChangeSeq, after.ChangeSeq, after.Body)
		}
	})
}

func TestUnchangedRecordBumpsNothing(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		token, err := s.SyncToken(ctx, f.bobAll)
		must(t, err)
		var res storage.UpsertResult
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			res, err = tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: 21, CompanyID: 2, IsActive: 1, FirstName: "Gil", LastName: "Globex"}, nil)
			return err
		}))
		if res.Changed {
			t.Fatal("identical record reported as changed")
		}
		after, err := s.SyncToken(ctx, f.bobAll)
		must(t, err)
		if after != token {
			t.Fatalf("sync token moved %d → %d for an unchanged record", token, after)
		}
	})
}

func TestWriteIsAtomic(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			c := mapping.Contact{ID: 13, CompanyID: 1, IsActive: 1, FirstName: "New", LastName: "Acme"}
			if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &c, nil); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write returned %v", err)
		}
		eq(t, "alice after rollback", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf"})
		token, err := s.SyncToken(ctx, f.aliceBk)
		must(t, err)
		// The counter did not move either: a later change gets the next sequence.
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 13, CompanyID: 1, IsActive: 1, FirstName: "New", LastName: "Acme"})
		cs, err := s.Changes(ctx, f.aliceBk, token, 0)
		must(t, err)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != "contact-13.vcf" {
			t.Fatalf("changes = %+v", cs.Changes)
		}
	})
}

func TestSettingsChangeCollections(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		oldToken, err := s.SyncToken(ctx, f.aliceBk)
		must(t, err)

		_, err = s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeAll })
		must(t, err)
		eq(t, "alice scope all", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf", "contact-21.vcf"})
		cs, err := s.Changes(ctx, f.aliceBk, oldToken, 0)
		must(t, err)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != "contact-21.vcf" {
			t.Fatalf("scope widening changes = %+v", cs.Changes)
		}

		_, err = s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeNone; u.Tasks = false })
		must(t, err)
		colls, err := s.UserCollections(ctx, f.alice.ID)
		must(t, err)
		var names []string
		for _, c := range colls {
			names = append(names, c.Name)
		}
		eq(t, "alice collections", names, []string{storage.CollCalendar})
		if _, err := s.Changes(ctx, f.aliceBk, cs.Token, 0); !errors.Is(err, storage.ErrSyncTokenGone) {
			t.Fatalf("token of a removed book: %v", err)
		}

		_, err = s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeMine })
		must(t, err)
		back := collection(t, s, f.alice.ID, storage.CollContacts)
		eq(t, "alice contacts back", hrefs(t, s, back), []string{"contact-11.vcf", "contact-12.vcf"})
		if _, err := s.Changes(ctx, back, cs.Token, 0); !errors.Is(err, storage.ErrSyncTokenGone) {
			t.Fatalf("a token from before the book disappeared must not be answerable: %v", err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		newFixture(t, s)
		ctx := context.Background()
		if _, err := s.Authenticate(ctx, "alice", "secret1"); err != nil {
			t.Fatalf("right password: %v", err)
		}
		for _, c := range [][2]string{{"alice", "wrong"}, {"nobody", "secret1"}, {"alice", ""}} {
			if _, err := s.Authenticate(ctx, c[0], c[1]); !errors.Is(err, storage.ErrBadCredentials) {
				t.Errorf("Authenticate(%q, %q) = %v", c[0], c[1], err)
			}
		}
		must(t, s.SetEnabled(ctx, "alice", false))
		if _, err := s.Authenticate(ctx, "alice", "secret1"); !errors.Is(err, storage.ErrBadCredentials) {
			t.Errorf("disabled account logged in: %v", err)
		}
		must(t, s.SetEnabled(ctx, "alice", true))
		must(t, s.SetPassword(ctx, "alice", "another"))
		if _, err := s.Authenticate(ctx, "alice", "secret1"); !errors.Is(err, storage.ErrBadCredentials) {
			t.Errorf("old password still accepted after change: %v", err)
		}
		if _, err := s.Authenticate(ctx, "alice", "another"); err != nil {
			t.Errorf("new password: %v", err)
		}
	})
}

func TestClientRowsKeepRawAndProject(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		var rid int64
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			rid, err = tx.InsertClient(ctx, mapping.EntityContacts,
				&mapping.Contact{CompanyID: 1, IsActive: 1, FirstName: "Cli", LastName: "Ent"}, f.alice.ID, "client-uid-1")
			return err
		}))
		href := "contact-local-" + strconvI(rid) + ".vcf"
		eq(t, "alice after client insert", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf", href})
		obj, err := s.GetObject(ctx, f.aliceBk.ID, href)
		must(t, err)
		if !strings.Contains(string(obj.Body), "UID:client-uid-1\r\n") || strings.Contains(string(obj.Body), "X-PSA-CONTACT-ID") {
			t.Fatalf("client-created card: %s", obj.Body)
		}
		// A client change to a PSA row leaves raw alone.
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			rec, env, err := tx.RecordByRef(ctx, mapping.EntityContacts, 12)
			if err != nil {
				return err
			}
			c := rec.(*mapping.Contact)
			if c.ID != 12 || env.PSAID == nil || *env.PSAID != 12 {
				t.Errorf("record %+v env %+v", c, env)
			}
			c.Title = "Boss"
			return tx.UpdateFromClient(ctx, mapping.EntityContacts, env.RID, c)
		}))
		obj, err = s.GetObject(ctx, f.aliceBk.ID, "contact-12.vcf")
		must(t, err)
		if !strings.Contains(string(obj.Body), "TITLE:Boss\r\n") || !strings.Contains(string(obj.Body), "X-PSA-CONTACT-ID:12\r\n") {
			t.Fatalf("after client update: %s", obj.Body)
		}
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, env, err := tx.RecordByRef(ctx, mapping.EntityContacts, 12)
			if err != nil {
				return err
			}
			var raw mapping.Contact
			if err := json.Unmarshal([]byte(env.Raw), &raw); err != nil || raw.Title != "" || raw.FirstName != "Art" {
				t.Errorf("raw changed by a client write (%v): %s", err, env.Raw)
			}
			return tx.MarkClientDeleted(ctx, mapping.EntityContacts, rid)
		}))
		eq(t, "alice after client delete", hrefs(t, s, f.aliceBk), []string{"contact-11.vcf", "contact-12.vcf"})
	})
}

func strconvI(n int64) string { return strconv.FormatInt(n, 10) }
