BEGIN;
DROP TABLE IF EXISTS core_patientsearch_log;
DROP FUNCTION IF EXISTS chelal_patientsearch_log() CASCADE;
COMMIT;
