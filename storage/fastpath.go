package storage

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/uptrace/bun/schema"

	"github.com/psadav/psadav/mapping"
)

// Bulk writes (an import, a connector's pull) insert and look up mirror
// rows by the tens of thousands. bun writes every value into the SQL text,
// which SQLite then parses for each row; here the two statements such a
// write repeats are prepared once per transaction and run with bound
// values.

// mirrorSQL is the text of the two statements of one mirror table.
type mirrorSQL struct {
	insert, lookup string
	fields         []*schema.Field // the insert's columns, in order
}

// mirrorStmts are those statements prepared in one transaction (on SQLite
// the writer has a single connection, which the transaction holds).
type mirrorStmts struct {
	insert, lookup *sql.Stmt
	fields         []*schema.Field
}

func (s *Store) mirrorSQL(info *entityInfo) *mirrorSQL {
	s.stmts.mu.Lock()
	defer s.stmts.mu.Unlock()
	if s.stmts.mirror == nil {
		s.stmts.mirror = map[mapping.Entity]*mirrorSQL{}
	}
	if m := s.stmts.mirror[info.entity]; m != nil {
		return m
	}
	table := s.wdb.Table(reflect.TypeOf(info.newRow()).Elem())
	m := &mirrorSQL{}
	var cols, marks []string
	for _, f := range table.Fields {
		if f.Name == "rid" {
			continue
		}
		m.fields = append(m.fields, f)
		cols = append(cols, string(f.SQLName))
		marks = append(marks, "?")
	}
	m.insert = s.rebind(fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s) RETURNING rid", info.table, strings.Join(cols, ", "), strings.Join(marks, ", ")))
	m.lookup = s.rebind("SELECT rid, content_hash, psa_deleted_at FROM " + info.table + " WHERE psa_id = ?")
	s.stmts.mirror[info.entity] = m
	return m
}

func (t *Tx) mirrorStmts(ctx context.Context, info *entityInfo) (*mirrorStmts, error) {
	if ms := t.stmts[info.entity]; ms != nil {
		return ms, nil
	}
	m := t.s.mirrorSQL(info)
	ms := &mirrorStmts{fields: m.fields}
	var err error
	if ms.insert, err = t.tx.PrepareContext(ctx, m.insert); err != nil {
		return nil, fmt.Errorf("storage: preparing insert into %s: %w", info.table, err)
	}
	if ms.lookup, err = t.tx.PrepareContext(ctx, m.lookup); err != nil {
		return nil, fmt.Errorf("storage: preparing lookup in %s: %w", info.table, err)
	}
	if t.stmts == nil {
		t.stmts = map[mapping.Entity]*mirrorStmts{}
	}
	t.stmts[info.entity] = ms
	return ms, nil
}

// rowState is what an upsert needs to know of an existing row.
type rowState struct {
	rid       int64
	hash      string
	deletedAt *time.Time
}

// lookupState finds the row a PSA id names, nil when none.
func (t *Tx) lookupState(ctx context.Context, info *entityInfo, psaID int64) (*rowState, error) {
	ms, err := t.mirrorStmts(ctx, info)
	if err != nil {
		return nil, err
	}
	var st rowState
	var deleted sql.NullTime
	err = ms.lookup.QueryRowContext(ctx, psaID).Scan(&st.rid, &st.hash, &deleted)
	if isNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("storage: looking up %s %d: %w", info.entity, psaID, err)
	}
	if deleted.Valid {
		st.deletedAt = &deleted.Time
	}
	return &st, nil
}

// insertRow inserts a mirror row with bound values and sets its rid.
func (t *Tx) insertRow(ctx context.Context, info *entityInfo, row mirrorRow) error {
	ms, err := t.mirrorStmts(ctx, info)
	if err != nil {
		return err
	}
	strct := reflect.ValueOf(row).Elem()
	args := make([]any, len(ms.fields))
	for i, f := range ms.fields {
		args[i] = t.s.sqlValue(f.Value(strct))
	}
	env := row.envelope()
	if err := ms.insert.QueryRowContext(ctx, args...).Scan(&env.RID); err != nil {
		return fmt.Errorf("storage: inserting %s: %w", info.entity, err)
	}
	return nil
}

// sqlValue turns a field value into a driver value the way bun would
// write it: nil for nil pointers, times in the fixed UTC text format on
// SQLite (so comparisons in SQL order correctly), plain kinds otherwise.
func (s *Store) sqlValue(v reflect.Value) any {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	switch x := v.Interface().(type) {
	case time.Time:
		if s.dialect == SQLite {
			return x.UTC().Format("2006-01-02 15:04:05.999999-07:00")
		}
		return x.UTC()
	case []byte:
		return x
	}
	switch v.Kind() {
	case reflect.Bool:
		return v.Bool()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return v.Int()
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return int64(v.Uint())
	case reflect.Float32, reflect.Float64:
		return v.Float()
	case reflect.String:
		return v.String()
	}
	return v.Interface()
}
