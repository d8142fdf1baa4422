package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"
)

// WebhookEvent is one webhook delivery from the PSA: a hint that a record
// changed. The PSA may deliver an event more than once; GUID and sequence
// number identify it (docs/autotask.md A16).
type WebhookEvent struct {
	bun.BaseModel  `bun:"table:psa_webhook_events"`
	GUID           string     `bun:"webhook_guid,pk"`
	SequenceNumber int64      `bun:"sequence_number,pk"`
	Entity         string     `bun:"entity,notnull"`
	PSAID          int64      `bun:"psa_id,notnull"`
	Action         string     `bun:"action,notnull"`
	PersonID       *int64     `bun:"person_id"`
	EventTime      *time.Time `bun:"event_time"`
	ReceivedAt     time.Time  `bun:"received_at,notnull"`
	ProcessedAt    *time.Time `bun:"processed_at"`
	Attempts       int        `bun:"attempts,notnull"`
	LastError      string     `bun:"last_error,notnull"`
}

// RecordWebhookEvent stores an event unless it was seen before; it reports
// whether the event is new.
func (s *Store) RecordWebhookEvent(ctx context.Context, ev WebhookEvent) (bool, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	ev.ReceivedAt = s.now().UTC()
	ev.ProcessedAt, ev.Attempts, ev.LastError = nil, 0, ""
	if ev.EventTime != nil {
		u := ev.EventTime.UTC()
		ev.EventTime = &u
	}
	res, err := s.wdb.NewInsert().Model(&ev).On("CONFLICT (webhook_guid, sequence_number) DO NOTHING").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("storage: recording webhook event: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("storage: recording webhook event: %w", err)
	}
	return n == 1, nil
}

// PendingWebhookEvents lists events not processed yet, oldest first, that
// have failed fewer than maxAttempts times.
func (s *Store) PendingWebhookEvents(ctx context.Context, maxAttempts, limit int) ([]WebhookEvent, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []WebhookEvent
	err := s.db.NewSelect().Model(&out).Where("processed_at IS NULL AND attempts < ?", maxAttempts).
		Order("received_at", "webhook_guid", "sequence_number").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("storage: reading webhook events: %w", err)
	}
	return out, nil
}

// FinishWebhookEvent records the outcome of processing an event: processed
// when errMsg is empty, another failed attempt otherwise.
func (s *Store) FinishWebhookEvent(ctx context.Context, guid string, seq int64, errMsg string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	q := s.wdb.NewUpdate().Model((*WebhookEvent)(nil)).Where("webhook_guid = ? AND sequence_number = ?", guid, seq)
	if errMsg == "" {
		q = q.Set("processed_at = ?", s.now().UTC()).Set("last_error = ''")
	} else {
		q = q.Set("attempts = attempts + 1").Set("last_error = ?", errMsg)
	}
	if _, err := q.Exec(ctx); err != nil {
		return fmt.Errorf("storage: finishing webhook event: %w", err)
	}
	return nil
}

// WebhookEventCounts counts the events received, processed, and failing.
func (s *Store) WebhookEventCounts(ctx context.Context) (received, processed, failing int, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var row struct {
		Received  int `bun:"received"`
		Processed int `bun:"processed"`
		Failing   int `bun:"failing"`
	}
	err = s.db.NewSelect().Model((*WebhookEvent)(nil)).
		ColumnExpr("COUNT(*) AS received").
		ColumnExpr("COALESCE(SUM(CASE WHEN processed_at IS NOT NULL THEN 1 ELSE 0 END), 0) AS processed").
		ColumnExpr("COALESCE(SUM(CASE WHEN processed_at IS NULL AND attempts > 0 THEN 1 ELSE 0 END), 0) AS failing").
		Scan(ctx, &row)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("storage: counting webhook events: %w", err)
	}
	return row.Received, row.Processed, row.Failing, nil
}

// PurgeWebhookEvents forgets processed events received before the cutoff:
// the PSA redelivers for minutes, not days.
func (s *Store) PurgeWebhookEvents(ctx context.Context, before time.Time) (int, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	res, err := s.wdb.NewDelete().Model((*WebhookEvent)(nil)).
		Where("processed_at IS NOT NULL AND received_at < ?", before.UTC()).Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("storage: purging webhook events: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}
