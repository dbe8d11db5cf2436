-- 0034_diagnosis_search: what the coded diagnoses of 0031 need to be searched and edited.
--  * core_icd10code.search: the code (with and without its dot) and every title, lower case
--    and without accents (unaccent is not immutable, so the column is written by the loader,
--    internal/db/icd10.go, instead of being an expression). The word search (with typos) runs
--    over it in memory (internal/diagnoses/index.go): a trigram index was measured slower.
--  * core_icd10source: the checksum of the bundled list last loaded, so that start-up loads it
--    only when the bundled file changed.
--  * core_encounterdiagnosis gets the version bookkeeping every edited table has (chelal_touch),
--    and its changes become live events of kind 'diagnosis'.
BEGIN;

ALTER TABLE core_icd10code ADD COLUMN IF NOT EXISTS search text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS idx_icd10code_prefix ON core_icd10code (code text_pattern_ops);

CREATE TABLE IF NOT EXISTS core_icd10source (
    id         integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    sha256     text NOT NULL,
    codes      integer NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

DROP TRIGGER IF EXISTS chelal_touch ON core_encounterdiagnosis;
CREATE TRIGGER chelal_touch BEFORE UPDATE ON core_encounterdiagnosis
    FOR EACH ROW EXECUTE FUNCTION chelal_touch();

INSERT INTO core_eventkind (model, kind) VALUES
    ('core_encounterdiagnosis', 'diagnosis'),
    ('core_diagnosisfavourite', 'diagnosis')
ON CONFLICT (model) DO UPDATE SET kind = EXCLUDED.kind;

COMMIT;
