-- 0013: a CompanyNote's text fields are name (128) and note (32,000), as
-- Autotask names them (docs/autotask.md A4), not title and description:
-- the columns take the PSA's names, rows the connector mirrored under the
-- wrong names get their text from the raw record, and the notes are read
-- in full once more (their content hashes change with the field names),
-- so every contact's journal is rendered again.
ALTER TABLE psa_company_notes RENAME COLUMN title TO name;
--bun:split
ALTER TABLE psa_company_notes RENAME COLUMN description TO note;
--bun:split
UPDATE psa_company_notes
   SET name = COALESCE(json_extract(raw, '$.name'), name),
       note = COALESCE(json_extract(raw, '$.note'), note)
 WHERE name = '' AND note = '' AND json_valid(raw) AND json_type(raw) = 'object'
   AND json_type(raw, '$.name') IS 'text' AND json_type(raw, '$.note') IS 'text';
--bun:split
DELETE FROM psa_sync_state WHERE entity = 'CompanyNotes';
