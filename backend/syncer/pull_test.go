package syncer_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/autotask/fakeautotask"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

func objectCount(t *testing.T, s *storage.Store, c storage.Collection) int {
	t.Helper()
	n := 0
	must(t, s.ListObjects(context.Background(), c.ID, func(storage.ObjectInfo) error { n++; return nil }))
	return n
}

func TestInitialPullOfFiveThousandContacts(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 5000)
		alice := h.account("awalker", storage.ScopeAll)
		start := time.Now()
		h.tick()
		took := time.Since(start)
		if got := h.count(mapping.EntityContacts); got != 5000 {
			t.Fatalf("mirrored %d contacts, the tenant has 5000", got)
		}
		for _, e := range []mapping.Entity{mapping.EntityCompanies, mapping.EntityResources, mapping.EntityCountries,
			mapping.EntityActionTypes, mapping.EntityOpportunities} {
			if got, want := h.count(e), h.ft.Len(e); got != want {
				t.Errorf("%s: mirrored %d of %d", e, got, want)
			}
		}
		if h.count(mapping.EntityAppointments) == 0 || h.count(mapping.EntityServiceCallTicketResources) == 0 ||
			h.count(mapping.EntityTickets) == 0 {
			t.Error("calendar entities and service-call links were not pulled")
		}
		book, err := s.UserCollection(context.Background(), alice.ID, storage.CollContacts)
		must(t, err)
		if n := objectCount(t, s, book); n < 4900 {
			t.Fatalf("alice's book holds %d cards", n)
		}
		reqs := h.ft.Requests()
		t.Logf("initial pull: %d API requests, %s; by endpoint:\n%s", len(reqs), took.Round(time.Millisecond), h.ft.Summary())
		if len(reqs) > 120 {
			t.Errorf("initial pull took %d requests", len(reqs))
		}
		if !strings.Contains(h.log.String(), "initial pull") || !strings.Contains(h.log.String(), "total=5000") ||
			!strings.Contains(h.log.String(), "eta=") {
			t.Errorf("no progress logged:\n%s", h.log.String())
		}
		st, err := s.SyncState(context.Background(), mapping.EntityContacts)
		must(t, err)
		if st.Watermark == nil || st.CursorID != 0 || st.FullStartedAt != nil || st.Pulled != 5000 {
			t.Fatalf("contacts state after the first read: %+v", st)
		}

		// Nothing changed: a poll round bumps nothing.
		token, _ := s.SyncToken(context.Background(), book)
		clk.add(11 * time.Minute)
		h.ft.ResetLog()
		h.tick()
		if now, _ := s.SyncToken(context.Background(), book); now != token {
			t.Fatal("an unchanged poll bumped the collection")
		}
		// A contact changed in the PSA arrives within one poll interval.
		id := h.ft.IDs(mapping.EntityContacts)[42]
		must(t, h.ft.Update(mapping.EntityContacts, id, map[string]any{"title": "Head of Polling"}, 1))
		clk.add(10 * time.Minute)
		h.tick()
		cs, err := s.Changes(context.Background(), book, token, 0)
		must(t, err)
		if len(cs.Changes) != 1 || cs.Changes[0].Href != mapping.Href(mapping.KindContact, id) {
			t.Fatalf("changes after one poll interval: %+v", cs.Changes)
		}
		obj, err := s.GetObject(context.Background(), book.ID, cs.Changes[0].Href)
		must(t, err)
		if !strings.Contains(string(obj.Body), "Head of Polling") {
			t.Fatalf("card lacks the change:\n%s", obj.Body)
		}
	})
}

func TestResumedFirstRead(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 1100)
		ctx := context.Background()
		h.tick()
		// As if the first read of contacts had stopped after 500 of 1,100.
		st, _ := s.SyncState(ctx, mapping.EntityContacts)
		st.Watermark, st.FullStartedAt, st.CursorID = nil, ptrTime(clk.now()), h.ft.IDs(mapping.EntityContacts)[499]
		must(t, s.SaveSyncState(ctx, st))
		h.ft.ResetLog()
		clk.add(11 * time.Minute)
		h.tick()
		n := h.ft.Count(func(r fakeautotask.Request) bool { return r.Endpoint == "Contacts" && r.Kind == "query" })
		if n != 2 {
			t.Errorf("resuming after 500 of 1,100 contacts took %d pages, want 2", n)
		}
		st, _ = s.SyncState(ctx, mapping.EntityContacts)
		if st.Watermark == nil || st.CursorID != 0 || st.FullStartedAt != nil {
			t.Fatalf("state after the resumed read: %+v", st)
		}
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

func TestWindowAndChildren(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		must(t, s.SetSetting(context.Background(), "window-past-days", "7"))
		must(t, s.SetSetting(context.Background(), "window-future-days", "14"))
		h := newHarness(t, s, clk, 300)
		h.tick()
		ctx := context.Background()
		ids, err := s.LivePSAIDs(ctx, mapping.EntityAppointments, nil)
		must(t, err)
		from, to := clk.now().Truncate(24*time.Hour).AddDate(0, 0, -7), clk.now().Truncate(24*time.Hour).AddDate(0, 0, 15)
		for _, id := range ids {
			rec, _ := h.record(mapping.EntityAppointments, h.ridOf(mapping.EntityAppointments, id))
			a := rec.(*mapping.Appointment)
			if !a.StartDateTime.Before(to) || !a.EndDateTime.After(from) {
				t.Fatalf("appointment %d (%s) outside the window was mirrored", id, a.StartDateTime)
			}
		}
		if len(ids) == 0 || len(ids) >= h.ft.Len(mapping.EntityAppointments) {
			t.Fatalf("%d of %d appointments mirrored: the window should hold some, not all", len(ids), h.ft.Len(mapping.EntityAppointments))
		}
		// The window moves a day: what it newly covers is read.
		before := len(ids)
		clk.add(24 * time.Hour)
		h.tick()
		ids, _ = s.LivePSAIDs(ctx, mapping.EntityAppointments, nil)
		if len(ids) < before {
			t.Fatalf("appointments after the window moved: %d, before %d", len(ids), before)
		}
		// A service call gets a ticket and a technician on it: its links (and
		// their links) are re-read with it, though they have no stamp.
		calls, _ := s.LivePSAIDs(ctx, mapping.EntityServiceCalls, nil)
		if len(calls) == 0 {
			t.Fatal("no service call in the window")
		}
		linkID, err := h.ft.Create(mapping.EntityServiceCallTickets, map[string]any{"serviceCallID": calls[0], "ticketID": 424242}, 1)
		must(t, err)
		resID, err := h.ft.Create(mapping.EntityServiceCallTicketResources, map[string]any{"serviceCallTicketID": linkID, "resourceID": 29682905}, 1)
		must(t, err)
		must(t, h.ft.Update(mapping.EntityServiceCalls, calls[0], map[string]any{"description": "now with another technician"}, 1))
		h.ft.ResetLog()
		clk.add(3 * time.Minute)
		h.tick()
		for e, id := range map[mapping.Entity]int64{mapping.EntityServiceCallTickets: linkID, mapping.EntityServiceCallTicketResources: resID} {
			if got, _ := s.LivePSAIDs(ctx, e, &storage.MirrorScope{Field: "id", Values: []int64{id}}); len(got) != 1 {
				t.Fatalf("%s %d of a changed service call was not read with it", e, id)
			}
		}
		if n := h.ft.Count(func(r fakeautotask.Request) bool { return r.Endpoint == "ServiceCallTicketResources" }); n != 1 {
			t.Errorf("%d requests for the call's ticket resources, want 1", n)
		}
	})
}

// A first pull of a 5,000-contact tenant read by nextPageUrl: every next
// page POSTed with its query (a real tenant answers GET 405), every query
// with a condition (it answers "filter": [] with nothing), and everything
// mirrored.
func TestInitialPullInNextPagingMode(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarnessWith(t, s, clk, 5000, func(cfg *autotask.Config) { cfg.Paging = "next" })
		alice := h.account("awalker", storage.ScopeAll)
		start := time.Now()
		h.tick()
		took := time.Since(start)
		for _, e := range []mapping.Entity{mapping.EntityContacts, mapping.EntityCompanies, mapping.EntityResources, mapping.EntityCountries,
			mapping.EntityActionTypes, mapping.EntityOpportunities, mapping.EntityCompanyNotes} {
			if got, want := h.count(e), h.ft.Len(e); got != want {
				t.Errorf("%s: mirrored %d of %d", e, got, want)
			}
		}
		if h.count(mapping.EntityContacts) != 5000 {
			t.Fatalf("mirrored %d contacts", h.count(mapping.EntityContacts))
		}
		next := 0
		for _, r := range h.ft.Requests() {
			if r.Status != 200 {
				t.Errorf("%s %s answered %d", r.Method, r.Path, r.Status)
			}
			if r.Kind == "next" {
				next++
				if r.Method != "POST" || !strings.Contains(r.Body, `"filter":[{`) {
					t.Errorf("next page %s %s with body %q", r.Method, r.Path, r.Body)
				}
			}
		}
		if next != 9 {
			t.Errorf("%d next pages for 5,000 contacts, want 9", next)
		}
		if !strings.Contains(h.log.String(), "total=5000") {
			t.Errorf("the progress report does not know the total:\n%s", h.log.String())
		}
		book, err := s.UserCollection(context.Background(), alice.ID, storage.CollContacts)
		must(t, err)
		if n := objectCount(t, s, book); n < 4900 {
			t.Fatalf("alice's book holds %d cards", n)
		}
		st, err := s.SyncState(context.Background(), mapping.EntityContacts)
		must(t, err)
		if st.Watermark == nil || st.FullStartedAt != nil || st.Pulled != 5000 {
			t.Fatalf("contacts state after the first read: %+v", st)
		}
		t.Logf("initial pull by nextPageUrl: %d API requests, %s; by endpoint:\n%s", len(h.ft.Requests()), took.Round(time.Millisecond), h.ft.Summary())
	})
}
