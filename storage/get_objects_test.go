package storage_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// GetObjects returns exactly the live members among the hrefs asked for,
// across batches (more than 500 hrefs) and whatever the batch size: the
// SQL differs by database (an array on PostgreSQL, a padded IN list on
// SQLite).
func TestGetObjectsReturnsTheLiveMembersAsked(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		const n = 620
		contact := func(id int64, active int) *mapping.Contact {
			return &mapping.Contact{ID: id, CompanyID: 1, IsActive: active, FirstName: "F", LastName: fmt.Sprint("L", id)}
		}
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: i64(100), IsActive: true}, nil); err != nil {
				return err
			}
			for i := range int64(n) {
				if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, contact(1000+i, 1), nil); err != nil {
					return err
				}
			}
			return nil
		}))
		settings := storage.DefaultUserSettings()
		settings.ContactsScope = storage.ScopeAll
		acct, err := s.CreateAccount(ctx, "carol", "secret3", i64(100), settings)
		must(t, err)
		// One member goes away: its tombstone must not be served.
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			_, err := tx.UpsertPSA(ctx, mapping.EntityContacts, contact(1005, 0), nil)
			return err
		}))
		book, err := s.UserCollection(ctx, acct.ID, storage.CollContacts)
		must(t, err)
		var hrefs []string
		for i := range n {
			hrefs = append(hrefs, fmt.Sprintf("contact-%d.vcf", 1000+i))
		}
		asked := append(append([]string{}, hrefs...), "contact-1.vcf", "contact-1619.vcf") // an unknown and a repeated href
		for _, size := range []int{1, 3, 100, len(asked)} {
			objs, err := s.GetObjects(ctx, book.ID, asked[len(asked)-size:])
			must(t, err)
			want := map[string]bool{}
			for _, h := range asked[len(asked)-size:] {
				if h != "contact-1.vcf" && h != "contact-1005.vcf" {
					want[h] = true
				}
			}
			got := map[string]bool{}
			for _, o := range objs {
				if !want[o.Href] || got[o.Href] || len(o.Body) == 0 || o.ETag == "" {
					t.Fatalf("%d hrefs asked: unexpected or repeated %q (body %d bytes)", size, o.Href, len(o.Body))
				}
				got[o.Href] = true
			}
			if len(got) != len(want) {
				t.Errorf("%d hrefs asked: %d objects, want %d", size, len(got), len(want))
			}
		}
		if objs, err := s.GetObjects(ctx, book.ID+1000, hrefs[:10]); err != nil || len(objs) != 0 {
			t.Errorf("another collection's id: %d objects, %v", len(objs), err)
		}
		if objs, err := s.GetObjects(ctx, book.ID, nil); err != nil || len(objs) != 0 {
			t.Errorf("no hrefs: %d objects, %v", len(objs), err)
		}
	})
}
