-- 0039_patient_search_keys: name search in one index scan, however many words a beginning
-- matches.
--
-- 0026 expanded each typed word into every dictionary word it begins ("ha": 700 words at a
-- million patients) and each dictionary word one typo away, and asked the GIN index on the
-- patients' words for any of them: a GIN scan costs about its keys times their patients, and
-- such a search took 300 ms. Now each patient's words are indexed with their beginnings and
-- their one-typo variants (0026's chelal_word_variants: the word and its one-letter
-- deletions): "amina" gives ">am", ">ami", ">amin", ">amina" and "~amina", "~mina", "~aina",
-- "~amna", "~amia", "~amin". A typed word w is then the key ">w" (every word it begins, the exact
-- word included) and, from 4 letters, "~v" for each variant v of w (two words are one typo
-- apart when they share a variant): at most 2 + its length keys, however many words match, and
-- no dictionary lookup. The index is an expression index: no column is added, the stored words
-- stay the truth, and nothing else has to keep it up to date.
BEGIN;

CREATE OR REPLACE FUNCTION chelal_search_keys(words text[]) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(pg_catalog.array_agg(DISTINCT k), '{}')
      FROM pg_catalog.unnest(words) AS w,
           LATERAL (SELECT '>' OPERATOR(pg_catalog.||) pg_catalog.left(w, n)
                      FROM pg_catalog.generate_series(2, pg_catalog.length(w)) AS n
                    UNION ALL -- chelal_word_variants(w), written out: maintenance runs with search_path pg_catalog
                    SELECT '~' OPERATOR(pg_catalog.||) w WHERE pg_catalog.length(w) >= 3
                    UNION ALL
                    SELECT '~' OPERATOR(pg_catalog.||) pg_catalog.left(w, n - 1) OPERATOR(pg_catalog.||) pg_catalog.substr(w, n + 1)
                      FROM pg_catalog.generate_series(1, pg_catalog.length(w)) AS n
                     WHERE pg_catalog.length(w) >= 4) AS x (k)
$$;

CREATE INDEX IF NOT EXISTS idx_patientsearch_keys ON core_patientsearch USING gin (chelal_search_keys(words));

-- Replaced: the words' own index (every beginning is now a key of the new one) and the
-- dictionary's prefix index (beginnings are no longer looked up in the dictionary).
DROP INDEX IF EXISTS idx_patientsearch_words;
DROP INDEX IF EXISTS idx_nameword_prefix;

COMMIT;
