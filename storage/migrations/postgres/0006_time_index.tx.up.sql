-- 0006: the time-range index covers both bounds and only live objects, so
-- a calendar-query reads the rows it answers with and no others.
DROP INDEX dav_objects_time;
--bun:split
CREATE INDEX dav_objects_time ON dav_objects (collection_id, time_start, time_end) WHERE NOT deleted;
