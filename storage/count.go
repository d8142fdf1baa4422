package storage

import (
	"context"
	"fmt"

	"github.com/psadav/psadav/mapping"
)

// CountPSA is the number of live mirror rows of an entity (tombstones not
// counted): for import reports and for "is the mirror still empty" checks.
func (s *Store) CountPSA(ctx context.Context, entity mapping.Entity) (int, error) {
	info, err := lookupEntity(entity)
	if err != nil {
		return 0, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	n, err := s.db.NewSelect().Table(info.table).Where("psa_deleted_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("storage: counting %s: %w", entity, err)
	}
	return int(n), nil
}
