package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// The per-user PSA write budget (README: Limits on what clients write).
// Autotask gives a tenant 10,000 requests an hour for every integration
// together; each outbox entry costs at least one. A client write that
// queues entries is counted with the entries its user queued in the last
// hour (this write's included, on the index of migration 0012); one that
// would take the user over user-write-budget is refused whole, with the
// time at which it would fit. Writes that queue nothing (kept properties,
// hidden items) are not counted.

// budgetWindow is the span the budget counts.
const budgetWindow = time.Hour

// checkWriteBudget refuses the transaction's writes when they take the
// user over the budget.
func (t *Tx) checkWriteBudget(ctx context.Context, userID int64) error {
	queued := t.queuedBy[userID]
	if queued == 0 {
		return nil
	}
	org, err := t.orgSettings(ctx)
	if err != nil {
		return err
	}
	budget := int(org.UserWriteBudget)
	if budget <= 0 {
		return nil
	}
	since := t.now.Add(-budgetWindow)
	q := func() *bun.SelectQuery {
		return t.tx.NewSelect().Model((*OutboxEntry)(nil)).Where("user_id = ? AND created_at > ?", userID, since)
	}
	count, err := q().Count(ctx)
	n := int(count)
	if err != nil {
		return fmt.Errorf("storage: counting a user's write-backs: %w", err)
	}
	if n <= budget {
		return nil
	}
	if queued > budget {
		return &mapping.Refusal{Code: mapping.RefuseWriteBudget, Message: fmt.Sprintf(
			"this change would send %d writes to the PSA; one user may send at most %d an hour (setting user-write-budget): make it in smaller steps",
			queued, budget)}
	}
	// It fits once the n-budget oldest entries of the hour have left it
	// (this write's own are the newest).
	var at []time.Time
	if err := q().Column("created_at").Order("created_at").Offset(int64(n-budget-1)).Limit(1).Scan(ctx, &at); err != nil {
		return fmt.Errorf("storage: reading a user's write-backs: %w", err)
	}
	if len(at) == 0 {
		return fmt.Errorf("storage: %d write-backs of user %d counted, fewer read", n, userID)
	}
	wait := at[0].Add(budgetWindow).Sub(t.now)
	return &mapping.Refusal{Code: mapping.RefuseWriteBudget, RetryAfter: wait, Message: fmt.Sprintf(
		"you have sent %d writes to the PSA in the last hour; one user may send at most %d (setting user-write-budget): try again in %s",
		n-queued, budget, wait.Round(time.Second))}
}
