-- Going back needs every reading complete again: readings with a missing measure must be
-- completed or removed by hand first (the ALTER fails on them, and nothing is changed).
BEGIN;
ALTER TABLE core_patient DROP COLUMN IF EXISTS birth_date_estimated;
ALTER TABLE core_vitals DROP CONSTRAINT IF EXISTS core_vitals_some_measure;
ALTER TABLE core_vitals
    ALTER COLUMN systolic_bp SET NOT NULL,
    ALTER COLUMN diastolic_bp SET NOT NULL,
    ALTER COLUMN heart_rate SET NOT NULL,
    ALTER COLUMN respiratory_rate SET NOT NULL,
    ALTER COLUMN temperature SET NOT NULL,
    ALTER COLUMN oxygen_saturation SET NOT NULL;
COMMIT;
