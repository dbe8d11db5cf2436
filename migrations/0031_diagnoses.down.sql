BEGIN;
DROP TABLE IF EXISTS core_diagnosisfavourite;
DROP TABLE IF EXISTS core_encounterdiagnosis;
DROP FUNCTION IF EXISTS chelal_encounterdiagnosis_patient();
DROP TABLE IF EXISTS core_icd10code;
COMMIT;
