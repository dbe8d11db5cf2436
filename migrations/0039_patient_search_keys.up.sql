-- 0039_patient_search_keys: name search in one index scan, however many words a beginning
-- matches.
--
-- 0026 expanded each typed word into every dictionary word it begins ("ha": 700 words at a
-- million patients) and asked the GIN index on the patients' words for any of them: the GIN
-- scan's cost grows with the number of keys, and such a search took 300 ms. Now each patient's
-- words are indexed with their beginnings: "amina" gives the keys "=amina" (the word) and
-- ">am", ">ami", ">amin", ">amina" (its beginnings of 2 letters or more). A typed word is then
-- the key ">w" (every word it begins, the exact word included) plus "=t" for each word one typo
-- away: a handful of keys. The index is an expression index: no column is added, the stored
-- words stay the truth, and nothing else has to keep it up to date.
BEGIN;

CREATE OR REPLACE FUNCTION chelal_search_keys(words text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT k), '{}')
      FROM pg_catalog.unnest(words) AS w,
           LATERAL (SELECT '=' OPERATOR(pg_catalog.||) w
                    UNION ALL
                    SELECT '>' OPERATOR(pg_catalog.||) pg_catalog.left(w, n)
                      FROM pg_catalog.generate_series(2, pg_catalog.length(w)) AS n) AS x (k)
$$;

CREATE INDEX IF NOT EXISTS idx_patientsearch_keys ON core_patientsearch USING gin (chelal_search_keys(words));

-- Replaced: the words' own index (every beginning is now a key of the new one) and the
-- dictionary's prefix index (beginnings are no longer looked up in the dictionary).
DROP INDEX IF EXISTS idx_patientsearch_words;
DROP INDEX IF EXISTS idx_nameword_prefix;

COMMIT;
