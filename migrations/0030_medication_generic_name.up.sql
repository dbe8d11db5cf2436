-- 0030_medication_generic_name: a catalog medication's generic name (INN), e.g. "Augmentin"
-- is amoxicillin/clavulanate. The seed's catalog has a name and a category only, so a clinic
-- that stocks a brand had no place for the substance, and the allergy check of a prescription
-- could not see that "Augmentin" is amoxicillin. Optional (NULL when unknown); the allergy check
-- matches the patient's allergies against it as against the name, and the catalog search finds
-- it. The index serves that search and a lookup by generic name (lower-cased, as typed).
BEGIN;

ALTER TABLE core_medicationitem ADD COLUMN IF NOT EXISTS generic_name text;

ALTER TABLE core_medicationitem DROP CONSTRAINT IF EXISTS core_medicationitem_generic_name_check;
ALTER TABLE core_medicationitem ADD CONSTRAINT core_medicationitem_generic_name_check
    CHECK (generic_name IS NULL OR (btrim(generic_name) <> '' AND length(generic_name) <= 255));

CREATE INDEX IF NOT EXISTS idx_medicationitem_generic_name
    ON core_medicationitem (lower(generic_name)) WHERE generic_name IS NOT NULL;

COMMIT;
