package storage

import (
	"context"
	"strings"
	"testing"
	"time"
)

// The write budget's count reads the index of migration 0012, not the
// whole outbox (it runs on every client write that queues one).
func TestWriteBudgetCountUsesItsIndex(t *testing.T) {
	forEachRawStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		gen := `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000) SELECT i FROM n`
		if s.dialect == Postgres {
			gen = `SELECT generate_series(1, 20000) AS i`
		}
		_, err := s.wdb.ExecContext(ctx, `INSERT INTO outbox (entity, rid, op, user_id, state, next_attempt_at, created_at, updated_at)
			SELECT 'Appointments', i, 1, i % 200, 1, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP FROM (`+gen+`) g`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.wdb.ExecContext(ctx, "ANALYZE"); err != nil {
			t.Fatal(err)
		}
		q := s.db.NewSelect().Model((*OutboxEntry)(nil)).ColumnExpr("COUNT(*)").
			Where("user_id = ? AND created_at > ?", 7, time.Now().Add(-time.Hour)).String()
		explain := "EXPLAIN QUERY PLAN "
		if s.dialect == Postgres {
			explain = "EXPLAIN "
		}
		rows, err := s.wdb.QueryContext(ctx, explain+q)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		var plan []string
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				switch v := v.(type) {
				case string:
					plan = append(plan, v)
				case []byte:
					plan = append(plan, string(v))
				}
			}
		}
		t.Logf("%s:\n%s", s.dialect, strings.Join(plan, "\n"))
		if !strings.Contains(strings.Join(plan, "\n"), "outbox_user_created") {
			t.Fatalf("the budget's count does not use outbox_user_created")
		}
	})
}
