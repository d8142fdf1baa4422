package storage

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// OutboxOp is what a write-back asks of the PSA.
type OutboxOp int16

const (
	OpCreate OutboxOp = 1
	OpUpdate OutboxOp = 2
	OpDelete OutboxOp = 3
)

func (o OutboxOp) String() string {
	switch o {
	case OpCreate:
		return "create"
	case OpUpdate:
		return "update"
	case OpDelete:
		return "delete"
	}
	return fmt.Sprintf("op(%d)", o)
}

// OutboxState is where a write-back stands.
type OutboxState int16

const (
	OutboxPending OutboxState = 0 // waiting for its next attempt
	OutboxDone    OutboxState = 1 // the PSA accepted it
	OutboxFailed  OutboxState = 2 // the PSA refused it; LastError says why
	OutboxHeld    OutboxState = 3 // held back by an operator
)

func (s OutboxState) String() string {
	switch s {
	case OutboxPending:
		return "pending"
	case OutboxDone:
		return "done"
	case OutboxFailed:
		return "failed"
	case OutboxHeld:
		return "held"
	}
	return fmt.Sprintf("state(%d)", s)
}

// OutboxEntry is one write-back to the PSA: a queue entry with memory
// (attempts, next attempt, last error), written in the same transaction as
// the mirror change it carries.
type OutboxEntry struct {
	bun.BaseModel `bun:"table:outbox"`
	ID            int64       `bun:"id,pk,autoincrement"`
	Entity        string      `bun:"entity,notnull"`
	RID           int64       `bun:"rid,notnull"`
	Op            OutboxOp    `bun:"op,notnull"`
	FieldMask     string      `bun:"field_mask,notnull"` // comma-separated PSA field names
	Payload       string      `bun:"payload,notnull"`    // JSON object of PSA field → value
	BaseStamp     *time.Time  `bun:"base_stamp"`         // the PSA stamp the change was made against
	AsResourceID  *int64      `bun:"as_resource_id"`     // impersonate this resource
	UserID        *int64      `bun:"user_id"`            // the gateway user who made the change
	State         OutboxState `bun:"state,notnull"`
	Attempts      int         `bun:"attempts,notnull"`
	NextAttemptAt time.Time   `bun:"next_attempt_at,notnull"`
	LastError     string      `bun:"last_error,notnull"`
	CreatedAt     time.Time   `bun:"created_at,notnull"`
	UpdatedAt     time.Time   `bun:"updated_at,notnull"`
	// UserLogin is the user's login, read by Outbox ("" for none).
	UserLogin string `bun:"user_login,scanonly"`
}

// Fields lists the PSA fields the entry changes.
func (e *OutboxEntry) Fields() []string {
	if e.FieldMask == "" {
		return nil
	}
	return strings.Split(e.FieldMask, ",")
}

// Enqueue adds a write-back for a mirror row: fields maps PSA field names
// to their new values (only the changed ones for an update).
func (t *Tx) Enqueue(ctx context.Context, entity mapping.Entity, rid int64, op OutboxOp, fields map[string]any, userID, asResource *int64) (int64, error) {
	payload, err := json.Marshal(fields)
	if err != nil {
		return 0, fmt.Errorf("storage: encoding outbox payload: %w", err)
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	sortStrings(names)
	row, err := t.loadRow(ctx, entity, rid)
	if err != nil {
		return 0, err
	}
	e := OutboxEntry{Entity: string(entity), RID: rid, Op: op, FieldMask: strings.Join(names, ","), Payload: string(payload),
		BaseStamp: row.envelope().PSAStamp, AsResourceID: asResource, UserID: userID, State: OutboxPending,
		NextAttemptAt: t.now, CreatedAt: t.now, UpdatedAt: t.now}
	if _, err := t.tx.NewInsert().Model(&e).Returning("id").Exec(ctx); err != nil {
		return 0, fmt.Errorf("storage: queueing write-back: %w", err)
	}
	if userID != nil {
		if t.queuedBy == nil {
			t.queuedBy = map[int64]int{}
		}
		t.queuedBy[*userID]++
	}
	info, _ := lookupEntity(entity)
	if _, err := t.tx.NewUpdate().Table(info.table).Set("sync_state = ?", SyncPushPending).Where("rid = ?", rid).Exec(ctx); err != nil {
		return 0, err
	}
	t.rowChanged(sourceKey{entity, rid})
	return e.ID, nil
}

// OutboxFilter selects outbox entries.
type OutboxFilter struct {
	States []OutboxState // none: all
	Entity string
	RID    int64
	UserID int64 // the user who made the change (0: anyone)
	Limit  int
}

// Outbox lists write-backs, newest first, with the login of the user who
// made each change.
func (s *Store) Outbox(ctx context.Context, f OutboxFilter) ([]OutboxEntry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []OutboxEntry
	q := s.db.NewSelect().Model(&out).ColumnExpr("outbox_entry.*").ColumnExpr("a.login AS user_login").
		Join("LEFT JOIN accounts AS a ON a.id = outbox_entry.user_id").Order("outbox_entry.id DESC")
	if len(f.States) > 0 {
		q = q.Where("outbox_entry.state IN (?)", bun.In(f.States))
	}
	if f.Entity != "" {
		q = q.Where("outbox_entry.entity = ?", f.Entity)
	}
	if f.RID != 0 {
		q = q.Where("outbox_entry.rid = ?", f.RID)
	}
	if f.UserID != 0 {
		q = q.Where("outbox_entry.user_id = ?", f.UserID)
	}
	if f.Limit > 0 {
		q = q.Limit(int64(f.Limit))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading outbox: %w", err)
	}
	return out, nil
}
