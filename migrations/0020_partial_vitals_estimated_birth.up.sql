-- 0020_partial_vitals_estimated_birth: a nurse may record only the measures she took (a weight
-- at a well-baby visit, a temperature at triage): the six vitals the seed made NOT NULL become
-- optional, and a reading must hold at least one measure. A patient whose birth date is unknown
-- is registered by age: the derived date is kept with birth_date_estimated = true, so that the
-- chart says "about 34 years" and nobody takes the date for a fact.
BEGIN;

ALTER TABLE core_vitals
    ALTER COLUMN systolic_bp DROP NOT NULL,
    ALTER COLUMN diastolic_bp DROP NOT NULL,
    ALTER COLUMN heart_rate DROP NOT NULL,
    ALTER COLUMN respiratory_rate DROP NOT NULL,
    ALTER COLUMN temperature DROP NOT NULL,
    ALTER COLUMN oxygen_saturation DROP NOT NULL;
ALTER TABLE core_vitals DROP CONSTRAINT IF EXISTS core_vitals_some_measure;
ALTER TABLE core_vitals ADD CONSTRAINT core_vitals_some_measure
    CHECK (num_nonnulls(systolic_bp, diastolic_bp, heart_rate, respiratory_rate, temperature, oxygen_saturation, height, weight) > 0);

ALTER TABLE core_patient ADD COLUMN IF NOT EXISTS birth_date_estimated boolean NOT NULL DEFAULT false;

COMMIT;
