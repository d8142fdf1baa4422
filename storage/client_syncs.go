package storage

import (
	"context"
	"sync"
	"time"
)

// clientSyncInterval is how often a collection's last sync is written: a
// phone syncs every few minutes, the console shows minutes.
const clientSyncInterval = time.Minute

// clientSyncNotes remembers when each collection's sync was last written,
// so most syncs write nothing.
type clientSyncNotes struct {
	mu      sync.Mutex
	written map[int64]time.Time
}

// maxClientSyncNotes bounds the memory; past it the notes start over (a
// few extra writes).
const maxClientSyncNotes = 100_000

// due says whether collection id's sync should be written at now, and
// marks it written.
func (n *clientSyncNotes) due(id int64, now time.Time) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	if last, ok := n.written[id]; ok && now.Sub(last) < clientSyncInterval {
		return false
	}
	if n.written == nil || len(n.written) >= maxClientSyncNotes {
		n.written = map[int64]time.Time{}
	}
	n.written[id] = now
	return true
}

// NoteClientSync records that a client (its family, as the request log
// names it) synced a collection, for the console's "last sync". It writes
// at most once a minute per collection and only logs a failure: a sync
// never fails for its bookkeeping.
func (s *Store) NoteClientSync(ctx context.Context, collectionID int64, client string) {
	now := s.now()
	if !s.clientSyncs.due(collectionID, now) {
		return
	}
	ctx, cancel := s.bound(ctx)
	defer cancel()
	if len(client) > 64 {
		client = client[:64]
	}
	if _, err := s.wdb.NewRaw(`INSERT INTO client_syncs (collection_id, synced_at, client) VALUES (?, ?, ?)
		ON CONFLICT (collection_id) DO UPDATE SET synced_at = EXCLUDED.synced_at, client = EXCLUDED.client`,
		collectionID, now.UTC(), client).Exec(ctx); err != nil {
		s.log.Warn("recording a client's sync", "collection", collectionID, "err", err)
	}
}
