-- 0003: calendar. A client-created event (single or recurring) is one
-- gateway_series row holding the client's object; each of its occurrences
-- inside the sync window is a PSA appointment linked to it through
-- gateway_series_links (psa-model §5). calendar_window remembers the sync
-- window's edges as of the last time they were applied.

CREATE TABLE gateway_series (
  rid BIGSERIAL PRIMARY KEY,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 2,
  origin_user_id BIGINT,
  client_uid VARCHAR(255) NOT NULL DEFAULT '',
  psa_stamp TIMESTAMP,
  content_hash VARCHAR(64) NOT NULL DEFAULT '',
  row_version BIGINT NOT NULL DEFAULT 1,
  change_seq BIGINT NOT NULL DEFAULT 0,
  sync_state SMALLINT NOT NULL DEFAULT 0,
  psa_deleted_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  fetched_at TIMESTAMP NOT NULL,
  raw JSONB NOT NULL DEFAULT '{}',
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  href VARCHAR(255) NOT NULL,
  resource_id BIGINT NOT NULL,
  body TEXT NOT NULL
);
--bun:split
CREATE INDEX gateway_series_origin_user_id ON gateway_series (origin_user_id);
--bun:split
CREATE INDEX gateway_series_psa_deleted_at ON gateway_series (psa_deleted_at);
--bun:split
CREATE TABLE gateway_series_links (
  series_rid BIGINT NOT NULL,
  recurrence_id BIGINT NOT NULL,
  appointment_rid BIGINT NOT NULL UNIQUE,
  PRIMARY KEY (series_rid, recurrence_id)
);
--bun:split
CREATE TABLE calendar_window (
  id INT PRIMARY KEY,
  window_from TIMESTAMP NOT NULL,
  window_to TIMESTAMP NOT NULL
);
