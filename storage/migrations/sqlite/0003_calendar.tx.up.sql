-- 0003: calendar. A client-created event (single or recurring) is one
-- gateway_series row holding the client's object; each of its occurrences
-- inside the sync window is a PSA appointment linked to it through
-- gateway_series_links (psa-model §5). calendar_window remembers the sync
-- window's edges as of the last time they were applied.

CREATE TABLE gateway_series (
  rid INTEGER PRIMARY KEY AUTOINCREMENT,
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
  raw TEXT NOT NULL DEFAULT '{}',
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

--bun:split
-- SQLite gives NUMERIC columns integer storage for whole numbers (2.0 is
-- stored as 2), which cannot be read back into a float: the service call
-- and time-off number columns become REAL (PostgreSQL keeps NUMERIC).
--bun:split
CREATE TABLE psa_service_calls_real (
  rid INTEGER PRIMARY KEY AUTOINCREMENT,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
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
  raw TEXT NOT NULL DEFAULT '{}',
  company_id BIGINT NOT NULL, company_location_id BIGINT, description VARCHAR(2000) NOT NULL DEFAULT '',
  start_date_time TIMESTAMP NOT NULL, end_date_time TIMESTAMP NOT NULL, duration REAL, status INT, is_complete SMALLINT NOT NULL DEFAULT 0,
  canceled_by_resource_id BIGINT, canceled_date_time TIMESTAMP, cancelation_notice_hours REAL, creator_resource_id BIGINT,
  create_date_time TIMESTAMP, last_modified_date_time TIMESTAMP
);
--bun:split
INSERT INTO psa_service_calls_real SELECT * FROM psa_service_calls;
--bun:split
DROP TABLE psa_service_calls;
--bun:split
ALTER TABLE psa_service_calls_real RENAME TO psa_service_calls;
--bun:split
CREATE INDEX psa_service_calls_change_seq ON psa_service_calls (change_seq);
--bun:split
CREATE INDEX psa_service_calls_psa_stamp ON psa_service_calls (psa_stamp);
--bun:split
CREATE INDEX psa_service_calls_psa_deleted_at ON psa_service_calls (psa_deleted_at);
--bun:split
CREATE INDEX psa_service_calls_start_date_time ON psa_service_calls (start_date_time);
--bun:split
CREATE INDEX psa_service_calls_end_date_time ON psa_service_calls (end_date_time);
--bun:split
CREATE INDEX psa_service_calls_company_id ON psa_service_calls (company_id);
--bun:split
CREATE INDEX psa_service_calls_company_location_id ON psa_service_calls (company_location_id);
--bun:split
CREATE TABLE psa_time_off_requests_real (
  rid INTEGER PRIMARY KEY AUTOINCREMENT,
  psa_id BIGINT UNIQUE,
  origin SMALLINT NOT NULL DEFAULT 1,
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
  raw TEXT NOT NULL DEFAULT '{}',
  resource_id BIGINT NOT NULL, request_date TIMESTAMP NOT NULL, start_time TIMESTAMP, end_time TIMESTAMP,
  hours REAL NOT NULL DEFAULT 0, status INT NOT NULL, time_off_request_type INT, reason TEXT NOT NULL DEFAULT '', reject_reason TEXT NOT NULL DEFAULT '',
  last_approved_level INT, approved_date_time TIMESTAMP, create_date_time TIMESTAMP, last_modified_date_time TIMESTAMP
);
--bun:split
INSERT INTO psa_time_off_requests_real SELECT * FROM psa_time_off_requests;
--bun:split
DROP TABLE psa_time_off_requests;
--bun:split
ALTER TABLE psa_time_off_requests_real RENAME TO psa_time_off_requests;
--bun:split
CREATE INDEX psa_time_off_requests_change_seq ON psa_time_off_requests (change_seq);
--bun:split
CREATE INDEX psa_time_off_requests_psa_stamp ON psa_time_off_requests (psa_stamp);
--bun:split
CREATE INDEX psa_time_off_requests_psa_deleted_at ON psa_time_off_requests (psa_deleted_at);
--bun:split
CREATE INDEX psa_time_off_requests_resource_id_request_date ON psa_time_off_requests (resource_id, request_date);
