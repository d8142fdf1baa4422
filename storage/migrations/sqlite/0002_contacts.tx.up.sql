-- 0002: contacts written by clients.
-- pinned_items: a contact a user created or linked a card to stays in the
-- address book they wrote it to, whatever the book's scope (the mirror of
-- hidden_items). The client_uid index finds a contact by the UID a client
-- gave it (idempotent creates, re-created cards).

CREATE TABLE pinned_items (
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  source_entity VARCHAR(64) NOT NULL,
  source_rid BIGINT NOT NULL,
  pinned_at TIMESTAMP NOT NULL,
  PRIMARY KEY (collection_id, source_entity, source_rid)
);
--bun:split
CREATE INDEX pinned_items_source ON pinned_items (source_entity, source_rid);
--bun:split
CREATE INDEX psa_contacts_client_uid ON psa_contacts (client_uid);
