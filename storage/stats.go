package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PoolStats are the connection pools' statistics by name: "read" and
// "write" on SQLite (eight readers, one writer), "pool" on PostgreSQL.
func (s *Store) PoolStats() map[string]sql.DBStats {
	if s.wdb == s.db {
		return map[string]sql.DBStats{"pool": s.db.Stats()}
	}
	return map[string]sql.DBStats{"read": s.db.Stats(), "write": s.wdb.Stats()}
}

// CacheCounts reports how many GETs the in-memory object cache answered
// and how many it had to read (both 0 while it is off: SQLite, or
// CacheObjects not called).
func (s *Store) CacheCounts() (hits, misses int64) {
	return s.cacheHits.Load(), s.cacheMisses.Load()
}

// OldestPendingWriteBack reports when the oldest write-back still waiting
// to be sent (pending) was queued; ok is false when none waits.
func (s *Store) OldestPendingWriteBack(ctx context.Context) (at time.Time, ok bool, err error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []time.Time
	err = s.db.NewSelect().Model((*OutboxEntry)(nil)).Column("created_at").
		Where("state = ?", OutboxPending).Order("created_at").Limit(1).Scan(ctx, &rows)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("storage: reading the outbox: %w", err)
	}
	if len(rows) == 0 {
		return time.Time{}, false, nil
	}
	return rows[0], true, nil
}

// Unchanged reports whether the scan's collection has no member changed
// since the token: the answer of a no-change sync (for the metrics).
func (c *ChangeScan) Unchanged() bool { return c.unchanged }
