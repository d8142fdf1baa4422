-- 0007: every write to what a GET reads announces itself on the channel
-- psadav_changes (delivered at commit, once per transaction), so each
-- serving process can keep GET answers in memory and drop them when
-- anything changed, whichever process or instance wrote (object_cache.go).
CREATE FUNCTION psadav_notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('psadav_changes', '');
	RETURN NULL;
END
$$;
--bun:split
CREATE TRIGGER dav_objects_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dav_objects
	FOR EACH STATEMENT EXECUTE FUNCTION psadav_notify_change();
--bun:split
CREATE TRIGGER dav_collections_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON dav_collections
	FOR EACH STATEMENT EXECUTE FUNCTION psadav_notify_change();
--bun:split
CREATE TRIGGER user_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON user_settings
	FOR EACH STATEMENT EXECUTE FUNCTION psadav_notify_change();
--bun:split
CREATE TRIGGER org_settings_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON org_settings
	FOR EACH STATEMENT EXECUTE FUNCTION psadav_notify_change();
