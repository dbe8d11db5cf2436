-- Back to one live appointment per doctor, date and time for walk-ins too. It fails if two
-- walk-ins of one doctor share a second: cancel one of them first.
BEGIN;
DROP INDEX IF EXISTS core_appointment_doctor_slot_key;
CREATE UNIQUE INDEX core_appointment_doctor_slot_key ON core_appointment (doctor_id, date, time)
    WHERE status <> 'cancelled';
ALTER TABLE core_appointment DROP COLUMN IF EXISTS walk_in;
DROP INDEX IF EXISTS idx_payment_user_idempotency_key;
CREATE UNIQUE INDEX IF NOT EXISTS idx_payment_idempotency_key ON core_payment (idempotency_key) WHERE idempotency_key IS NOT NULL;
DROP TABLE IF EXISTS core_idempotency_key;
COMMIT;
