package storage_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
	"github.com/psadav/psadav/storage/storagetest"
)

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) now() time.Time            { return c.t }
func (c *clock) add(d time.Duration)       { c.t = c.t.Add(d) }
func newClock() *clock                     { return &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)} }
func (c *clock) opts() storagetest.Options { return storagetest.Options{Now: c.now} }

func enqueue(t *testing.T, s *storage.Store, entity mapping.Entity, rid int64, op storage.OutboxOp, fields map[string]any) int64 {
	t.Helper()
	var id int64
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		var err error
		id, err = tx.Enqueue(ctx, entity, rid, op, fields, nil, nil)
		return err
	}))
	return id
}

func ridOf(t *testing.T, s *storage.Store, entity mapping.Entity, psaID int64) int64 {
	t.Helper()
	var rid int64
	must(t, s.Write(context.Background(), func(ctx context.Context, tx *storage.Tx) error {
		_, env, err := tx.RecordByRef(ctx, entity, psaID)
		rid = env.RID
		return err
	}))
	return rid
}

func TestOutboxQueue(t *testing.T) {
	c := newClock()
	storagetest.ForEach(t, func(t *testing.T, s *storage.Store) {
		f := newFixture(t, s)
		ctx := context.Background()
		_ = f
		ann, art := ridOf(t, s, mapping.EntityContacts, 11), ridOf(t, s, mapping.EntityContacts, 12)
		e1 := enqueue(t, s, mapping.EntityContacts, ann, storage.OpUpdate, map[string]any{"title": "CEO"})
		e2 := enqueue(t, s, mapping.EntityContacts, art, storage.OpUpdate, map[string]any{"title": "CTO"})
		e3 := enqueue(t, s, mapping.EntityContacts, ann, storage.OpUpdate, map[string]any{"isActive": 0})

		due, err := s.DueOutbox(ctx, c.now(), 10)
		must(t, err)
		if ids := outboxIDs(due); ids != idList(e1, e2) {
			t.Fatalf("due = %s, want %s (e3 waits behind e1 for the same row)", ids, idList(e1, e2))
		}
		// The backoff is stored before the attempt: a crash now retries no sooner.
		got, err := s.BeginOutboxAttempt(ctx, e1, c.now().Add(time.Minute))
		must(t, err)
		if got.Attempts != 1 || !got.NextAttemptAt.Equal(c.now().Add(time.Minute)) {
			t.Fatalf("attempt not persisted: %+v", got)
		}
		due, _ = s.DueOutbox(ctx, c.now(), 10)
		if ids := outboxIDs(due); ids != idList(e2) {
			t.Fatalf("due after attempt = %s, want %s", ids, idList(e2))
		}
		must(t, s.RetryOutboxLater(ctx, e1, c.now().Add(10*time.Second), "PSA unavailable (503)"))
		e, _ := s.OutboxEntryByID(ctx, e1)
		if !e.NextAttemptAt.Equal(c.now().Add(time.Minute)) || e.LastError != "PSA unavailable (503)" {
			t.Fatalf("retry must not come before the stored backoff: %+v", e)
		}
		must(t, s.RetryOutboxLater(ctx, e1, c.now().Add(5*time.Minute), "throttled"))
		e, _ = s.OutboxEntryByID(ctx, e1)
		if !e.NextAttemptAt.Equal(c.now().Add(5 * time.Minute)) {
			t.Fatalf("Retry-After later than the backoff wins: %v", e.NextAttemptAt)
		}
		when, ok, err := s.NextOutboxDue(ctx)
		must(t, err)
		if !ok || !when.Equal(c.now()) {
			t.Fatalf("next due = %v %v, want now (e2)", when, ok)
		}

		// Done and failed entries leave the queue; the row's sync state follows.
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error { return tx.CompleteOutbox(ctx, e2, "accepted") }))
		must(t, s.Write(ctx, func(ctx context.Context, tx *storage.Tx) error { return tx.FailOutbox(ctx, e1, "Value too long") }))
		_, env := recordEnv(t, s, mapping.EntityContacts, art)
		if env.SyncState != storage.SyncClean {
			t.Errorf("art sync state %d after done, want clean", env.SyncState)
		}
		_, env = recordEnv(t, s, mapping.EntityContacts, ann)
		if env.SyncState != storage.SyncPushPending {
			t.Errorf("ann sync state %d with e3 pending, want pending", env.SyncState)
		}
		due, _ = s.DueOutbox(ctx, c.now(), 10)
		if ids := outboxIDs(due); ids != idList(e3) {
			t.Fatalf("due after e1 failed = %s, want e3", ids)
		}
		if _, err := s.BeginOutboxAttempt(ctx, e1, c.now()); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("attempt on a failed entry: %v", err)
		}
		failed, err := s.Outbox(ctx, storage.OutboxFilter{States: []storage.OutboxState{storage.OutboxFailed}})
		must(t, err)
		if len(failed) != 1 || failed[0].LastError != "Value too long" || failed[0].Payload != `{"title":"CEO"}` {
			t.Fatalf("failed list keeps what the client wrote and the PSA's message: %+v", failed)
		}
		// An operator requeues it; e3 waits behind it again.
		if _, err := s.RequeueOutbox(ctx, e2); !errors.Is(err, storage.ErrConflict) {
			t.Fatalf("requeue of a done entry: %v", err)
		}
		back, err := s.RequeueOutbox(ctx, e1)
		must(t, err)
		if back.State != storage.OutboxPending {
			t.Fatalf("requeued state %s", back.State)
		}
		due, _ = s.DueOutbox(ctx, c.now(), 10)
		if ids := outboxIDs(due); ids != idList(e1) {
			t.Fatalf("due after requeue = %s, want e1 then (later) e3", ids)
		}
		must(t, s.WaitOutbox(ctx, e1, c.now().Add(time.Minute), "waiting for company -4"))
		must(t, s.WaitOutbox(ctx, e1, c.now().Add(time.Minute), "waiting for company -4"))
		e, _ = s.OutboxEntryByID(ctx, e1)
		if e.Attempts != 1 {
			t.Errorf("waiting counts no attempt: %d", e.Attempts)
		}
		hist, err := s.OutboxHistory(ctx, e1)
		must(t, err)
		var kinds []string
		for _, h := range hist {
			kinds = append(kinds, h.Kind)
		}
		if got := strings.Join(kinds, ","); got != "attempt,retry,retry,refused,requeued,wait" {
			t.Errorf("history = %s", got)
		}
		counts, err := s.OutboxCounts(ctx)
		must(t, err)
		if counts[storage.OutboxPending] != 2 || counts[storage.OutboxDone] != 1 {
			t.Errorf("counts = %v", counts)
		}
	}, c.opts())
}

func outboxIDs(es []storage.OutboxEntry) string {
	var ids []int64
	for _, e := range es {
		ids = append(ids, e.ID)
	}
	return idList(ids...)
}

func idList(ids ...int64) string {
	var s []string
	for _, id := range ids {
		s = append(s, strconvI(id))
	}
	return strings.Join(s, ",")
}

func recordEnv(t *testing.T, s *storage.Store, entity mapping.Entity, rid int64) (any, storage.Envelope) {
	t.Helper()
	rec, env, err := s.Record(context.Background(), entity, rid)
	must(t, err)
	return rec, env
}
