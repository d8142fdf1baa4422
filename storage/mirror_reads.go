package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// MirrorScope narrows the live rows of an entity a connector compares with
// the PSA: a time window (calendar entities are mirrored only inside the
// sync window) or a set of values of one field (the children of some
// parents). Field names are the PSA's.
type MirrorScope struct {
	// StartField and EndField with From and To select rows whose
	// [start, end) overlaps [From, To); without EndField, rows whose start
	// lies in [From, To).
	StartField, EndField string
	From, To             time.Time
	// Field and Values select rows whose Field is one of Values.
	Field  string
	Values []int64
}

// LivePSAIDs lists the PSA ids of an entity's live mirror rows (tombstones
// and rows the PSA has not accepted yet left out), within scope when given.
func (s *Store) LivePSAIDs(ctx context.Context, entity mapping.Entity, scope *MirrorScope) ([]int64, error) {
	return s.liveValues(ctx, entity, "id", scope)
}

// FieldValues lists the distinct values of an entity's field (a reference
// such as ticketID) over its live mirror rows, within scope when given.
func (s *Store) FieldValues(ctx context.Context, entity mapping.Entity, field string, scope *MirrorScope) ([]int64, error) {
	return s.liveValues(ctx, entity, field, scope)
}

func (s *Store) liveValues(ctx context.Context, entity mapping.Entity, field string, scope *MirrorScope) ([]int64, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return nil, err
	}
	col, err := columnOf(entity, field)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	seen := map[int64]bool{}
	var out []int64
	read := func(values []int64) error {
		var got []int64
		q := s.db.NewSelect().Table(info.table).ColumnExpr("DISTINCT ?", bun.Ident(col)).
			Where("psa_deleted_at IS NULL AND psa_id IS NOT NULL AND ? IS NOT NULL", bun.Ident(col))
		if q, err = scope.apply(q, entity, values); err != nil {
			return err
		}
		if err := q.Scan(ctx, &got); err != nil {
			return fmt.Errorf("storage: listing %s %s: %w", entity, field, err)
		}
		for _, v := range got {
			if !seen[v] {
				seen[v] = true
				out = append(out, v)
			}
		}
		return nil
	}
	if scope == nil || scope.Field == "" {
		return out, read(nil)
	}
	for start := 0; start < len(scope.Values); start += 500 {
		if err := read(scope.Values[start:min(start+500, len(scope.Values))]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (sc *MirrorScope) apply(q *bun.SelectQuery, entity mapping.Entity, values []int64) (*bun.SelectQuery, error) {
	if sc == nil {
		return q, nil
	}
	if sc.StartField != "" {
		start, err := columnOf(entity, sc.StartField)
		if err != nil {
			return nil, err
		}
		if sc.EndField == "" {
			q = q.Where("? >= ? AND ? < ?", bun.Ident(start), sc.From.UTC(), bun.Ident(start), sc.To.UTC())
		} else {
			end, err := columnOf(entity, sc.EndField)
			if err != nil {
				return nil, err
			}
			q = q.Where("? < ? AND ? > ?", bun.Ident(start), sc.To.UTC(), bun.Ident(end), sc.From.UTC())
		}
	}
	if sc.Field != "" {
		col, err := columnOf(entity, sc.Field)
		if err != nil {
			return nil, err
		}
		q = q.Where("? IN (?)", bun.Ident(col), bun.In(values))
	}
	return q, nil
}

// Record reads a mirror row outside a write: a pointer to its mapping
// record (ID set to the reference id) and its envelope.
func (s *Store) Record(ctx context.Context, entity mapping.Entity, rid int64) (any, Envelope, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return nil, Envelope{}, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := info.newRow()
	err = s.db.NewSelect().Model(row).Where("rid = ?", rid).Scan(ctx)
	if isNoRows(err) {
		return nil, Envelope{}, ErrNotFound
	}
	if err != nil {
		return nil, Envelope{}, fmt.Errorf("storage: reading %s %d: %w", entity, rid, err)
	}
	return withRefID(row), *row.envelope(), nil
}

// PSAIDOf is the PSA id of the row a reference id names: the id itself
// when it is one, the accepted PSA id of a client-created row for a
// negative local id, and false while the PSA has not accepted that row.
func (s *Store) PSAIDOf(ctx context.Context, entity mapping.Entity, ref int64) (int64, bool, error) {
	if !mapping.LocalID(ref) {
		return ref, true, nil
	}
	_, env, err := s.Record(ctx, entity, -ref)
	if err != nil {
		return 0, false, err
	}
	if env.PSAID == nil {
		return 0, false, nil
	}
	return *env.PSAID, true, nil
}
