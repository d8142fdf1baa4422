-- 0016: the web console and its API (README: Administration). An account
-- may be an admin (console and API only; DAV access is the same); app
-- passwords and API tokens are long random secrets stored only as a keyed
-- hash (HMAC-SHA256 under the server key in server_secrets), so checking
-- one is an index lookup, not a bcrypt round; browser sessions are stored
-- by hash too, so any instance behind a load balancer knows them; the
-- audit log records every change made through the console or the API.
ALTER TABLE accounts ADD COLUMN is_admin BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
CREATE TABLE server_secrets (
  name VARCHAR(64) PRIMARY KEY,
  value VARCHAR(255) NOT NULL
);
--bun:split
CREATE TABLE app_passwords (
  id BIGSERIAL PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  name VARCHAR(64) NOT NULL,
  secret_hash VARCHAR(64) NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP,
  last_used_from VARCHAR(64) NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX app_passwords_user ON app_passwords (user_id);
--bun:split
CREATE TABLE api_tokens (
  id BIGSERIAL PRIMARY KEY,
  name VARCHAR(64) NOT NULL UNIQUE,
  secret_hash VARCHAR(64) NOT NULL UNIQUE,
  created_at TIMESTAMP NOT NULL,
  last_used_at TIMESTAMP
);
--bun:split
CREATE TABLE web_sessions (
  secret_hash VARCHAR(64) PRIMARY KEY,
  user_id BIGINT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  csrf VARCHAR(64) NOT NULL,
  created_at TIMESTAMP NOT NULL,
  expires_at TIMESTAMP NOT NULL
);
--bun:split
CREATE INDEX web_sessions_user ON web_sessions (user_id);
--bun:split
CREATE TABLE audit_log (
  id BIGSERIAL PRIMARY KEY,
  at TIMESTAMP NOT NULL,
  actor VARCHAR(128) NOT NULL,
  remote VARCHAR(64) NOT NULL DEFAULT '',
  action VARCHAR(64) NOT NULL,
  target VARCHAR(128) NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT ''
);
--bun:split
CREATE INDEX audit_log_at ON audit_log (at);
