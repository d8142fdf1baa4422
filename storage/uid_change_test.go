package storage_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

var uidLine = regexp.MustCompile(`(?m)^UID:[^\r\n]*`)

// A PUT that would change the UID of an existing object is refused by
// every writer, with nothing changed (RFC 4791 §5.3.2.1, RFC 6352
// §6.3.2.1): PSA appointments and to-dos shown as events, PSA to-dos in
// the task list, a client's events and tasks, linked cards (a PSA card:
// TestLinkBesideAShownCard).
func TestPutCannotChangeUID(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		_, err := f.put(t, f.alice, f.aliceCal, "ev.ics", vevent("ev-1", "SUMMARY:Lunch", "DTSTART:20250607T110000Z", "DTEND:20250607T120000Z"))
		must(t, err)
		_, err = f.put(t, f.alice, f.aliceTasks, "task.ics", vtodo("task-1", "SUMMARY:Order toner", "DUE:20250607T170000Z"))
		must(t, err)
		book := collection(t, f.s, f.alice.ID, storage.CollContacts)
		_, err = putCard(f.s, f.alice, book, "ann.vcf", newCard("ann-phone", "N:Acme;Ann;;;", "ORG:Acme"))
		must(t, err)
		for _, c := range []struct {
			coll storage.Collection
			href string
		}{
			{f.aliceCal, "appointment-1.ics"}, {f.aliceCal, "todo-5.ics"}, {f.aliceTasks, "todo-6.ics"},
			{f.aliceCal, "ev.ics"}, {f.aliceTasks, "task.ics"}, {book, "ann.vcf"},
		} {
			served := f.get(t, c.coll, c.href)
			if served == "" {
				t.Fatalf("%s is not served", c.href)
			}
			tok := token(t, f.s, c.coll)
			n := len(outbox(t, f.s))
			var err error
			if c.coll.ID == book.ID {
				_, err = putCard(f.s, f.alice, c.coll, c.href, uidLine.ReplaceAllString(served, "UID:someone-else"))
			} else {
				_, err = f.put(t, f.alice, c.coll, c.href, uidLine.ReplaceAllString(served, "UID:someone-else"))
			}
			if r := refusal(err); r == nil || r.Code != mapping.RefuseUIDChanged || r.Href != c.href {
				t.Errorf("%s with another UID: %v", c.href, err)
			}
			if f.get(t, c.coll, c.href) != served || token(t, f.s, c.coll) != tok || len(outbox(t, f.s)) != n {
				t.Errorf("a refused UID change of %s changed something", c.href)
			}
		}
	})
}

// A task a client created keeps its href, UID and whole object when the
// task list is switched off and on, and when its action type moves it to
// the calendar and back (the sibling of a card's identity).
func TestClientTaskKeepsItsHref(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		ctx := context.Background()
		_, err := f.put(t, f.alice, f.aliceTasks, "task-1.ics", vtodo("task-1", "SUMMARY:Order toner", "DUE:20250607T170000Z", "X-CLIENT-THING:keep"))
		must(t, err)
		before := f.get(t, f.aliceTasks, "task-1.ics")
		for _, on := range []bool{false, true} {
			_, err := f.s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.Tasks = on })
			must(t, err)
		}
		eq(t, "alice's tasks after a toggle", hrefs(t, f.s, f.aliceTasks), []string{"task-1.ics", "todo-6.ics"})
		if after := f.get(t, f.aliceTasks, "task-1.ics"); after != before {
			t.Fatalf("after a toggle:\n%s\nwas\n%s", after, before)
		}
		for _, view := range []int64{11, 12} {
			upsert(t, f.s, mapping.EntityActionTypes, &mapping.ActionType{ID: 502, Name: "Phone Call", View: view, IsActive: true})
		}
		eq(t, "alice's tasks after a move and back", hrefs(t, f.s, f.aliceTasks), []string{"task-1.ics", "todo-6.ics"})
		contains(t, "after a move and back", f.get(t, f.aliceTasks, "task-1.ics"), "UID:task-1", "X-CLIENT-THING:keep")
		// Deleting it deletes it: nothing comes back at its href.
		must(t, f.del(f.alice, f.aliceTasks, "task-1.ics"))
		for _, on := range []bool{false, true} {
			_, err := f.s.UpdateSettings(ctx, "alice", func(u *storage.UserSettings) { u.Tasks = on })
			must(t, err)
		}
		eq(t, "alice's tasks after the delete and a toggle", hrefs(t, f.s, f.aliceTasks), []string{"todo-6.ics"})
	})
}

// A UID or resource name longer than the 255 characters psadav keeps is
// refused clearly on both databases (PostgreSQL's columns would refuse it
// with an internal error), and nothing is stored.
func TestOverlongNamesAreRefused(t *testing.T) {
	forEachCal(t, func(t *testing.T, f *calFixture) {
		book := collection(t, f.s, f.alice.ID, storage.CollContacts)
		long := strings.Repeat("é", 256)
		for _, c := range []struct {
			what string
			err  func() error
		}{
			{"card UID", func() error { _, err := putCard(f.s, f.alice, book, "x.vcf", newCard(long, "FN:Long Uid")); return err }},
			{"card href", func() error {
				_, err := putCard(f.s, f.alice, book, long+".vcf", newCard("x", "FN:Long Href"))
				return err
			}},
			{"event UID", func() error {
				_, err := f.put(t, f.alice, f.aliceCal, "x.ics", vevent(long, "DTSTART:20250607T110000Z"))
				return err
			}},
			{"task UID", func() error { _, err := f.put(t, f.alice, f.aliceTasks, "x.ics", vtodo(long, "SUMMARY:x")); return err }},
		} {
			if r := refusal(c.err()); r == nil || r.Code != mapping.RefuseTooLong || r.Limit != 255 {
				t.Errorf("%s: %v", c.what, c.err())
			}
		}
		if len(outbox(t, f.s)) != 0 || len(hrefs(t, f.s, book)) != 0 {
			t.Fatal("a refused PUT left something behind")
		}
	})
}
