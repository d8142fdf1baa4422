-- 0012: the per-user PSA write budget counts the outbox entries a user
-- queued in the last hour on every client write that queues one
-- (README: Limits on what clients write).
CREATE INDEX outbox_user_created ON outbox (user_id, created_at);
