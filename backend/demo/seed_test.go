package demo_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/demo"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// seedNow is a fixed clock reading, mid-day, so the day truncation matters.
var seedNow = time.Date(2026, 5, 21, 13, 37, 0, 0, time.UTC)

var logins = []string{"awalker", "cmartin", "dfernandez", "edevries", "jbecker", "mjohnson"}

func seed(t *testing.T, s *storage.Store) demo.Result {
	t.Helper()
	start := time.Now()
	res, err := demo.Seed(context.Background(), s, seedNow)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("seeding the demo organisation on %s took %v", s.Dialect(), time.Since(start).Round(time.Millisecond))
	return res
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func hrefs(t *testing.T, s *storage.Store, login, collection string) []string {
	t.Helper()
	ctx := context.Background()
	a, err := s.Account(ctx, login)
	must(t, err)
	c, err := s.UserCollection(ctx, a.ID, collection)
	must(t, err)
	var out []string
	must(t, s.ListObjects(ctx, c.ID, func(o storage.ObjectInfo) error {
		out = append(out, o.Href)
		return nil
	}))
	return out
}

func card(t *testing.T, s *storage.Store, login, collection, href string) string {
	t.Helper()
	ctx := context.Background()
	a, err := s.Account(ctx, login)
	must(t, err)
	c, err := s.UserCollection(ctx, a.ID, collection)
	must(t, err)
	o, err := s.GetObject(ctx, c.ID, href)
	must(t, err)
	return string(o.Body)
}

func TestSeed(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		res := seed(t, s)
		if !res.Created || !slices.Equal(res.Logins, logins) {
			t.Fatalf("first seed = %+v, want created with logins %v", res, logins)
		}

		t.Run("counts", func(t *testing.T) {
			min := map[mapping.Entity]int{
				mapping.EntityCountries: 5, mapping.EntityResources: 5, mapping.EntityActionTypes: 4,
				mapping.EntityCompanies: 151, mapping.EntityCompanyLocations: 1, mapping.EntityContacts: 2000,
				mapping.EntityCompanyNotes: 1, mapping.EntityOpportunities: 1, mapping.EntityTickets: 60,
				mapping.EntityTasks: 1, mapping.EntityAppointments: 300, mapping.EntityCompanyToDos: 200,
				mapping.EntityServiceCalls: 60, mapping.EntityServiceCallTickets: 1, mapping.EntityServiceCallTicketResources: 1,
				mapping.EntityServiceCallTasks: 1, mapping.EntityServiceCallTaskResources: 1, mapping.EntityTimeOffRequests: 20,
			}
			for _, e := range mapping.Entities {
				n, err := s.CountPSA(ctx, e)
				must(t, err)
				if n < min[e] {
					t.Errorf("%s: %d records, want at least %d", e, n, min[e])
				}
			}
		})

		t.Run("picklists", func(t *testing.T) {
			sc, err := s.Schema(ctx)
			must(t, err)
			for _, want := range []mapping.View{mapping.ViewCalendar, mapping.ViewToDo, mapping.ViewCalendarAndToDo, mapping.ViewNeither} {
				found := false
				for _, v := range sc.Picklist(mapping.EntityActionTypes, "view") {
					code, _ := parseInt(v.Value)
					found = found || sc.ActionTypeView(code) == want
				}
				if !found {
					t.Errorf("no action type view code means %v", want)
				}
			}
			for _, l := range []string{"Submitted", "Approved", "Rejected", "Canceled"} {
				if len(sc.Codes(mapping.EntityTimeOffRequests, "status", l)) != 1 {
					t.Errorf("time-off status %q missing", l)
				}
			}
		})

		t.Run("collections", func(t *testing.T) {
			for _, login := range logins {
				if n := len(hrefs(t, s, login, storage.CollContacts)); n == 0 {
					t.Errorf("%s: empty contacts book", login)
				}
			}
			all := hrefs(t, s, "awalker", storage.CollAllContacts)
			if len(all) < 1850 || len(all) > 1950 {
				t.Errorf("all-contacts holds %d cards, want the ~95%% of 2000 that are active", len(all))
			}
			// Company 0 is the PSA's own company; its account manager is awalker.
			body := card(t, s, "awalker", storage.CollContacts, "contact-30682900.vcf")
			for _, want := range []string{"ORG:Northwind IT Services", "X-PSA-COMPANY-ID:0"} {
				if !strings.Contains(body, want+"\r\n") {
					t.Errorf("own company's contact lacks %q:\n%s", want, body)
				}
			}
			a, err := s.Account(ctx, "jbecker")
			must(t, err)
			if a.Settings.TimeZone != "Europe/Berlin" || a.ResourceID == nil {
				t.Errorf("jbecker = %+v", a)
			}
			if _, err := s.Authenticate(ctx, "cmartin", demo.Password); err != nil {
				t.Errorf("demo password: %v", err)
			}
		})

		t.Run("once", func(t *testing.T) {
			before, err := s.CountPSA(ctx, mapping.EntityContacts)
			must(t, err)
			again, err := demo.Seed(ctx, s, seedNow.AddDate(0, 0, 3))
			must(t, err)
			if again.Created || !slices.Equal(again.Logins, logins) {
				t.Fatalf("second seed = %+v, want not created with logins %v", again, logins)
			}
			after, err := s.CountPSA(ctx, mapping.EntityContacts)
			must(t, err)
			if before != after {
				t.Fatalf("second seed changed the contacts: %d → %d", before, after)
			}
		})

		// A second fresh store (SQLite, whatever s is) seeded for the same
		// day holds the same cards, byte for byte.
		t.Run("deterministic", func(t *testing.T) {
			ref := storagetest.OpenSQLite(t)
			seed(t, ref)
			for _, login := range []string{"awalker", "jbecker"} {
				got, want := hrefs(t, s, login, storage.CollContacts), hrefs(t, ref, login, storage.CollContacts)
				if !slices.Equal(got, want) {
					t.Errorf("%s contacts differ between two seeds: %d vs %d cards", login, len(got), len(want))
				}
			}
			href := hrefs(t, ref, "jbecker", storage.CollContacts)[0]
			if got, want := card(t, s, "jbecker", storage.CollContacts, href), card(t, ref, "jbecker", storage.CollContacts, href); got != want {
				t.Errorf("%s differs between two seeds:\n%s\n---\n%s", href, got, want)
			}
		})
	})
}

// A store with an account of its own is not seeded.
func TestSeedLeavesUsedStoreAlone(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		_, err := s.CreateAccount(ctx, "admin", "secret", nil, storage.DefaultUserSettings())
		must(t, err)
		res, err := demo.Seed(ctx, s, seedNow)
		must(t, err)
		if res.Created || len(res.Logins) != 0 {
			t.Fatalf("seed of a used store = %+v", res)
		}
		if n, err := s.CountPSA(ctx, mapping.EntityCompanies); err != nil || n != 0 {
			t.Fatalf("companies after refusing to seed: %d, %v", n, err)
		}
	})
}

func parseInt(s string) (int64, bool) {
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int64(r-'0')
	}
	return n, s != ""
}
