package storage_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

func TestSyncStateAndStatus(t *testing.T) {
	c := newClock()
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		st, err := s.SyncState(ctx, mapping.EntityContacts)
		must(t, err)
		if st.Entity != "Contacts" || st.Watermark != nil {
			t.Fatalf("fresh state %+v", st)
		}
		wm := c.now().Add(-time.Hour)
		st.Watermark, st.CursorID, st.Pulled, st.SweepRefused = &wm, 4711, 5000, "refused: 90% gone"
		must(t, s.SaveSyncState(ctx, st))
		st.Pulled = 5001
		must(t, s.SaveSyncState(ctx, st))
		got, err := s.SyncState(ctx, mapping.EntityContacts)
		must(t, err)
		if got.Watermark == nil || !got.Watermark.Equal(wm) || got.CursorID != 4711 || got.Pulled != 5001 || got.SweepRefused == "" {
			t.Fatalf("state round trip: %+v", got)
		}
		all, err := s.SyncStates(ctx)
		must(t, err)
		if len(all) != 1 {
			t.Fatalf("states: %+v", all)
		}
		must(t, s.SetConnectorStatus(ctx, "budget", `{"used":12}`))
		must(t, s.SetConnectorStatus(ctx, "budget", `{"used":13}`))
		status, err := s.ConnectorStatus(ctx)
		must(t, err)
		if status["budget"].Value != `{"used":13}` || !status["budget"].UpdatedAt.Equal(c.now()) {
			t.Fatalf("status: %+v", status)
		}
	}, c.opts())
}

func TestWebhookEventsDeduplicate(t *testing.T) {
	c := newClock()
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		ev := storage.WebhookEvent{GUID: "g-1", SequenceNumber: 7, Entity: "Contacts", PSAID: 11, Action: "Update"}
		fresh, err := s.RecordWebhookEvent(ctx, ev)
		must(t, err)
		again, err := s.RecordWebhookEvent(ctx, ev)
		must(t, err)
		if !fresh || again {
			t.Fatalf("first delivery new=%v, redelivery new=%v", fresh, again)
		}
		ev.SequenceNumber = 8
		if fresh, _ := s.RecordWebhookEvent(ctx, ev); !fresh {
			t.Fatal("next sequence number is a new event")
		}
		pending, err := s.PendingWebhookEvents(ctx, 3, 10)
		must(t, err)
		if len(pending) != 2 || pending[0].SequenceNumber != 7 {
			t.Fatalf("pending %+v", pending)
		}
		must(t, s.FinishWebhookEvent(ctx, "g-1", 7, ""))
		for i := 0; i < 3; i++ {
			must(t, s.FinishWebhookEvent(ctx, "g-1", 8, "PSA unavailable"))
		}
		pending, _ = s.PendingWebhookEvents(ctx, 3, 10)
		if len(pending) != 0 {
			t.Fatalf("processed and given-up events are not pending: %+v", pending)
		}
		rcv, done, failing, err := s.WebhookEventCounts(ctx)
		must(t, err)
		if rcv != 2 || done != 1 || failing != 1 {
			t.Fatalf("counts %d %d %d", rcv, done, failing)
		}
		c.add(time.Hour)
		n, err := s.PurgeWebhookEvents(ctx, c.now())
		must(t, err)
		if n != 1 {
			t.Fatalf("purged %d, want the processed one", n)
		}
	}, c.opts())
}

func TestLivePSAIDsInScope(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		ctx := context.Background()
		day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			for i, start := range []int{-10, -1, 0, 5, 40} {
				a := mapping.Appointment{ID: int64(100 + i), ResourceID: 1, Title: "x",
					StartDateTime: day.AddDate(0, 0, start), EndDateTime: day.AddDate(0, 0, start).Add(2 * time.Hour)}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityAppointments, &a, nil); err != nil {
					return err
				}
			}
			for i, call := range []int64{7, 7, 8, 9} {
				l := mapping.ServiceCallTicket{ID: int64(200 + i), ServiceCallID: call, TicketID: int64(300 + i%2)}
				if _, err := tx.UpsertPSA(ctx, mapping.EntityServiceCallTickets, &l, nil); err != nil {
					return err
				}
			}
			return tx.MarkPSADeleted(ctx, mapping.EntityAppointments, 103)
		}))
		ids, err := s.LivePSAIDs(ctx, mapping.EntityAppointments, &storage.MirrorScope{
			StartField: "startDateTime", EndField: "endDateTime", From: day.AddDate(0, 0, -2), To: day.AddDate(0, 0, 30)})
		must(t, err)
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{101, 102}) {
			t.Fatalf("in window: %v (103 is a tombstone, 100 and 104 outside)", ids)
		}
		ids, err = s.LivePSAIDs(ctx, mapping.EntityServiceCallTickets, &storage.MirrorScope{Field: "serviceCallID", Values: []int64{7, 9}})
		must(t, err)
		slices.Sort(ids)
		if !slices.Equal(ids, []int64{200, 201, 203}) {
			t.Fatalf("children of calls 7 and 9: %v", ids)
		}
		tickets, err := s.FieldValues(ctx, mapping.EntityServiceCallTickets, "ticketID", nil)
		must(t, err)
		slices.Sort(tickets)
		if !slices.Equal(tickets, []int64{300, 301}) {
			t.Fatalf("referenced tickets: %v", tickets)
		}
		if _, err := s.FieldValues(ctx, mapping.EntityServiceCallTickets, "nonsense", nil); err == nil {
			t.Fatal("unknown field accepted")
		}
	})
}

func TestPulledRecordsWaitForPendingWrites(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		ann := ridOf(t, s, mapping.EntityContacts, 11)
		// A client changed Ann's title; the write-back is on its way.
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			rec, _, err := tx.Record(ctx, mapping.EntityContacts, ann)
			if err != nil {
				return err
			}
			c := *rec.(*mapping.Contact)
			c.Title = "CEO"
			if err := tx.UpdateFromClient(ctx, mapping.EntityContacts, ann, &c); err != nil {
				return err
			}
			_, err = tx.Enqueue(ctx, mapping.EntityContacts, ann, storage.OpUpdate, map[string]any{"title": "CEO"}, nil, nil)
			return err
		}))
		token, _ := s.SyncToken(ctx, f.aliceBk)
		pulled := mapping.Contact{ID: 11, CompanyID: 1, IsActive: 1, FirstName: "Ann", LastName: "Acme", Title: "Intern"}
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			res, deferred, err := tx.ApplyPulled(ctx, mapping.EntityContacts, &pulled, json.RawMessage(`{"id":11}`))
			if err != nil {
				return err
			}
			if !deferred || res.RID != ann || res.Changed {
				t.Errorf("pulled record over a pending write: %+v deferred=%v", res, deferred)
			}
			gone, err := tx.MarkPulledDeleted(ctx, mapping.EntityContacts, 11)
			if gone {
				t.Error("a row with a pending write-back was tombstoned by a sweep")
			}
			return err
		}))
		rec, _ := recordEnv(t, s, mapping.EntityContacts, ann)
		if rec.(*mapping.Contact).Title != "CEO" {
			t.Fatalf("client's change overwritten: %+v", rec)
		}
		if now, _ := s.SyncToken(ctx, f.aliceBk); now != token {
			t.Fatal("a deferred pull bumped the collection")
		}
		// A read that started before Art's newer version was stored is stale.
		newer := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		older := newer.Add(-time.Hour)
		upsert(t, s, mapping.EntityContacts, &mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme",
			Title: "Newer", LastModifiedDate: &newer})
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			stale := mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme", Title: "Older", LastModifiedDate: &older}
			_, deferred, err := tx.ApplyPulled(ctx, mapping.EntityContacts, &stale, nil)
			if !deferred {
				t.Error("a stale read overwrote a newer version")
			}
			return err
		}))
		// Art has nothing pending: the pull applies.
		art := mapping.Contact{ID: 12, CompanyID: 1, IsActive: 1, FirstName: "Art", LastName: "Acme", Title: "CFO", LastModifiedDate: &newer}
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error {
			res, deferred, err := tx.ApplyPulled(ctx, mapping.EntityContacts, &art, nil)
			if deferred || !res.Changed {
				t.Errorf("plain pull: %+v deferred=%v", res, deferred)
			}
			if err != nil {
				return err
			}
			gone, err := tx.MarkPulledDeleted(ctx, mapping.EntityContacts, 12)
			if !gone {
				t.Error("sweep did not tombstone")
			}
			return err
		}))
	})
}

func TestLeaderHandover(t *testing.T) {
	url := storagetest.PostgresURL(t)
	ctx := context.Background()
	open := func() *storage.Store {
		s, err := storage.Open(ctx, storage.Options{DatabaseURL: url})
		must(t, err)
		t.Cleanup(func() { s.Close() })
		_, err = s.Migrate(ctx)
		must(t, err)
		return s
	}
	a, b := open(), open()
	la, err := a.TryLead(ctx, "psadav-connector", time.Second)
	must(t, err)
	if la == nil {
		t.Fatal("first instance did not get the lock")
	}
	lb, err := b.TryLead(ctx, "psadav-connector", time.Second)
	must(t, err)
	if lb != nil {
		t.Fatal("two instances lead at once")
	}
	// Another deployment (schema) on the same server does not contend.
	other, err := storage.Open(ctx, storage.Options{DatabaseURL: storagetest.PostgresURL(t)})
	must(t, err)
	defer other.Close()
	lo, err := other.TryLead(ctx, "psadav-connector", time.Second)
	must(t, err)
	if lo == nil {
		t.Fatal("a different schema's instance was refused")
	}
	lo.Release()
	la.Release()
	lb, err = b.TryLead(ctx, "psadav-connector", time.Second)
	must(t, err)
	if lb == nil {
		t.Fatal("no handover after the leader stopped")
	}
	defer lb.Release()
	select {
	case <-lb.Lost():
		t.Fatal("lock reported lost")
	case <-time.After(1500 * time.Millisecond):
	}
	if la, _ := a.TryLead(ctx, "psadav-connector", time.Second); la != nil {
		t.Fatal("old leader took the lock back while the new one holds it")
	}
}

// SQLite keeps a whole number in a NUMERIC column as an INTEGER; reading
// the row back into a float64 field must still work.
func TestWholeNumbersInNumericColumns(t *testing.T) {
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		day := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		call := mapping.ServiceCall{ID: 5, CompanyID: 1, StartDateTime: day, EndDateTime: day.Add(4 * time.Hour), Duration: ptrF(4)}
		off := mapping.TimeOffRequest{ID: 6, ResourceID: 1, RequestDate: day, Hours: 8, Status: 1}
		for i := 0; i < 2; i++ { // the second upsert reads the stored row
			call.Description = strconvI(int64(i))
			off.Reason = strconvI(int64(i))
			upsert(t, s, mapping.EntityServiceCalls, &call)
			upsert(t, s, mapping.EntityTimeOffRequests, &off)
		}
		rec, _ := recordEnv(t, s, mapping.EntityTimeOffRequests, ridOf(t, s, mapping.EntityTimeOffRequests, 6))
		if rec.(*mapping.TimeOffRequest).Hours != 8 {
			t.Fatalf("hours read back as %v", rec.(*mapping.TimeOffRequest).Hours)
		}
	})
}

func ptrF(f float64) *float64 { return &f }
