-- 0008: client_identities: what a client calls an object it wrote — the
-- resource name it PUT to, the UID it gave, and the properties kept for
-- it — so a card linked to a PSA contact by the duplicate rule, or a task
-- that became a PSA to-do, keeps all three through every re-render,
-- rebuild and collection toggle (RFC 6352 §5.1, RFC 4791 §4.1). A
-- collection may hold several identities of one source row (two cards of
-- one person); where it holds any, they are that row's only objects there.
-- Identical in both dialects; edit both files together.

CREATE TABLE client_identities (
  collection_id BIGINT NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,
  href VARCHAR(255) NOT NULL,
  source_entity VARCHAR(64) NOT NULL,
  source_rid BIGINT NOT NULL,
  uid VARCHAR(255) NOT NULL,
  kept TEXT NOT NULL DEFAULT '',
  updated_at TIMESTAMP NOT NULL,
  PRIMARY KEY (collection_id, href)
);
--bun:split
CREATE INDEX client_identities_source ON client_identities (source_entity, source_rid);
--bun:split
CREATE INDEX client_identities_uid ON client_identities (uid);
--bun:split
-- The objects clients wrote before this table existed become identities
-- as they are now: contacts pinned to a book (created or linked there) and
-- to-dos in their creator's task list. Their kept properties move along.
INSERT INTO client_identities (collection_id, href, source_entity, source_rid, uid, kept, updated_at)
SELECT o.collection_id, o.href, o.source_entity, o.source_rid, o.uid, COALESCE(k.data, ''), o.modified_at
FROM dav_objects o
LEFT JOIN kept_props k ON k.collection_id = o.collection_id AND k.source_entity = o.source_entity AND k.source_rid = o.source_rid
WHERE NOT o.deleted AND (
  (o.source_entity = 'Contacts' AND EXISTS (SELECT 1 FROM pinned_items p
    WHERE p.collection_id = o.collection_id AND p.source_entity = o.source_entity AND p.source_rid = o.source_rid))
  OR (o.source_entity = 'CompanyToDos' AND EXISTS (SELECT 1 FROM psa_todos r JOIN dav_collections c ON c.user_id = r.origin_user_id
    WHERE r.rid = o.source_rid AND r.origin = 2 AND c.id = o.collection_id AND c.name = 'tasks'))
);
--bun:split
DELETE FROM kept_props WHERE EXISTS (SELECT 1 FROM client_identities i
  WHERE i.collection_id = kept_props.collection_id AND i.source_entity = kept_props.source_entity AND i.source_rid = kept_props.source_rid);
