-- 0001_initial down: drops the core tables in reverse dependency order. No CASCADE: if a later
-- migration's objects still depend on them, this fails loudly instead of dropping them.
--
-- The extensions stay: they may have been created by a server administrator before Chelal (and
-- be used by others in this database), they hold no Chelal data, and the up migration creates
-- them with IF NOT EXISTS, so down-then-up works either way.
BEGIN;

DROP TABLE IF EXISTS core_vitals;
DROP TABLE IF EXISTS core_prescription;
DROP TABLE IF EXISTS core_encounter;
DROP TABLE IF EXISTS core_appointment;
DROP TABLE IF EXISTS core_patient;
DROP TABLE IF EXISTS auth_user;
DROP TABLE IF EXISTS core_role;
DROP FUNCTION IF EXISTS chelal_touch();

COMMIT;
