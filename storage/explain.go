package storage

import (
	"context"
	"fmt"
	"strings"
)

// changesQuery is the range scan behind Changes, for EXPLAIN.
const changesQuery = `SELECT href, etag, deleted, change_seq FROM dav_objects
	WHERE collection_id = ? AND change_seq > ? AND change_seq <= ? ORDER BY change_seq`

// ExplainChanges returns the database's plan for the sync-collection range
// scan of a collection since a token (PostgreSQL: with actual row counts
// and buffers). It shows that a no-change sync reads no object row.
func (s *Store) ExplainChanges(ctx context.Context, c Collection, since int64) (string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var counter int64
	if err := s.db.NewSelect().Table("change_counter").Column("value").Where("id = 1").Scan(ctx, &counter); err != nil {
		return "", err
	}
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
	}
	rows, err := s.db.QueryContext(ctx, prefix+changesQuery, c.ID, since, counter)
	if err != nil {
		return "", fmt.Errorf("storage: explaining: %w", err)
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "", err
		}
		// SQLite: id, parent, notused, detail; PostgreSQL: one text column.
		lines = append(lines, fmt.Sprint(vals[len(vals)-1]))
	}
	return strings.Join(lines, "\n"), rows.Err()
}
