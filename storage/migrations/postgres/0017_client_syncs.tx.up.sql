-- 0017: when a client last synced each collection (a sync-collection report
-- or a listing of its members) and which client family it was, for the
-- console. A table of its own, outside migration 0007's triggers: a phone
-- syncing every few minutes must not flush every instance's GET cache.
CREATE TABLE client_syncs (
  collection_id BIGINT PRIMARY KEY REFERENCES dav_collections(id) ON DELETE CASCADE,
  synced_at TIMESTAMP NOT NULL,
  client VARCHAR(64) NOT NULL DEFAULT ''
);
