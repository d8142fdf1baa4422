-- 0004: the PSA connector's own state (psa-model §5): per-entity sync state
-- (watermarks, sweeps, the sync window), webhook events for deduplication,
-- connector status (API budget, webhook secret), and a history per outbox
-- entry of what the connector did with it.
CREATE TABLE psa_sync_state (
  entity VARCHAR(64) PRIMARY KEY,
  watermark TIMESTAMP,
  cursor_id BIGINT NOT NULL DEFAULT 0,
  full_started_at TIMESTAMP,
  last_pull_at TIMESTAMP,
  last_ok_at TIMESTAMP,
  last_full_at TIMESTAMP,
  last_sweep_at TIMESTAMP,
  sweep_gen BIGINT NOT NULL DEFAULT 0,
  window_from TIMESTAMP,
  window_to TIMESTAMP,
  pulled BIGINT NOT NULL DEFAULT 0,
  deleted BIGINT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  sweep_refused TEXT NOT NULL DEFAULT '',
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE psa_webhook_events (
  webhook_guid VARCHAR(100) NOT NULL,
  sequence_number BIGINT NOT NULL,
  entity VARCHAR(64) NOT NULL,
  psa_id BIGINT NOT NULL,
  action VARCHAR(16) NOT NULL DEFAULT '',
  person_id BIGINT,
  event_time TIMESTAMP,
  received_at TIMESTAMP NOT NULL,
  processed_at TIMESTAMP,
  attempts INT NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (webhook_guid, sequence_number)
);
--bun:split
CREATE INDEX psa_webhook_events_pending ON psa_webhook_events (processed_at, received_at);
--bun:split
CREATE TABLE psa_connector_status (
  key VARCHAR(64) PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at TIMESTAMP NOT NULL
);
--bun:split
CREATE TABLE outbox_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  outbox_id BIGINT NOT NULL,
  at TIMESTAMP NOT NULL,
  kind VARCHAR(16) NOT NULL,
  message TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX outbox_events_entry ON outbox_events (outbox_id, id);
