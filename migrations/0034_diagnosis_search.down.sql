BEGIN;
DELETE FROM core_eventkind WHERE model IN ('core_encounterdiagnosis', 'core_diagnosisfavourite');
DROP TRIGGER IF EXISTS chelal_touch ON core_encounterdiagnosis;
DROP TABLE IF EXISTS core_icd10source;
DROP INDEX IF EXISTS idx_icd10code_prefix;
ALTER TABLE core_icd10code DROP COLUMN IF EXISTS search;
COMMIT;
