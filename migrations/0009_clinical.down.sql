BEGIN;
DROP INDEX IF EXISTS idx_prescription_undispensed;
DROP INDEX IF EXISTS idx_prescription_medication;
ALTER TABLE core_prescription
    DROP CONSTRAINT IF EXISTS core_prescription_allergy_override_check,
    DROP CONSTRAINT IF EXISTS core_prescription_instructions_length,
    DROP CONSTRAINT IF EXISTS core_prescription_dispensed_quantity_check,
    DROP CONSTRAINT IF EXISTS core_prescription_quantity_check,
    DROP COLUMN IF EXISTS allergy_override_reason,
    DROP COLUMN IF EXISTS allergy_warning,
    DROP COLUMN IF EXISTS dispensed_quantity,
    DROP COLUMN IF EXISTS instructions,
    DROP COLUMN IF EXISTS quantity,
    DROP COLUMN IF EXISTS duration,
    DROP COLUMN IF EXISTS medication_id;
DROP INDEX IF EXISTS idx_vitals_recorded_by;
ALTER TABLE core_vitals DROP COLUMN IF EXISTS recorded_by;
DROP TABLE IF EXISTS core_encounteraddendum;
DROP FUNCTION IF EXISTS chelal_append_only();
DROP TRIGGER IF EXISTS chelal_encounter_sealed ON core_encounter;
DROP FUNCTION IF EXISTS chelal_encounter_sealed();
DROP INDEX IF EXISTS idx_encounter_open_doctor;
DROP INDEX IF EXISTS idx_encounter_appointment;
CREATE INDEX idx_encounter_appointment ON core_encounter (appointment_id);
ALTER TABLE core_encounter
    DROP CONSTRAINT IF EXISTS core_encounter_diagnosis_length,
    DROP CONSTRAINT IF EXISTS core_encounter_notes_length,
    DROP CONSTRAINT IF EXISTS core_encounter_closed_notes_check,
    DROP CONSTRAINT IF EXISTS core_encounter_closed_at_check,
    DROP CONSTRAINT IF EXISTS core_encounter_status_check,
    DROP COLUMN IF EXISTS closed_at,
    DROP COLUMN IF EXISTS status;
COMMIT;
