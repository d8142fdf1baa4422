package storage

import (
	"context"
	"fmt"
	"strings"
)

// ExplainSync returns the database's plan for the query that answers a
// sync-collection request on a user's collection since a token
// (PostgreSQL: with actual row counts and buffers). It shows that a
// no-change sync reads no object row.
func (s *Store) ExplainSync(ctx context.Context, userID int64, name string, since int64) (string, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	prefix := "EXPLAIN QUERY PLAN "
	if s.dialect == Postgres {
		prefix = "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "
	}
	rows, err := s.db.QueryContext(ctx, prefix+userSyncScanQuery, since, userID, name)
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
