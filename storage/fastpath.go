package storage

import (
	"context"
	"database/sql"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/psadav/psadav/mapping"
)

// Bulk writes (an import, a connector's pull) insert and look up mirror
// rows by the tens of thousands: with prepared statements (prepared_writes.go)
// and bound values rather than bun's SQL text.

// rowState is what an upsert needs to know of an existing row.
type rowState struct {
	rid       int64
	hash      string
	deletedAt *time.Time
}

// lookupState finds the row a PSA id names, nil when none.
func (t *Tx) lookupState(ctx context.Context, info *entityInfo, psaID int64) (*rowState, error) {
	if st, ok := t.prefetched[prefetchKey{info.entity, psaID}]; ok {
		// One use only: the upsert that follows changes the row.
		delete(t.prefetched, prefetchKey{info.entity, psaID})
		return st, nil
	}
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

// prefetchKey names a PSA record whose state PrefetchStates read.
type prefetchKey struct {
	entity mapping.Entity
	psaID  int64
}

// PrefetchStates reads, a few hundred per query, the stored state of PSA
// records about to be upserted in this transaction, so that a snapshot
// import of thousands of mostly unchanged records does not ask the
// database once per record (a round trip each on PostgreSQL). Each state
// read serves the next lookup of its record only.
func (t *Tx) PrefetchStates(ctx context.Context, entity mapping.Entity, psaIDs []int64) error {
	info, err := lookupEntity(entity)
	if err != nil {
		return err
	}
	if t.prefetched == nil {
		t.prefetched = map[prefetchKey]*rowState{}
	}
	for start := 0; start < len(psaIDs); start += maxHrefBatch {
		batch := psaIDs[start:min(start+maxHrefBatch, len(psaIDs))]
		args := make([]any, len(batch))
		for i, id := range batch {
			args[i] = id
			t.prefetched[prefetchKey{entity, id}] = nil // none unless found
		}
		rows, err := t.tx.Tx.QueryContext(ctx, t.s.rebind("SELECT psa_id, rid, content_hash, psa_deleted_at FROM "+info.table+
			" WHERE psa_id IN (?"+strings.Repeat(", ?", len(batch)-1)+")"), args...)
		if err != nil {
			return fmt.Errorf("storage: looking up %s: %w", entity, err)
		}
		for rows.Next() {
			var id int64
			var st rowState
			var deleted sql.NullTime
			if err := rows.Scan(&id, &st.rid, &st.hash, &deleted); err != nil {
				rows.Close()
				return fmt.Errorf("storage: looking up %s: %w", entity, err)
			}
			if deleted.Valid {
				st.deletedAt = &deleted.Time
			}
			t.prefetched[prefetchKey{entity, id}] = &st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("storage: looking up %s: %w", entity, err)
		}
	}
	return nil
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
