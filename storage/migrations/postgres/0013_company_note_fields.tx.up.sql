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
   SET name = LEFT(raw->>'name', 250), note = raw->>'note'
 WHERE name = '' AND note = '' AND jsonb_typeof(raw) = 'object'
   AND jsonb_typeof(raw->'name') = 'string' AND jsonb_typeof(raw->'note') = 'string';
--bun:split
DELETE FROM psa_sync_state WHERE entity = 'CompanyNotes';
