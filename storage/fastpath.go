package storage

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"time"
)

// Bulk writes (an import, a connector's pull) insert and look up mirror
// rows by the tens of thousands: with prepared statements (write_stmts.go)
// and bound values rather than bun's SQL text.

// rowState is what an upsert needs to know of an existing row.
type rowState struct {
	rid       int64
	hash      string
	deletedAt *time.Time
}

// lookupState finds the row a PSA id names, nil when none.
func (t *Tx) lookupState(ctx context.Context, info *entityInfo, psaID int64) (*rowState, error) {
	st0, err := t.stmt(ctx, t.s.entitySQL(info).lookup)
	if err != nil {
		return nil, err
	}
	var st rowState
	var deleted sql.NullTime
	err = st0.QueryRowContext(ctx, psaID).Scan(&st.rid, &st.hash, &deleted)
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
	e := t.s.entitySQL(info)
	ins, err := t.stmt(ctx, e.insert)
	if err != nil {
		return err
	}
	table := t.s.wdb.Table(reflect.TypeOf(row).Elem())
	strct := reflect.ValueOf(row).Elem()
	args := make([]any, len(e.fields))
	for i, name := range e.fields {
		args[i] = t.s.sqlValue(table.FieldMap[name].Value(strct))
	}
	env := row.envelope()
	if err := ins.QueryRowContext(ctx, args...).Scan(&env.RID); err != nil {
		return fmt.Errorf("storage: inserting %s: %w", info.entity, err)
	}
	return nil
}

// args turns statement arguments into driver values (see sqlValue).
func (s *Store) args(xs ...any) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		if x == nil {
			continue
		}
		out[i] = s.sqlValue(reflect.ValueOf(x))
	}
	return out
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
