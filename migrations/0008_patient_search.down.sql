BEGIN;
DROP INDEX IF EXISTS idx_appointment_queue;
ALTER TABLE core_appointment
    DROP CONSTRAINT IF EXISTS core_appointment_checked_in_at_required,
    DROP CONSTRAINT IF EXISTS core_appointment_cancel_reason_required,
    DROP CONSTRAINT IF EXISTS core_appointment_reason_length,
    DROP COLUMN IF EXISTS checked_in_at,
    DROP COLUMN IF EXISTS cancel_reason,
    DROP COLUMN IF EXISTS reason;
DROP INDEX IF EXISTS idx_patient_dob;
DROP TRIGGER IF EXISTS chelal_patient_search ON core_patient;
DROP FUNCTION IF EXISTS chelal_patient_search_sync();
DROP TABLE IF EXISTS core_patientsearch; -- and its indexes
DROP FUNCTION IF EXISTS chelal_digits(text);
DROP FUNCTION IF EXISTS chelal_patient_name(text, text);
DROP SEQUENCE IF EXISTS core_patient_mrn_seq;
DROP FUNCTION IF EXISTS chelal_unaccent(text);
COMMIT;
