BEGIN;
DROP TRIGGER IF EXISTS chelal_appointment_status_at ON core_appointment;
DROP FUNCTION IF EXISTS chelal_appointment_status_at();
ALTER TABLE core_appointment DROP COLUMN IF EXISTS status_changed_at;
DROP INDEX IF EXISTS core_appointment_patient_doctor_day_key;
COMMIT;
