package storage

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"

	"github.com/psadav/psadav/mapping"
)

// The read paths every request takes (authentication, collection lookup,
// object fetch, sync state) run as prepared statements: bun inlines
// arguments into the SQL text, so SQLite would parse every query anew — a
// third of a GET's CPU. A statement is prepared once per process and
// database/sql re-prepares it per connection as needed.

type stmtCache struct {
	mu     sync.Mutex
	m      map[string]*sql.Stmt
	entity map[mapping.Entity]*entitySQL
}

// prepared returns the prepared form of query (written with ? placeholders).
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if st, ok := s.stmts.m[query]; ok {
		return st, nil
	}
	st, err := s.db.DB.PrepareContext(ctx, s.rebind(query))
	if err != nil {
		return nil, err
	}
	if s.stmts.m == nil {
		s.stmts.m = map[string]*sql.Stmt{}
	}
	s.stmts.m[query] = st
	return st, nil
}

// rebind turns ? placeholders into PostgreSQL's $n (a dialect spot).
func (s *Store) rebind(q string) string {
	if s.dialect != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

func (c *stmtCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, st := range c.m {
		st.Close()
	}
	c.m, c.entity = nil, nil
}

// queryPrepared runs a prepared query.
func (s *Store) queryPrepared(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryContext(ctx, args...)
}

// queryRowPrepared runs a prepared single-row query.
func (s *Store) queryRowPrepared(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.QueryRowContext(ctx, args...), nil
}
