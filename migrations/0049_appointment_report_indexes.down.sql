BEGIN;
CREATE UNIQUE INDEX IF NOT EXISTS idx_encounter_appointment ON core_encounter (appointment_id);
DROP INDEX IF EXISTS idx_encounter_appointment_wait;
DROP INDEX IF EXISTS idx_appointment_report;
COMMIT;
