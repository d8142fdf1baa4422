package storage

import (
	"context"
	"fmt"
	"time"
)

// AuditEntry is one change made through the web console or its API.
type AuditEntry struct {
	ID     int64     `json:"id" bun:"id"`
	At     time.Time `json:"at" bun:"at"`
	Actor  string    `json:"actor" bun:"actor"`   // a login, or "token:NAME"
	Remote string    `json:"remote" bun:"remote"` // the client's address
	Action string    `json:"action" bun:"action"` // e.g. user.add, settings.set
	Target string    `json:"target" bun:"target"` // the login, key or id changed
	Detail string    `json:"detail" bun:"detail"` // what changed, never a secret
}

// Audit records a change; At is set to now.
func (s *Store) Audit(ctx context.Context, e AuditEntry) error {
	e.At = s.now().UTC().Truncate(time.Second)
	err := s.Write(ctx, func(ctx context.Context, t *Tx) error {
		_, err := t.tx.NewRaw("INSERT INTO audit_log (at, actor, remote, action, target, detail) VALUES (?, ?, ?, ?, ?, ?)",
			e.At, truncate(e.Actor, 128), truncate(e.Remote, 64), truncate(e.Action, 64), truncate(e.Target, 128), e.Detail).Exec(ctx)
		return err
	})
	if err != nil {
		return fmt.Errorf("storage: writing the audit log: %w", err)
	}
	return nil
}

// AuditLog returns up to limit entries older than beforeID (0: the
// newest), newest first.
func (s *Store) AuditLog(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	limit = min(max(limit, 1), maxPageSize)
	q := s.db.NewSelect().Table("audit_log").Column("id", "at", "actor", "remote", "action", "target", "detail").
		Order("id DESC").Limit(int64(limit))
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	var out []AuditEntry
	if err := q.Scan(ctx, &out); err != nil {
		return nil, fmt.Errorf("storage: reading the audit log: %w", err)
	}
	return out, nil
}

// truncate cuts s to at most n bytes on a character boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n]
}
