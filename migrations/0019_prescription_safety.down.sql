BEGIN;
DROP INDEX IF EXISTS idx_prescription_undispensed;
CREATE INDEX idx_prescription_undispensed ON core_prescription (created_at)
    WHERE dispensed_quantity < quantity;
DROP INDEX IF EXISTS idx_prescription_linked_by;
DROP INDEX IF EXISTS idx_prescription_returned_by;
DROP INDEX IF EXISTS idx_prescription_discontinued_by;
ALTER TABLE core_prescription
    DROP CONSTRAINT IF EXISTS core_prescription_return_reason_length,
    DROP CONSTRAINT IF EXISTS core_prescription_return_reason_check,
    DROP CONSTRAINT IF EXISTS core_prescription_discontinue_reason_length,
    DROP CONSTRAINT IF EXISTS core_prescription_discontinue_reason_check,
    DROP COLUMN IF EXISTS linked_by,
    DROP COLUMN IF EXISTS linked_at,
    DROP COLUMN IF EXISTS return_reason,
    DROP COLUMN IF EXISTS returned_by,
    DROP COLUMN IF EXISTS returned_at,
    DROP COLUMN IF EXISTS discontinue_reason,
    DROP COLUMN IF EXISTS discontinued_by,
    DROP COLUMN IF EXISTS discontinued_at;
COMMIT;
