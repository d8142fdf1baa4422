-- 0010: an object remembers whether its collection's user created the item
-- on a client (a client event, a task in its creator's task list): only
-- then does a DELETE delete it in the PSA. Every other item a DELETE hides
-- for that user (write-back-mode lenient) or is refused (strict), and the
-- privileges each object reports say which (storage/access.go).
ALTER TABLE dav_objects ADD COLUMN client_owned BOOLEAN NOT NULL DEFAULT FALSE;
--bun:split
UPDATE dav_objects SET client_owned = TRUE WHERE source_entity = 'GatewaySeries';
--bun:split
UPDATE dav_objects SET client_owned = TRUE
WHERE source_entity = 'CompanyToDos' AND EXISTS (
  SELECT 1 FROM psa_todos t JOIN dav_collections c ON c.id = dav_objects.collection_id
  WHERE t.rid = dav_objects.source_rid AND t.origin = 2 AND t.origin_user_id = c.user_id AND c.name = 'tasks'
);
