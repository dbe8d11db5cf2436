-- 0019_prescription_safety: a prescription can leave the dispensing queue for good without
-- being dispensed. The doctor discontinues it (a reason, also after the encounter is closed:
-- the trigger sealing a closed encounter covers core_encounter only, and this is an act of its
-- own, audited like every change of core_prescription); the pharmacist sends it back to the
-- prescriber (a reason), or links a free-text one to the catalog medication it names.
BEGIN;
ALTER TABLE core_prescription
    ADD COLUMN IF NOT EXISTS discontinued_at    timestamptz,
    -- RESTRICT: who stopped a treatment is part of the record.
    ADD COLUMN IF NOT EXISTS discontinued_by    integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    ADD COLUMN IF NOT EXISTS discontinue_reason text,
    ADD COLUMN IF NOT EXISTS returned_at        timestamptz,
    -- RESTRICT: who sent a prescription back is part of the record.
    ADD COLUMN IF NOT EXISTS returned_by        integer REFERENCES auth_user (id) ON DELETE RESTRICT,
    ADD COLUMN IF NOT EXISTS return_reason      text,
    ADD COLUMN IF NOT EXISTS linked_at          timestamptz,
    -- RESTRICT: who chose the catalog medication for a free-text prescription is part of the record.
    ADD COLUMN IF NOT EXISTS linked_by          integer REFERENCES auth_user (id) ON DELETE RESTRICT;
ALTER TABLE core_prescription
    DROP CONSTRAINT IF EXISTS core_prescription_discontinue_reason_check,
    ADD CONSTRAINT core_prescription_discontinue_reason_check
        CHECK (discontinued_at IS NULL OR btrim(coalesce(discontinue_reason, '')) <> ''),
    DROP CONSTRAINT IF EXISTS core_prescription_discontinue_reason_length,
    ADD CONSTRAINT core_prescription_discontinue_reason_length CHECK (length(discontinue_reason) <= 1000),
    DROP CONSTRAINT IF EXISTS core_prescription_return_reason_check,
    ADD CONSTRAINT core_prescription_return_reason_check
        CHECK (returned_at IS NULL OR btrim(coalesce(return_reason, '')) <> ''),
    DROP CONSTRAINT IF EXISTS core_prescription_return_reason_length,
    ADD CONSTRAINT core_prescription_return_reason_length CHECK (length(return_reason) <= 1000);
CREATE INDEX IF NOT EXISTS idx_prescription_discontinued_by ON core_prescription (discontinued_by);
CREATE INDEX IF NOT EXISTS idx_prescription_returned_by ON core_prescription (returned_by);
CREATE INDEX IF NOT EXISTS idx_prescription_linked_by ON core_prescription (linked_by);
-- The pharmacy's queue: prescriptions that may still be dispensed.
DROP INDEX IF EXISTS idx_prescription_undispensed;
CREATE INDEX idx_prescription_undispensed ON core_prescription (created_at)
    WHERE dispensed_quantity < quantity AND discontinued_at IS NULL AND returned_at IS NULL;
COMMIT;
