package storage_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// The GET cache (PostgreSQL) never serves a version older than a write
// made through the store, and serves another process's writes once their
// notification arrives, including while and after its listener was cut
// off. On SQLite there is no cache.
func TestObjectCacheFollowsEveryWriter(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	lite := storagetest.OpenSQLite(t)
	lite.CacheObjects(ctx)
	if lite.ObjectCacheState().Live {
		t.Fatal("SQLite: the cache is on")
	}

	url := storagetest.PostgresURL(t)
	open := func() *storage.Store {
		s, err := storage.Open(ctx, storage.Options{DatabaseURL: url, PasswordCost: 4})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	served, other := open(), open() // this process, and another one (psadav import, a second instance)
	if _, err := served.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	contact := func(title string) *mapping.Contact {
		return &mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", Title: title}
	}
	upsert := func(s *storage.Store, c *mapping.Contact) {
		t.Helper()
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.UpsertPSA(ctx, mapping.EntityContacts, c, nil)
			return err
		}))
	}
	must(t, other.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
		_, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(100), IsActive: true}, nil)
		return err
	}))
	upsert(other, contact("First"))
	acct, err := other.CreateAccount(ctx, "ann", "secret1", i64(100), storage.DefaultUserSettings())
	must(t, err)

	served.CacheObjects(ctx)
	waitFor(t, "the listener", func() bool { return served.ObjectCacheState().Live })
	get := func() string {
		t.Helper()
		_, o, err := served.GetUserObject(ctx, acct.ID, storage.CollContacts, "contact-11.vcf")
		if err != nil {
			t.Fatal(err)
		}
		return string(o.Body)
	}
	if body := get(); !strings.Contains(body, "TITLE:First") {
		t.Fatalf("first read:\n%s", body)
	}
	if n := served.ObjectCacheState().Objects; n != 1 {
		t.Fatalf("%d objects cached after a read, want 1", n)
	}
	get()

	// Another process's write: served once its notification is in.
	upsert(other, contact("Second"))
	waitFor(t, "another process's write", func() bool { return strings.Contains(get(), "TITLE:Second") })

	// This store's own write: at once.
	upsert(served, contact("Third"))
	if body := get(); !strings.Contains(body, "TITLE:Third") {
		t.Fatalf("after a write through the serving store:\n%s", body)
	}

	// A setting that removes the book: the next GET is a 404 and the
	// collection list (cached too) loses it.
	hasBook := func() bool {
		t.Helper()
		_, err := served.UserCollection(ctx, acct.ID, storage.CollContacts)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			t.Fatal(err)
		}
		return err == nil
	}
	// The notifications of the writes above may still be arriving, and
	// each one empties the cache: wait until a read stays cached.
	waitFor(t, "the user's collections cached", func() bool {
		return hasBook() && served.ObjectCacheState().Users == 1
	})
	_, err = other.UpdateSettings(ctx, "ann", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeNone })
	must(t, err)
	waitFor(t, "a settings change", func() bool {
		_, _, err := served.GetUserObject(ctx, acct.ID, storage.CollContacts, "contact-11.vcf")
		return errors.Is(err, storage.ErrNotFound) && !hasBook()
	})
	_, err = other.UpdateSettings(ctx, "ann", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeMine })
	must(t, err)
	waitFor(t, "the book back", func() bool {
		_, _, err := served.GetUserObject(ctx, acct.ID, storage.CollContacts, "contact-11.vcf")
		return err == nil && hasBook()
	})
	get()
	// A settings change through the serving store: at once.
	_, err = served.UpdateSettings(ctx, "ann", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeNone })
	must(t, err)
	if hasBook() {
		t.Fatal("the book is still listed after a settings change through the serving store")
	}
	_, err = served.UpdateSettings(ctx, "ann", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeMine })
	must(t, err)
	if !hasBook() {
		t.Fatal("the book is not back after a settings change through the serving store")
	}

	// The listener's connection cut: nothing is cached until it listens
	// again, and a write made meanwhile is served.
	db, err := sql.Open("pgx", url)
	must(t, err)
	defer db.Close()
	res, err := db.ExecContext(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = 'LISTEN psadav_changes' AND datname = current_database()")
	must(t, err)
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatal("no listening connection found")
	}
	upsert(other, contact("Fourth"))
	waitFor(t, "a write while the listener was down", func() bool { return strings.Contains(get(), "TITLE:Fourth") })
	waitFor(t, "the listener back", func() bool { return served.ObjectCacheState().Live })
	get()
	upsert(other, contact("Fifth"))
	waitFor(t, "a write after the listener came back", func() bool { return strings.Contains(get(), "TITLE:Fifth") })

	// Out-of-band SQL (an operator's fix) is announced by the triggers too.
	get()
	_, err = db.ExecContext(ctx, "UPDATE dav_objects SET body = convert_to(replace(convert_from(body, 'UTF8'), 'TITLE:Fifth', 'TITLE:Sixth'), 'UTF8') WHERE href = 'contact-11.vcf'")
	must(t, err)
	waitFor(t, "an SQL update", func() bool { return strings.Contains(get(), "TITLE:Sixth") })
}

// waitFor polls cond for up to five seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not seen within 5 s", what)
		}
	}
}
