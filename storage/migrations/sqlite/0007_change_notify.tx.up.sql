-- 0007: PostgreSQL announces changes for the GET cache of serving
-- processes (object_cache.go); SQLite's reads are in process and need no
-- cache, so there is nothing to do here. The file keeps the two
-- migration lists in step.
SELECT 1;
