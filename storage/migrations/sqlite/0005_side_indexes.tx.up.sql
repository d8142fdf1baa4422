-- 0005: per-source lookups of the per-user side tables (every projection
-- of a row asks which of its users hid it or keep properties for it).
CREATE INDEX kept_props_source ON kept_props (source_entity, source_rid);
--bun:split
CREATE INDEX hidden_items_source ON hidden_items (source_entity, source_rid);
