package storage_test

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// TestHiddenItemsAndUnhide: what a user's DELETE hid is listed for the
// administrator, and un-hiding brings it back at the next sync.
func TestHiddenItemsAndUnhide(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		for _, d := range []struct {
			coll storage.Collection
			href string
		}{{f.aliceCal, "appointment-1.ics"}, {f.aliceCal, "service-call-9.ics"}, {f.aliceTasks, "todo-6.ics"}} {
			*f.clock = f.clock.Add(time.Second)
			must(t, f.del(f.alice, d.coll, d.href))
		}
		items, err := f.s.HiddenItems(ctx, "alice")
		must(t, err)
		var got []string
		for _, it := range items {
			if it.PSAID == nil || it.HiddenAt.IsZero() {
				t.Errorf("hidden item without PSA id or time: %+v", it)
			}
			got = append(got, it.Collection+" "+it.Href+" "+it.Kind+" "+strconv.FormatInt(*it.PSAID, 10)+" "+it.Title)
		}
		eq(t, "hidden items", got, []string{"calendar appointment-1.ics appointment 1 Review",
			"calendar service-call-9.ics service-call 9 Replace the disk", "tasks todo-6.ics todo 6 Call Ann"})
		if items, err := f.s.HiddenItems(ctx, "bob"); err != nil || len(items) != 0 {
			t.Fatalf("bob's hidden items: %v %v", items, err)
		}
		if _, err := f.s.HiddenItems(ctx, "nobody"); !errors.Is(err, storage.ErrNotFound) {
			t.Fatalf("an unknown login: %v", err)
		}

		before, err := f.s.SyncToken(ctx, f.aliceCal)
		must(t, err)
		n, err := f.s.Unhide(ctx, "alice", "/dav/calendars/alice/calendar/appointment-1.ics")
		must(t, err)
		cs, err := f.s.Changes(ctx, f.aliceCal, before, 0)
		must(t, err)
		if n != 1 || len(cs.Changes) != 1 || cs.Changes[0].Href != "appointment-1.ics" || cs.Changes[0].Deleted {
			t.Fatalf("un-hiding appointment-1 (%d): %+v", n, cs.Changes)
		}
		if n, err := f.s.Unhide(ctx, "alice", "calendar/appointment-77.ics"); n != 0 || err != nil {
			t.Fatalf("un-hiding what is not hidden: %d %v", n, err)
		}
		n, err = f.s.UnhideAll(ctx, "alice")
		must(t, err)
		if n != 2 || !strings.Contains(f.get(t, f.aliceCal, "service-call-9.ics"), "BEGIN:VEVENT") || f.get(t, f.aliceTasks, "todo-6.ics") == "" {
			t.Fatalf("after un-hiding all (%d): %v %v", n, hrefs(t, f.s, f.aliceCal), hrefs(t, f.s, f.aliceTasks))
		}
		if items, _ := f.s.HiddenItems(ctx, "alice"); len(items) != 0 {
			t.Fatalf("still hidden: %+v", items)
		}
	})
}

// TestUnhideNamesTheCollection: a card hidden from two books is un-hidden
// from the one named.
func TestUnhideNamesTheCollection(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := contactsFixture(t, s)
		ctx := context.Background()
		_, err := s.UpdateSettings(ctx, "bob", func(u *storage.UserSettings) { u.ContactsScope = storage.ScopeAll })
		must(t, err)
		for _, c := range []storage.Collection{f.bobBk, f.bobAll} {
			must(t, s.DeleteObject(ctx, storage.DeleteRequest{Account: f.bob, Collection: c, Href: "contact-21.vcf"}))
		}
		if _, err := s.Unhide(ctx, "bob", "contact-21.vcf"); !errors.Is(err, storage.ErrConflict) || !strings.Contains(err.Error(), "all-contacts/contact-21.vcf") {
			t.Fatalf("an ambiguous name: %v", err)
		}
		n, err := s.Unhide(ctx, "bob", "all-contacts/contact-21.vcf")
		must(t, err)
		if n != 1 || !contains21(hrefs(t, s, f.bobAll)) || contains21(hrefs(t, s, f.bobBk)) {
			t.Fatalf("after un-hiding from all-contacts (%d): %v / %v", n, hrefs(t, s, f.bobAll), hrefs(t, s, f.bobBk))
		}
	})
}

func contains21(hrefs []string) bool {
	for _, h := range hrefs {
		if h == "contact-21.vcf" {
			return true
		}
	}
	return false
}

// TestClientOwnedObjects: an object says whether its user created the item
// on a client, the projection and migration 0010 alike.
func TestClientOwnedObjects(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		_, err := f.put(t, f.alice, f.aliceCal, "mine.ics", vevent("mine-1", "SUMMARY:Mine", "DTSTART:20250605T150000Z", "DURATION:PT1H"))
		must(t, err)
		_, err = f.put(t, f.alice, f.aliceTasks, "task.ics", "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:x\nBEGIN:VTODO\nUID:task-1\n"+
			"DTSTAMP:20250101T000000Z\nSUMMARY:My task\nDUE:20250607T100000Z\nEND:VTODO\nEND:VCALENDAR\n")
		must(t, err)
		owned := func() []string {
			var out []string
			for _, c := range []storage.Collection{f.aliceCal, f.aliceTasks, f.bobCal} {
				must(t, f.s.ListObjects(ctx, c.ID, func(o storage.ObjectInfo) error {
					if o.ClientOwned {
						out = append(out, c.Name+"/"+o.Href)
					}
					return nil
				}))
			}
			return out
		}
		eq(t, "client-owned objects", owned(), []string{"calendar/mine.ics", "tasks/task.ics"})
		must(t, storage.ForgetClientOwnedAndMigrate(ctx, f.s))
		eq(t, "client-owned objects after migration 0010", owned(), []string{"calendar/mine.ics", "tasks/task.ics"})
		// In strict mode the user may delete those and nothing else.
		must(t, f.s.SetSetting(ctx, "write-back-mode", "strict"))
		f.aliceCal.Strict = true
		if r := refusal(f.del(f.alice, f.aliceCal, "appointment-1.ics")); r == nil || r.Code != mapping.RefuseDelete {
			t.Fatalf("strict: a PSA appointment was deleted")
		}
		must(t, f.del(f.alice, f.aliceCal, "mine.ics"))
		must(t, f.del(f.alice, f.aliceTasks, "task.ics"))
	})
}
