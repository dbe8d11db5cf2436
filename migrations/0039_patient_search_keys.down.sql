BEGIN;
CREATE INDEX IF NOT EXISTS idx_patientsearch_words ON core_patientsearch USING gin (words);
CREATE INDEX IF NOT EXISTS idx_nameword_prefix ON core_nameword (word text_pattern_ops);
DROP INDEX IF EXISTS idx_patientsearch_keys;
DROP FUNCTION IF EXISTS chelal_search_keys(text[]);
COMMIT;
