package syncer

import (
	"context"
	"time"

	"github.com/psadav/psadav/mapping"
	"github.com/psadav/psadav/storage"
)

// What the syncer needs of storage, declared here (the consumer owns the
// interface); *storage.Store is the one implementation. Writes to the mirror
// go through Write's transaction.

// Store is what the engine reads and writes.
type Store interface {
	Write(ctx context.Context, fn func(ctx context.Context, tx *storage.Tx) error) error
	OrgSettings(ctx context.Context) (storage.OrgSettings, error)

	// the mirror as the PSA has it
	SyncState(ctx context.Context, entity mapping.Entity) (storage.PSASyncState, error)
	SaveSyncState(ctx context.Context, st storage.PSASyncState) error
	LivePSAIDs(ctx context.Context, entity mapping.Entity, scope *storage.MirrorScope) ([]int64, error)
	FieldValues(ctx context.Context, entity mapping.Entity, field string, scope *storage.MirrorScope) ([]int64, error)
	PSAIDOf(ctx context.Context, entity mapping.Entity, ref int64) (int64, bool, error)
	Record(ctx context.Context, entity mapping.Entity, rid int64) (any, storage.Envelope, error)

	// the outbox
	DueOutbox(ctx context.Context, now time.Time, limit int) ([]storage.OutboxEntry, error)
	NextOutboxDue(ctx context.Context) (time.Time, bool, error)
	OutboxEntryByID(ctx context.Context, id int64) (storage.OutboxEntry, error)
	BeginOutboxAttempt(ctx context.Context, id int64, retryAt time.Time) (storage.OutboxEntry, error)
	RetryOutboxLater(ctx context.Context, id int64, at time.Time, message string) error
	WaitOutbox(ctx context.Context, id int64, until time.Time, message string) error

	// webhook events and leadership
	PendingWebhookEvents(ctx context.Context, maxAttempts, limit int) ([]storage.WebhookEvent, error)
	FinishWebhookEvent(ctx context.Context, guid string, seq int64, errMsg string) error
	TryLead(ctx context.Context, name string, checkEvery time.Duration) (*storage.Leadership, error)
	SetConnectorStatus(ctx context.Context, key, value string) error
}

// HookStore is what a webhook delivery needs: recording the event once,
// and the outbox and mirror to tell psadav's own echoes.
type HookStore interface {
	RecordWebhookEvent(ctx context.Context, ev storage.WebhookEvent) (bool, error)
	FinishWebhookEvent(ctx context.Context, guid string, seq int64, errMsg string) error
	SetConnectorStatus(ctx context.Context, key, value string) error
	Outbox(ctx context.Context, f storage.OutboxFilter) ([]storage.OutboxEntry, error)
	Record(ctx context.Context, entity mapping.Entity, rid int64) (any, storage.Envelope, error)
}

// StatusStore is what the status report and the metrics read.
type StatusStore interface {
	SyncStates(ctx context.Context) ([]storage.PSASyncState, error)
	ConnectorStatus(ctx context.Context) (map[string]storage.StatusValue, error)
	OutboxCounts(ctx context.Context) (map[storage.OutboxState]int, error)
	WebhookEventCounts(ctx context.Context) (received, processed, failing int, err error)
	OldestPendingWriteBack(ctx context.Context) (at time.Time, ok bool, err error)
}

var (
	_ Store       = (*storage.Store)(nil)
	_ HookStore   = (*storage.Store)(nil)
	_ StatusStore = (*storage.Store)(nil)
)
