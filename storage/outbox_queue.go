package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// The outbox as a queue with memory (STYLE: mox's delivery queue): the
// connector takes due entries in id order, writes the next attempt's time
// before each attempt (so a crash never retries sooner than the backoff),
// and records every outcome in the entry's history, so nothing a client
// wrote disappears without a trace.

// OutboxEvent is one line of an outbox entry's history.
type OutboxEvent struct {
	bun.BaseModel `bun:"table:outbox_events"`
	ID            int64     `bun:"id,pk,autoincrement"`
	OutboxID      int64     `bun:"outbox_id,notnull"`
	At            time.Time `bun:"at,notnull"`
	Kind          string    `bun:"kind,notnull"` // attempt, retry, wait, decided, done, refused, requeued
	Message       string    `bun:"message,notnull"`
}

// DueOutbox lists pending entries due at now, oldest first, leaving out an
// entry while an earlier entry for the same row is still pending or held:
// a row's write-backs reach the PSA in the order they were made.
func (s *Store) DueOutbox(ctx context.Context, now time.Time, limit int) ([]OutboxEntry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []OutboxEntry
	err := s.db.NewSelect().Model(&out).
		Where("state = ? AND next_attempt_at <= ?", OutboxPending, now.UTC()).
		Where("NOT EXISTS (SELECT 1 FROM outbox p WHERE p.entity = outbox_entry.entity AND p.rid = outbox_entry.rid AND p.id < outbox_entry.id AND p.state IN (?, ?))",
			OutboxPending, OutboxHeld).
		Order("id").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: reading due write-backs: %w", err)
	}
	return out, nil
}

// NextOutboxDue is when the earliest pending entry is due; false when none is pending.
func (s *Store) NextOutboxDue(ctx context.Context) (time.Time, bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var next []time.Time
	err := s.db.NewSelect().Model((*OutboxEntry)(nil)).Column("next_attempt_at").
		Where("state = ?", OutboxPending).Order("next_attempt_at").Limit(1).Scan(ctx, &next)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: reading the outbox: %w", err)
	}
	if len(next) == 0 {
		return time.Time{}, false, nil
	}
	return next[0], true, nil
}

// OutboxEntryByID reads one entry, with the login of the user who made
// the change.
func (s *Store) OutboxEntryByID(ctx context.Context, id int64) (OutboxEntry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var e OutboxEntry
	err := s.db.NewSelect().Model(&e).ColumnExpr("outbox_entry.*").ColumnExpr("a.login AS user_login").
		Join("LEFT JOIN accounts AS a ON a.id = outbox_entry.user_id").Where("outbox_entry.id = ?", id).Scan(ctx)
	if isNoRows(err) {
		return e, ErrNotFound
	}
	if err != nil {
		return e, fmt.Errorf("storage: reading write-back %d: %w", id, err)
	}
	return e, nil
}

// BeginOutboxAttempt counts an attempt and stores when the next one is due
// should this one fail or never finish — before the PSA is called. An entry
// that is no longer pending is ErrConflict.
func (s *Store) BeginOutboxAttempt(ctx context.Context, id int64, retryAt time.Time) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewUpdate().Model((*OutboxEntry)(nil)).
			Set("attempts = attempts + 1").Set("next_attempt_at = ?", retryAt.UTC()).Set("updated_at = ?", t.now).
			Where("id = ? AND state = ?", id, OutboxPending).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return ErrConflict
		}
		if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		return t.NoteOutbox(ctx, id, "attempt", fmt.Sprintf("attempt %d (next attempt, should it fail, at %s)",
			e.Attempts, retryAt.UTC().Format(time.RFC3339)))
	})
	return e, err
}

// RetryOutboxLater records a failure worth retrying: the entry stays
// pending, due no earlier than at (nor earlier than the backoff stored
// before the attempt).
func (s *Store) RetryOutboxLater(ctx context.Context, id int64, at time.Time, message string) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		var e OutboxEntry
		if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		next := e.NextAttemptAt
		if at.After(next) {
			next = at.UTC()
		}
		if _, err := t.tx.NewUpdate().Model((*OutboxEntry)(nil)).Set("next_attempt_at = ?", next).
			Set("last_error = ?", message).Set("updated_at = ?", t.now).Where("id = ?", id).Exec(ctx); err != nil {
			return err
		}
		return t.NoteOutbox(ctx, id, "retry", message+"; next attempt at "+next.Format(time.RFC3339))
	})
}

// WaitOutbox puts an entry off without counting an attempt: it waits for
// something else (a create it refers to) to reach the PSA first.
func (s *Store) WaitOutbox(ctx context.Context, id int64, until time.Time, message string) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error {
		var e OutboxEntry
		if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		if _, err := t.tx.NewUpdate().Model((*OutboxEntry)(nil)).Set("next_attempt_at = ?", until.UTC()).
			Set("last_error = ?", message).Set("updated_at = ?", t.now).Where("id = ? AND state = ?", id, OutboxPending).Exec(ctx); err != nil {
			return err
		}
		if e.LastError == message {
			return nil // said once is enough
		}
		return t.NoteOutbox(ctx, id, "wait", message)
	})
}

// CompleteOutbox marks an entry done: the PSA took it (or it became moot;
// message says which). The row's sync state follows its remaining entries.
func (t *Tx) CompleteOutbox(ctx context.Context, id int64, message string) error {
	e, err := t.finishOutbox(ctx, id, OutboxDone, "")
	if err != nil {
		return err
	}
	if err := t.NoteOutbox(ctx, id, "done", message); err != nil {
		return err
	}
	return t.refreshSyncState(ctx, mapping.Entity(e.Entity), e.RID, false)
}

// FailOutbox marks an entry failed with the PSA's message: it is not
// retried unless an operator asks (psadav outbox retry), and it stays
// listed with what the client wrote.
func (t *Tx) FailOutbox(ctx context.Context, id int64, message string) error {
	e, err := t.finishOutbox(ctx, id, OutboxFailed, message)
	if err != nil {
		return err
	}
	if err := t.NoteOutbox(ctx, id, "refused", message); err != nil {
		return err
	}
	return t.refreshSyncState(ctx, mapping.Entity(e.Entity), e.RID, true)
}

func (t *Tx) finishOutbox(ctx context.Context, id int64, state OutboxState, lastError string) (OutboxEntry, error) {
	var e OutboxEntry
	if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); err != nil {
		if isNoRows(err) {
			return e, ErrNotFound
		}
		return e, err
	}
	_, err := t.tx.NewUpdate().Model((*OutboxEntry)(nil)).Set("state = ?", state).Set("last_error = ?", lastError).
		Set("updated_at = ?", t.now).Where("id = ?", id).Exec(ctx)
	return e, err
}

// refreshSyncState sets a row's sync state from its outbox entries.
func (t *Tx) refreshSyncState(ctx context.Context, entity mapping.Entity, rid int64, failed bool) error {
	info, err := lookupEntity(entity)
	if err != nil {
		return err
	}
	open, err := t.tx.NewSelect().Model((*OutboxEntry)(nil)).
		Where("entity = ? AND rid = ? AND state IN (?, ?)", string(entity), rid, OutboxPending, OutboxHeld).Count(ctx)
	if err != nil {
		return err
	}
	state := SyncClean
	switch {
	case open > 0:
		state = SyncPushPending
	case failed:
		state = SyncPushFailed
	}
	_, err = t.tx.NewUpdate().Table(info.table).Set("sync_state = ?", state).Where("rid = ?", rid).Exec(ctx)
	t.rowChanged(sourceKey{entity, rid})
	return err
}

// RequeueOutbox puts a failed or held entry back in the queue, due now (an
// operator's psadav outbox retry).
func (s *Store) RequeueOutbox(ctx context.Context, id int64) (OutboxEntry, error) {
	var e OutboxEntry
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		res, err := t.tx.NewUpdate().Model((*OutboxEntry)(nil)).Set("state = ?", OutboxPending).
			Set("next_attempt_at = ?", t.now).Set("updated_at = ?", t.now).
			Where("id = ? AND state IN (?, ?)", id, OutboxFailed, OutboxHeld).Exec(ctx)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); isNoRows(err) {
				return ErrNotFound
			}
			return fmt.Errorf("%w: write-back %d is %s, only failed or held ones can be retried", ErrConflict, id, e.State)
		}
		if err := t.tx.NewSelect().Model(&e).Where("id = ?", id).Scan(ctx); err != nil {
			return err
		}
		if err := t.NoteOutbox(ctx, id, "requeued", "queued again by an operator"); err != nil {
			return err
		}
		return t.refreshSyncState(ctx, mapping.Entity(e.Entity), e.RID, false)
	})
	return e, err
}

// NoteOutbox adds a line to an entry's history.
func (t *Tx) NoteOutbox(ctx context.Context, id int64, kind, message string) error {
	ev := OutboxEvent{OutboxID: id, At: t.now, Kind: kind, Message: message}
	if _, err := t.tx.NewInsert().Model(&ev).Exec(ctx); err != nil {
		return fmt.Errorf("storage: noting write-back %d: %w", id, err)
	}
	return nil
}

// NoteOutbox adds a line to an entry's history.
func (s *Store) NoteOutbox(ctx context.Context, id int64, kind, message string) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error { return t.NoteOutbox(ctx, id, kind, message) })
}

// OutboxHistory lists an entry's history, oldest first.
func (s *Store) OutboxHistory(ctx context.Context, id int64) ([]OutboxEvent, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []OutboxEvent
	if err := s.db.NewSelect().Model(&out).Where("outbox_id = ?", id).Order("id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading write-back history: %w", err)
	}
	return out, nil
}

// OutboxCounts counts entries by state.
func (s *Store) OutboxCounts(ctx context.Context) (map[OutboxState]int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []struct {
		State OutboxState `bun:"state"`
		N     int         `bun:"n"`
	}
	err := s.db.NewSelect().Model((*OutboxEntry)(nil)).ColumnExpr("state, COUNT(*) AS n").Group("state").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("storage: counting write-backs: %w", err)
	}
	out := map[OutboxState]int{}
	for _, r := range rows {
		out[r.State] = r.N
	}
	return out, nil
}
