-- 0026_patient_search_complete: name search that finds every match, fast.
--
-- A typed word matches a word of a name exactly, as its beginning (typing in progress), or,
-- from 4 letters, with one typo. The earlier search kept only the dozen dictionary words most
-- similar to each typed word, so "Backup" found 12 of 25 "Backup0".."Backup24"; now every
-- dictionary word that matches takes part:
--  * exact and prefix: a B-tree on the dictionary's words (text_pattern_ops: LIKE 'moh%');
--  * one typo: a deletion neighbourhood. Two words are one typo apart when removing at most
--    one letter from each makes them equal (a letter missing, added, wrong, or two swapped).
--    core_namewordvariant holds each dictionary word under itself and under each of its
--    one-letter deletions; a typed word's own variants (at most 1 + its length) are then
--    looked up by equality, exactly, instead of by trigram similarity (which misses some
--    one-typo pairs of short words and has no complete answer).
-- Ranking adds the patient's last visit (the tie-break after how well the words match):
-- core_patientsearch.last_visit_at, kept by triggers on check-ins and encounters.
--
-- Name words: apostrophes are no longer word breaks ("Ng'ang'a" is the word "nganga", as
-- typed), and a hyphenated name is also found as one word ("otieno-were": otieno, were and
-- otienowere). Only rows whose words change are rewritten.
BEGIN;

CREATE OR REPLACE FUNCTION chelal_name_words(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT w ORDER BY w), '{}')
      FROM (SELECT pg_catalog.regexp_split_to_table(n, '[^[:alnum:]]+') AS w
              FROM (SELECT pg_catalog.regexp_replace(name, '[''’ʼ`]', '', 'g') AS n) a
            UNION ALL
            SELECT pg_catalog.replace(h, '-', '')
              FROM (SELECT pg_catalog.regexp_replace(name, '[''’ʼ`]', '', 'g') AS n) a,
                   pg_catalog.regexp_split_to_table(n, '[^[:alnum:]-]+') AS h
             WHERE pg_catalog.strpos(h, '-') > 0) x
     WHERE w <> ''
$$;

UPDATE core_patientsearch SET words = chelal_name_words(name)
 WHERE name ~ '[-''’ʼ`]' AND words IS DISTINCT FROM chelal_name_words(name);
INSERT INTO core_nameword (word) SELECT DISTINCT unnest(words) FROM core_patientsearch WHERE name ~ '[-''’ʼ`]'
ON CONFLICT DO NOTHING;

-- Prefix search on the dictionary (the primary key's collation cannot serve LIKE 'x%').
CREATE INDEX IF NOT EXISTS idx_nameword_prefix ON core_nameword (word text_pattern_ops);

-- The word and its one-letter deletions, for words of 3 letters or more (a typed word of 4
-- letters, the shortest a typo is forgiven in, is one deletion from a 3-letter word).
CREATE FUNCTION chelal_word_variants(word text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT word WHERE pg_catalog.length(word) >= 3
    UNION
    SELECT pg_catalog.left(word, k - 1) || pg_catalog.substr(word, k + 1)
      FROM pg_catalog.generate_series(1, pg_catalog.length(word)) AS k
     WHERE pg_catalog.length(word) >= 4
$$;

CREATE TABLE IF NOT EXISTS core_namewordvariant (
    variant text NOT NULL,
    -- A word of core_nameword, which only grows (no foreign key: nothing is ever deleted, and
    -- the check would cost each new word's rows a lookup).
    word    text NOT NULL,
    PRIMARY KEY (variant, word)
);
INSERT INTO core_namewordvariant (variant, word)
SELECT v, n.word FROM core_nameword n, chelal_word_variants(n.word) AS v
ON CONFLICT DO NOTHING;

CREATE OR REPLACE FUNCTION chelal_nameword_variants() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_namewordvariant (variant, word)
    SELECT v, NEW.word FROM chelal_word_variants(NEW.word) AS v
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS chelal_nameword_variants ON core_nameword;
CREATE TRIGGER chelal_nameword_variants AFTER INSERT ON core_nameword
    FOR EACH ROW EXECUTE FUNCTION chelal_nameword_variants();

-- The last visit: an arrival (check-in) or an encounter, whichever is later.
ALTER TABLE core_patientsearch ADD COLUMN IF NOT EXISTS last_visit_at timestamptz;
UPDATE core_patientsearch s SET last_visit_at = v.at
  FROM (SELECT patient_id, max(at) AS at FROM (
          SELECT patient_id, checked_in_at AS at FROM core_appointment WHERE checked_in_at IS NOT NULL
          UNION ALL
          SELECT patient_id, created_at FROM core_encounter) u
        GROUP BY patient_id) v
 WHERE s.patient_id = v.patient_id;

CREATE OR REPLACE FUNCTION chelal_patient_last_visit() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_at timestamptz;
BEGIN
    -- Two statements: NEW of one table has no field of the other.
    IF TG_TABLE_NAME = 'core_encounter' THEN
        v_at := NEW.created_at;
    ELSE
        v_at := NEW.checked_in_at;
    END IF;
    IF v_at IS NOT NULL THEN
        UPDATE core_patientsearch SET last_visit_at = v_at
         WHERE patient_id = NEW.patient_id AND (last_visit_at IS NULL OR last_visit_at < v_at);
    END IF;
    RETURN NULL;
END
$$;
DROP TRIGGER IF EXISTS chelal_patient_last_visit ON core_appointment;
CREATE TRIGGER chelal_patient_last_visit AFTER INSERT OR UPDATE OF checked_in_at ON core_appointment
    FOR EACH ROW EXECUTE FUNCTION chelal_patient_last_visit();
DROP TRIGGER IF EXISTS chelal_patient_last_visit ON core_encounter;
CREATE TRIGGER chelal_patient_last_visit AFTER INSERT ON core_encounter
    FOR EACH ROW EXECUTE FUNCTION chelal_patient_last_visit();

COMMIT;
