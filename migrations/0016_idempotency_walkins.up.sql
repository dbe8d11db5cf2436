-- 0016_idempotency_walkins: retries never duplicate.
--
-- core_idempotency_key keeps, per user and Idempotency-Key, the answer of a create request
-- (patient registration, appointments and walk-ins, bills, encounters, payments), so that a
-- retry gets the same answer instead of a second record. A row with no status is a request
-- still running; the server fills status, headers and body when it succeeds and deletes the
-- row when it fails (a failed request changed nothing, so its retry runs again). Keys are
-- kept 24 hours.
--
-- Walk-ins are marked, and the one-appointment-per-slot rule (core_appointment_doctor_slot_key)
-- no longer covers them: a walk-in is checked in at the second it arrives and takes no
-- bookable slot, so two walk-ins for one doctor in the same second, or a walk-in arriving on a
-- booked slot's minute, do not collide. Earlier walk-ins are left unmarked: they are in the
-- past, where nothing is booked any more, and marking them would rewrite audited rows.
BEGIN;

CREATE TABLE IF NOT EXISTS core_idempotency_key (
    user_id      integer NOT NULL REFERENCES auth_user (id) ON DELETE CASCADE,
    key          varchar(100) NOT NULL,
    -- SHA-256 of the method, the path and the body: the same key with another request is refused.
    request_hash bytea NOT NULL,
    status       smallint,
    headers      jsonb,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, key),
    CONSTRAINT core_idempotency_key_key_check CHECK (btrim(key) <> ''),
    CONSTRAINT core_idempotency_key_status_check CHECK (status IS NULL OR status BETWEEN 200 AND 299)
);
CREATE INDEX IF NOT EXISTS idx_idempotency_key_created ON core_idempotency_key (created_at);

-- A payment's own Idempotency-Key (kept with the payment, checked in its transaction) is the
-- user's too, like every key: another cashier's key of the same spelling is another payment.
DROP INDEX IF EXISTS idx_payment_idempotency_key;
CREATE UNIQUE INDEX IF NOT EXISTS idx_payment_user_idempotency_key ON core_payment (received_by, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE core_appointment ADD COLUMN IF NOT EXISTS walk_in boolean NOT NULL DEFAULT false;
DROP INDEX IF EXISTS core_appointment_doctor_slot_key;
CREATE UNIQUE INDEX core_appointment_doctor_slot_key ON core_appointment (doctor_id, date, time)
    WHERE status <> 'cancelled' AND NOT walk_in;

COMMIT;
