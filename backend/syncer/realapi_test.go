package syncer_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/backend/autotask"
	"github.com/psadav/psadav/backend/syncer"
	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// A write the PSA answers with 404 — one zone answers a collection-level
// PATCH of a record that exists with an HTML 404 page — is a refusal: the
// user's contact stays, in the mirror and in the book.
func TestWriteAnsweredNotFoundDeletesNothing(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		book, _ := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		id := ids[5]
		rid := h.ridOf(mapping.EntityContacts, id)
		orig, _ := h.record(mapping.EntityContacts, rid)
		h.ft.PatchHTML404(true)
		entry := h.clientUpdate(mapping.EntityContacts, rid, func(rec any) { rec.(*mapping.Contact).Title = "Refused by a 404" },
			map[string]any{"title": "Refused by a 404"}, nil)
		clk.add(time.Minute)
		h.push()
		e := h.entry(entry)
		if e.State != storage.OutboxFailed || !strings.Contains(e.LastError, "HTML page") || !strings.Contains(e.LastError, "nothing was deleted") {
			t.Fatalf("entry %+v", e)
		}
		rec, env := h.record(mapping.EntityContacts, rid)
		if !env.Live() || env.PSADeletedAt != nil {
			t.Fatalf("a 404 on a PATCH tombstoned the contact: %+v", env)
		}
		if rec.(*mapping.Contact).Title != orig.(*mapping.Contact).Title {
			t.Fatalf("the mirror kept the refused value %q", rec.(*mapping.Contact).Title)
		}
		obj, err := s.GetObject(ctx, book.ID, mapping.Href(mapping.KindContact, id))
		if err != nil || strings.Contains(string(obj.Body), "Refused by a 404") {
			t.Fatalf("the contact's card after the refusal: %v\n%s", err, obj.Body)
		}
		// The same for a to-do (a child entity written through its company).
		h.ft.PatchHTML404(true)
		tech := h.seeded.Logins["jbecker"]
		todos, _ := s.LivePSAIDs(ctx, mapping.EntityCompanyToDos, nil)
		trid := h.ridOf(mapping.EntityCompanyToDos, todos[0])
		tentry := h.clientUpdate(mapping.EntityCompanyToDos, trid, func(rec any) {}, map[string]any{"activityDescription": "x"}, &tech)
		h.push()
		if e := h.entry(tentry); e.State != storage.OutboxFailed {
			t.Fatalf("to-do entry %+v", e)
		}
		if _, env := h.record(mapping.EntityCompanyToDos, trid); !env.Live() {
			t.Fatal("a 404 on a PATCH tombstoned the to-do")
		}
	})
}

// With impersonation on, a write-back is the technician's change in
// Autotask and comes back as a webhook event: recognised and dropped
// without reading the record, while the same technician's own later
// edit in Autotask is processed.
func TestImpersonatedWriteBackEchoesAreDropped(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		handler := &syncer.HookHandler{Store: s, Receiver: h.conn, Logger: slog.New(slog.DiscardHandler), Kick: h.sy.KickHooks,
			Deactivation: autotask.DeactivationPath, Now: clk.now}
		srv := httptest.NewServer(handler)
		defer srv.Close()
		h.conn.SetWebhookSecret("hook-secret-2")
		_, err := h.conn.InstallWebhooks(ctx, autotask.WebhookSetup{BaseURL: srv.URL, Secret: "hook-secret-2"})
		must(t, err)
		tech := h.seeded.Logins["cmartin"]
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		id := ids[11]
		rid := h.ridOf(mapping.EntityContacts, id)
		before := len(h.ft.Deliveries())
		entry := h.clientUpdate(mapping.EntityContacts, rid, func(rec any) { rec.(*mapping.Contact).Title = "Written as the technician" },
			map[string]any{"title": "Written as the technician"}, &tech)
		h.push()
		if e := h.entry(entry); e.State != storage.OutboxDone || !strings.Contains(e.LastError+fmt.Sprint(h.history(entry)), fmt.Sprint(tech)) {
			t.Fatalf("write-back %+v", e)
		}
		d := h.ft.Deliveries()
		if len(d) != before+1 || !strings.Contains(d[len(d)-1].Body, fmt.Sprintf(`"PersonID":%d`, tech)) {
			t.Fatalf("the impersonated write-back did not come back as the technician's event (as a real tenant's does): %+v", d[before:])
		}
		h.ft.ResetLog()
		n, err := h.sy.ProcessHints(ctx)
		must(t, err)
		if n != 0 || h.ft.Count(nil) != 0 {
			t.Fatalf("the echo was processed: %d hints, %d API requests", n, h.ft.Count(nil))
		}
		rcv, processed, _, _ := s.WebhookEventCounts(ctx)
		if rcv != 1 || processed != 1 {
			t.Fatalf("webhook events: %d received, %d processed (the echo is recorded as done)", rcv, processed)
		}
		// The same technician edits the contact in Autotask: processed.
		clk.add(time.Minute)
		must(t, h.ft.Update(mapping.EntityContacts, id, map[string]any{"title": "Changed in Autotask"}, tech))
		h.ft.WaitWebhooks()
		n, err = h.sy.ProcessHints(ctx)
		must(t, err)
		rec, _ := h.record(mapping.EntityContacts, rid)
		if n != 1 || rec.(*mapping.Contact).Title != "Changed in Autotask" {
			t.Fatalf("the technician's own edit: %d hints, title %q", n, rec.(*mapping.Contact).Title)
		}
		// A change by someone else to the same field within the window too.
		must(t, h.ft.Update(mapping.EntityContacts, id, map[string]any{"title": "Written as the technician"}, h.seeded.Logins["jbecker"]))
		h.ft.WaitWebhooks()
		if n, _ = h.sy.ProcessHints(ctx); n != 1 {
			t.Fatalf("another resource's change was taken for an echo (%d hints processed)", n)
		}
	})
}

// A journal entry queued as a CompanyNotes create (what a client's
// overlong contact NOTE becomes) reaches Autotask through the company
// with the fields Autotask requires, and shows in the contact's NOTE.
func TestJournalEntryReachesTheContact(t *testing.T) {
	forEach(t, func(t *testing.T, s *storage.Store, clk *clock) {
		h := newHarness(t, s, clk, 300)
		alice := h.account("awalker", storage.ScopeAll)
		h.tick()
		ctx := context.Background()
		ids, _ := s.LivePSAIDs(ctx, mapping.EntityContacts, nil)
		contactID := ids[20]
		rec, _ := h.record(mapping.EntityContacts, h.ridOf(mapping.EntityContacts, contactID))
		companyID := rec.(*mapping.Contact).CompanyID
		tech := h.seeded.Logins["awalker"]
		text := strings.Repeat("The rest of a long NOTE. ", 10)
		var nrid, entry int64
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			var err error
			n := &mapping.CompanyNote{CompanyID: companyID, ContactID: &contactID, Name: "Continued from the contact's note", Note: text}
			if nrid, err = tx.InsertClient(ctx, mapping.EntityCompanyNotes, n, alice.ID, ""); err != nil {
				return err
			}
			entry, err = tx.Enqueue(ctx, mapping.EntityCompanyNotes, nrid, storage.OpCreate, map[string]any{"companyID": companyID,
				"contactID": contactID, "name": "Continued from the contact's note", "note": text}, &alice.ID, &tech)
			return err
		}))
		h.ft.ResetLog()
		h.push()
		if e := h.entry(entry); e.State != storage.OutboxDone {
			t.Fatalf("journal entry: %+v", e)
		}
		w := h.writes()
		if len(w) != 1 || w[0].Path != fmt.Sprintf("v1.0/Companies/%d/Notes", companyID) {
			t.Fatalf("writes: %+v", w)
		}
		body := bodyFields(t, w[0].Body)
		for _, f := range []string{"companyID", "contactID", "name", "note", "actionType", "assignedResourceID", "startDateTime", "endDateTime"} {
			if body[f] == nil {
				t.Errorf("the create lacks %s: %s", f, w[0].Body)
			}
		}
		if n, _ := body["assignedResourceID"].(float64); int64(n) != tech {
			t.Errorf("assigned to %v, want the technician %d", body["assignedResourceID"], tech)
		}
		_, env := h.record(mapping.EntityCompanyNotes, nrid)
		if env.PSAID == nil {
			t.Fatal("the note was not accepted")
		}
		book, _ := s.UserCollection(ctx, alice.ID, storage.CollContacts)
		obj, err := s.GetObject(ctx, book.ID, mapping.Href(mapping.KindContact, contactID))
		must(t, err)
		if !strings.Contains(unfold(string(obj.Body)), "Continued from the contact's note: The rest of a long NOTE.") {
			t.Fatalf("the card's NOTE lacks the journal entry:\n%s", obj.Body)
		}
	})
}

// unfold joins folded vCard lines (RFC 6350 §3.2).
func unfold(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n ", ""), "\n ", "")
}

func (h *harness) history(id int64) []storage.OutboxEvent {
	h.t.Helper()
	ev, err := h.s.OutboxHistory(context.Background(), id)
	must(h.t, err)
	return ev
}
