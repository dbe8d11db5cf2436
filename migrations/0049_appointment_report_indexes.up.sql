-- 0049_appointment_report_indexes: the appointments report reads its period's appointments
-- and their encounters from indexes alone (issue 19).
--
-- idx_appointment_report holds what the report counts (status, walk-in) and what the waits
-- need (doctor, check-in), so the period's appointments are an index-only range scan (the
-- plain idx_appointment_date made one heap visit per appointment: 333,000 for a year at full
-- scale). The encounter of an appointment is found by the unique index on appointment_id,
-- which now carries the encounter's opening time (the wait's end): the same one index, with
-- no heap visit.
BEGIN;

CREATE INDEX IF NOT EXISTS idx_appointment_report
    ON core_appointment (date) INCLUDE (status, walk_in, doctor_id, checked_in_at, id);
CREATE UNIQUE INDEX IF NOT EXISTS idx_encounter_appointment_wait
    ON core_encounter (appointment_id) INCLUDE (created_at);
DROP INDEX IF EXISTS idx_encounter_appointment;

COMMIT;
