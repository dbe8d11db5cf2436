BEGIN;
DROP TRIGGER IF EXISTS chelal_patient_last_visit ON core_encounter;
DROP TRIGGER IF EXISTS chelal_patient_last_visit ON core_appointment;
DROP FUNCTION IF EXISTS chelal_patient_last_visit();
ALTER TABLE core_patientsearch DROP COLUMN IF EXISTS last_visit_at;
DROP TRIGGER IF EXISTS chelal_nameword_variants ON core_nameword;
DROP FUNCTION IF EXISTS chelal_nameword_variants();
DROP TABLE IF EXISTS core_namewordvariant;
DROP FUNCTION IF EXISTS chelal_word_variants(text);
DROP INDEX IF EXISTS idx_nameword_prefix;
-- The words of 0013 (apostrophes and hyphens as word breaks only).
CREATE OR REPLACE FUNCTION chelal_name_words(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT w ORDER BY w), '{}')
      FROM pg_catalog.regexp_split_to_table(name, '[^[:alnum:]]+') AS w
     WHERE w <> ''
$$;
UPDATE core_patientsearch SET words = chelal_name_words(name) WHERE name ~ '[-''’ʼ`]';
COMMIT;
