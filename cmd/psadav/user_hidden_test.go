package main

import (
	"context"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// TestUserHiddenAndUnhide: an administrator lists what a user's DELETEs
// hid and brings items back, one by name or all.
func TestUserHiddenAndUnhide(t *testing.T) {
	for _, db := range []struct {
		name string
		open func(t *testing.T) (*storage.Store, []string)
	}{
		{"sqlite", func(t *testing.T) (*storage.Store, []string) {
			dir := t.TempDir()
			s, err := storage.Open(context.Background(), storage.Options{DataDir: dir})
			if err != nil {
				t.Fatal(err)
			}
			return s, []string{"--data", dir}
		}},
		{"postgres", func(t *testing.T) (*storage.Store, []string) {
			url := storagetest.PostgresURL(t)
			s, err := storage.Open(context.Background(), storage.Options{DatabaseURL: url})
			if err != nil {
				t.Fatal(err)
			}
			return s, []string{"--database-url", url}
		}},
	} {
		t.Run(db.name, func(t *testing.T) {
			ctx := context.Background()
			s, dbArgs := db.open(t)
			defer s.Close()
			if _, err := s.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			err := s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
				owner := int64(100)
				if _, err := tx.UpsertPSA(ctx, mapping.EntityCompanies, &mapping.Company{ID: 1, CompanyName: "Acme", OwnerResourceID: &owner, IsActive: true}, nil); err != nil {
					return err
				}
				for i, name := range []string{"Ann", "Art"} {
					if _, err := tx.UpsertPSA(ctx, mapping.EntityContacts, &mapping.Contact{ID: int64(11 + i), CompanyID: 1, IsActive: 1, FirstName: name, LastName: "Acme"}, nil); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			acct, err := s.CreateAccount(ctx, "jsmith", "jsmith-password", nil, storage.UserSettings{ContactsScope: storage.ScopeAll, TimeZone: "UTC"})
			if err != nil {
				t.Fatal(err)
			}
			book, err := s.UserCollection(ctx, acct.ID, storage.CollContacts)
			if err != nil {
				t.Fatal(err)
			}
			for _, href := range []string{"contact-11.vcf", "contact-12.vcf"} {
				if err := s.DeleteObject(ctx, storage.DeleteRequest{Account: acct, Collection: book, Href: href}); err != nil {
					t.Fatal(err)
				}
			}
			cmd := func(args ...string) (string, error) { return runCmd(t, "", append(args, dbArgs...)...) }
			out, err := cmd("user", "hidden", "jsmith")
			if err != nil || !strings.Contains(out, "contacts/contact-11.vcf  contact  11      Ann Acme") ||
				!strings.Contains(out, "contacts/contact-12.vcf  contact  12      Art Acme") || !strings.Contains(out, "HIDDEN SINCE") {
				t.Fatalf("user hidden: %v\n%s", err, out)
			}
			if out, err := cmd("user", "unhide", "jsmith"); err == nil {
				t.Fatalf("unhide without an item or --all: %s", out)
			}
			if out, err := cmd("user", "unhide", "jsmith", "contact-99.vcf"); err == nil || !strings.Contains(err.Error(), "no hidden item") {
				t.Fatalf("unhide of what is not hidden: %v %s", err, out)
			}
			if out, err := cmd("user", "unhide", "jsmith", "contacts/contact-11.vcf"); err != nil || !strings.Contains(out, "1 item(s)") {
				t.Fatalf("unhide one: %v %s", err, out)
			}
			if _, err := s.GetObject(ctx, book.ID, "contact-11.vcf"); err != nil {
				t.Fatalf("the un-hidden card is not back: %v", err)
			}
			if out, err := cmd("user", "unhide", "jsmith", "--all"); err != nil || !strings.Contains(out, "1 item(s)") {
				t.Fatalf("unhide --all: %v %s", err, out)
			}
			if out, err := cmd("user", "hidden", "jsmith"); err != nil || !strings.Contains(out, "no hidden items") {
				t.Fatalf("user hidden after unhiding: %v %s", err, out)
			}
			if out, err := cmd("user", "hidden", "nobody"); err == nil || !strings.Contains(err.Error(), "no user") {
				t.Fatalf("hidden of an unknown user: %v %s", err, out)
			}
		})
	}
}
