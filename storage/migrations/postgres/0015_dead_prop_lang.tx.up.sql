-- 0015: a dead property keeps the xml:lang in scope when a client set it
-- (RFC 4918 §4.3: the server must preserve it and return it with the
-- property); '' when none was in scope.
ALTER TABLE dav_props ADD COLUMN lang TEXT NOT NULL DEFAULT '';
