package storage

import (
	"context"
	"fmt"
	"time"
)

// CollectionSummary is one of a user's collections as the console shows it.
type CollectionSummary struct {
	Name string `json:"name"`
	// Members counts the objects a client sees (no tombstones).
	Members int `json:"members"`
	// KeptProperties counts the members whose client-only properties
	// (alarms, colours, a client's own fields) psadav keeps beside the
	// PSA's record.
	KeptProperties int `json:"kept_properties"`
	// LastChange is when a member last changed (nil: never).
	LastChange *time.Time `json:"last_change"`
	// LastSync is when a client last synced the collection (to the
	// minute; nil: never), LastSyncClient which client family it was.
	LastSync       *time.Time `json:"last_sync"`
	LastSyncClient string     `json:"last_sync_client"`
}

// CollectionSummaries lists the collections login's settings give it, in
// CollectionNames order; ErrNotFound for an unknown login.
func (s *Store) CollectionSummaries(ctx context.Context, login string) ([]CollectionSummary, error) {
	acct, err := s.Account(ctx, login)
	if err != nil {
		return nil, err
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	var rows []struct {
		Name       string     `bun:"name"`
		Members    int        `bun:"members"`
		Kept       int        `bun:"kept"`
		LastChange *time.Time `bun:"last_change"`
		LastSync   *time.Time `bun:"synced_at"`
		Client     *string    `bun:"client"`
	}
	err = s.db.NewRaw(`SELECT c.name,
		(SELECT COUNT(*) FROM dav_objects o WHERE o.collection_id = c.id AND NOT o.deleted) AS members,
		(SELECT COUNT(*) FROM kept_props k WHERE k.collection_id = c.id) AS kept,
		(SELECT MAX(o.modified_at) FROM dav_objects o WHERE o.collection_id = c.id) AS last_change,
		cs.synced_at, cs.client
		FROM dav_collections c LEFT JOIN client_syncs cs ON cs.collection_id = c.id WHERE c.user_id = ?`, acct.ID).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("storage: summarising collections: %w", err)
	}
	var out []CollectionSummary
	for _, name := range CollectionNames {
		if !acct.Settings.Has(name) {
			continue
		}
		for _, r := range rows {
			if r.Name == name {
				sum := CollectionSummary{Name: name, Members: r.Members, KeptProperties: r.Kept, LastChange: r.LastChange, LastSync: r.LastSync}
				if r.Client != nil {
					sum.LastSyncClient = *r.Client
				}
				out = append(out, sum)
			}
		}
	}
	return out, nil
}
