BEGIN;
ALTER TABLE core_idempotency_key DROP COLUMN IF EXISTS applied_at, DROP COLUMN IF EXISTS ended_at;
COMMIT;
