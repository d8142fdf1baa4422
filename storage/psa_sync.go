package storage

import (
	"context"
	"fmt"
	"time"

	"github.com/uptrace/bun"

	"github.com/psadav/psadav/mapping"
)

// PSASyncState is where a connector stands with one entity: the watermark
// of its incremental pulls, the keyset cursor of an unfinished full read,
// when it last pulled and swept, the calendar window it covers, and what
// went wrong last (docs/architecture.md, "Storage").
type PSASyncState struct {
	bun.BaseModel `bun:"table:psa_sync_state"`
	Entity        string     `bun:"entity,pk"`
	Watermark     *time.Time `bun:"watermark"` // newest change stamp seen; nil: never fully read
	CursorID      int64      `bun:"cursor_id,notnull"`
	FullStartedAt *time.Time `bun:"full_started_at"` // an unfinished full read began then
	LastPullAt    *time.Time `bun:"last_pull_at"`
	LastOKAt      *time.Time `bun:"last_ok_at"`
	LastFullAt    *time.Time `bun:"last_full_at"`
	LastSweepAt   *time.Time `bun:"last_sweep_at"`
	SweepGen      int64      `bun:"sweep_gen,notnull"`
	WindowFrom    *time.Time `bun:"window_from"`
	WindowTo      *time.Time `bun:"window_to"`
	Pulled        int64      `bun:"pulled,notnull"`  // records read in total
	Deleted       int64      `bun:"deleted,notnull"` // records found deleted in total
	LastError     string     `bun:"last_error,notnull"`
	SweepRefused  string     `bun:"sweep_refused,notnull"` // the mass-deletion guard's report, "" when fine
	UpdatedAt     time.Time  `bun:"updated_at,notnull"`
}

// SyncStates lists the sync state of every entity a connector has touched.
func (s *Store) SyncStates(ctx context.Context) ([]PSASyncState, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var out []PSASyncState
	if err := s.db.NewSelect().Model(&out).Order("entity").Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading sync state: %w", err)
	}
	return out, nil
}

// SyncState reads one entity's sync state; a fresh one when there is none.
func (s *Store) SyncState(ctx context.Context, entity mapping.Entity) (PSASyncState, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	st := PSASyncState{Entity: string(entity)}
	err := s.db.NewSelect().Model(&st).WherePK().Scan(ctx)
	if err != nil && !isNoRows(err) {
		return st, fmt.Errorf("storage: reading sync state of %s: %w", entity, err)
	}
	return st, nil
}

// SaveSyncState stores an entity's sync state.
func (s *Store) SaveSyncState(ctx context.Context, st PSASyncState) error {
	return s.Write(ctx, func(ctx context.Context, t *Tx) error { return t.SaveSyncState(ctx, st) })
}

// SaveSyncState stores an entity's sync state in the transaction that
// writes the records it describes, so a watermark never runs ahead of the
// data.
func (t *Tx) SaveSyncState(ctx context.Context, st PSASyncState) error {
	st.UpdatedAt = t.now
	_, err := t.tx.NewInsert().Model(&st).On("CONFLICT (entity) DO UPDATE").
		Set("watermark = EXCLUDED.watermark").Set("cursor_id = EXCLUDED.cursor_id").
		Set("full_started_at = EXCLUDED.full_started_at").Set("last_pull_at = EXCLUDED.last_pull_at").
		Set("last_ok_at = EXCLUDED.last_ok_at").Set("last_full_at = EXCLUDED.last_full_at").
		Set("last_sweep_at = EXCLUDED.last_sweep_at").Set("sweep_gen = EXCLUDED.sweep_gen").
		Set("window_from = EXCLUDED.window_from").Set("window_to = EXCLUDED.window_to").
		Set("pulled = EXCLUDED.pulled").Set("deleted = EXCLUDED.deleted").
		Set("last_error = EXCLUDED.last_error").Set("sweep_refused = EXCLUDED.sweep_refused").
		Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("storage: saving sync state of %s: %w", st.Entity, err)
	}
	return nil
}

type connectorStatusRow struct {
	bun.BaseModel `bun:"table:psa_connector_status"`
	Key           string    `bun:"key,pk"`
	Value         string    `bun:"value,notnull"`
	UpdatedAt     time.Time `bun:"updated_at,notnull"`
}

// StatusValue is one connector status entry.
type StatusValue struct {
	Value     string
	UpdatedAt time.Time
}

// SetConnectorStatus stores a connector status value (the API budget in
// use, the webhook secret, …) that every instance and the CLI can read.
func (s *Store) SetConnectorStatus(ctx context.Context, key, value string) error {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	row := connectorStatusRow{Key: key, Value: value, UpdatedAt: s.now().UTC()}
	_, err := s.wdb.NewInsert().Model(&row).On("CONFLICT (key) DO UPDATE").
		Set("value = EXCLUDED.value").Set("updated_at = EXCLUDED.updated_at").Exec(ctx)
	if err != nil {
		return fmt.Errorf("storage: saving connector status %s: %w", key, err)
	}
	return nil
}

// ConnectorStatus reads every connector status value by key.
func (s *Store) ConnectorStatus(ctx context.Context) (map[string]StatusValue, error) {
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []connectorStatusRow
	if err := s.db.NewSelect().Model(&rows).Scan(ctx); err != nil {
		return nil, fmt.Errorf("storage: reading connector status: %w", err)
	}
	out := make(map[string]StatusValue, len(rows))
	for _, r := range rows {
		out[r.Key] = StatusValue{Value: r.Value, UpdatedAt: r.UpdatedAt}
	}
	return out, nil
}
