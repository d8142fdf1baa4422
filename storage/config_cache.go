package storage

import (
	"sync"
)

// configCache keeps what every write transaction reads and rarely changes
// (organisation settings, the PSA schema) for as long as the configuration
// version in the change counter row stays the same: any process that
// changes accounts, settings or metadata bumps it in the same transaction.
type configCache struct {
	mu      sync.Mutex
	version int64
	m       map[string]any
}

// get returns a cached value valid for this transaction, nil otherwise.
func (c *configCache) get(t *Tx, key string) any {
	if t.accountsGen != 0 {
		return nil // this transaction changed the configuration itself
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != t.accountsVersion {
		return nil
	}
	return c.m[key]
}

func (c *configCache) put(t *Tx, key string, v any) {
	if t.accountsGen != 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.version != t.accountsVersion || c.m == nil {
		c.version, c.m = t.accountsVersion, map[string]any{}
	}
	c.m[key] = v
}

type usersCache struct {
	mu  sync.Mutex
	idx *userIndex
}

func (c *usersCache) invalidate() {
	c.mu.Lock()
	c.idx = nil
	c.mu.Unlock()
}
