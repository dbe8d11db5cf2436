-- 0023_visit_states: one visit per patient, doctor and clinic day; when a visit's status began.
--
-- A patient checked in twice for the same doctor on the same day (two desks, a double click,
-- a walk-in for a patient who was booked) would wait in the queue twice. The partial unique
-- index refuses a second live visit (checked in or in consultation), walk-ins included; the API
-- answers 409 with the existing visit. The clinic day is the appointment's date column: a
-- booking's date and a walk-in's check-in date are both the clinic's local date (the clinic's
-- time zone setting), so no time zone arithmetic is needed in the index.
--
-- status_changed_at is when the appointment's status last changed (set by a trigger, whoever
-- changes it): the queue's "waiting since" for a patient with the doctor. Earlier rows are left
-- NULL (the queue falls back to updated_at): filling it would rewrite audited rows.
--
-- Going up fails (and changes nothing) if a patient already has two live visits with one
-- doctor on one day: cancel one of them first.
BEGIN;

CREATE UNIQUE INDEX IF NOT EXISTS core_appointment_patient_doctor_day_key
    ON core_appointment (patient_id, doctor_id, date)
    WHERE status IN ('checked_in', 'in_progress');

ALTER TABLE core_appointment ADD COLUMN IF NOT EXISTS status_changed_at timestamptz;

CREATE OR REPLACE FUNCTION chelal_appointment_status_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR NEW.status IS DISTINCT FROM OLD.status THEN
        NEW.status_changed_at := now();
    END IF;
    RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS chelal_appointment_status_at ON core_appointment;
CREATE TRIGGER chelal_appointment_status_at BEFORE INSERT OR UPDATE ON core_appointment
    FOR EACH ROW EXECUTE FUNCTION chelal_appointment_status_at();

COMMIT;
