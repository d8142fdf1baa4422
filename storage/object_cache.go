package storage

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// On PostgreSQL a GET is a round trip to the database, and the backend's
// share of it costs as much CPU as the rest of the request. objectCache
// keeps what GetUserObject read, for as long as nothing it depends on has
// changed anywhere:
//
//   - Statement triggers (migration 0007) send a NOTIFY on
//     changeChannel for every write to dav_objects, dav_collections,
//     user_settings, org_settings and accounts, whichever process or
//     instance makes it, and PostgreSQL delivers it at commit.
//   - One connection per serving process listens; each notification
//     empties the cache. A write through this store empties it at once,
//     without waiting for its own notification.
//   - While that connection is down nothing is cached, and the cache is
//     emptied when it listens again.
//   - A read is cached only under the generation it started in: an entry
//     read before a change but stored after its notification is dropped.
//
// Another instance's GET may therefore serve a version for the moment the
// notification takes to arrive (well under a millisecond on a local
// network), never longer. SQLite needs none of this: its reads are in
// process.
//
// The same rules keep each user's collection list (UserCollections), which
// every request reads first.
type objectCache struct {
	mu          sync.Mutex
	gen         uint64
	live        bool
	entries     map[objectKey]cachedObject
	bytes       int
	collections map[int64][]Collection
}

type objectKey struct {
	user       int64
	collection string
	href       string
}

type cachedObject struct {
	c Collection
	o Object
}

// changeChannel is the NOTIFY channel of migration 0007's triggers.
const changeChannel = "psadav_changes"

// maxCachedBytes bounds the bodies held; past it the cache starts over.
const maxCachedBytes = 32 << 20

// get returns a cached object and, either way, the generation a read
// must be stored under.
func (c *objectCache) get(k objectKey) (cachedObject, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[k]
	return e, c.gen, ok && c.live
}

// put keeps a read made in generation gen, unless something changed since.
func (c *objectCache) put(k objectKey, e cachedObject, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.entries == nil || c.bytes+len(e.o.Body) > maxCachedBytes {
		c.entries = map[objectKey]cachedObject{}
		c.bytes = 0
	}
	c.entries[k] = e
	c.bytes += len(e.o.Body)
}

// userCollections returns a user's cached collection list and, either
// way, the generation a read must be stored under.
func (c *objectCache) userCollections(userID int64) ([]Collection, uint64, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	colls, ok := c.collections[userID]
	return colls, c.gen, ok && c.live
}

// putUserCollections keeps a collection list read in generation gen,
// unless something changed since.
func (c *objectCache) putUserCollections(userID int64, colls []Collection, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || gen != c.gen {
		return
	}
	if c.collections == nil || len(c.collections) >= maxCachedUsers {
		c.collections = map[int64][]Collection{}
	}
	c.collections[userID] = colls
}

// maxCachedUsers bounds the collection lists held.
const maxCachedUsers = 100_000

// reset empties the cache and says whether it may fill again.
func (c *objectCache) reset(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.live = live
	c.clear()
}

// invalidate empties the cache after a local write.
func (c *objectCache) invalidate() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.clear()
}

// clear drops every entry and every read under way; c.mu is held.
func (c *objectCache) clear() {
	c.gen++
	c.entries = nil
	c.bytes = 0
	c.collections = nil
}

// CacheObjects lets GET answers come from memory on PostgreSQL (see
// objectCache), listening for changes until ctx ends. psadav serve calls
// it; other commands have no use for it. On SQLite it does nothing.
func (s *Store) CacheObjects(ctx context.Context) {
	if s.dialect != Postgres || s.pgURL == "" {
		return
	}
	s.objects = &objectCache{}
	go s.listenForChanges(ctx)
}

// listenForChanges keeps one connection listening on changeChannel and
// empties the cache on every notification, reconnecting with backoff.
func (s *Store) listenForChanges(ctx context.Context) {
	cache := s.objects
	defer cache.reset(false)
	wait := time.Second
	for ctx.Err() == nil {
		err := s.listenOnce(ctx, cache, func() { wait = time.Second })
		cache.reset(false)
		if ctx.Err() != nil {
			return
		}
		if s.log != nil {
			s.log.Warn("object cache off: lost the change notifications; reconnecting", "err", err, "retry_in", wait)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// listenOnce listens on one connection until it fails.
func (s *Store) listenOnce(ctx context.Context, cache *objectCache, listening func()) error {
	conn, err := pgx.Connect(ctx, s.pgURL)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	// Anything written before LISTEN took effect was never announced.
	cache.reset(true)
	listening()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		cache.reset(true)
	}
}

// CacheState is what ObjectCacheState reports.
type CacheState struct {
	Live    bool // filling: on, and its change listener connected
	Objects int  // objects held
	Users   int  // users whose collection list is held
}

// ObjectCacheState reports the state of the GET cache.
func (s *Store) ObjectCacheState() CacheState {
	if s.objects == nil {
		return CacheState{}
	}
	s.objects.mu.Lock()
	defer s.objects.mu.Unlock()
	return CacheState{Live: s.objects.live, Objects: len(s.objects.entries), Users: len(s.objects.collections)}
}
