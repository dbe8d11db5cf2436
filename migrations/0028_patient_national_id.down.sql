ALTER TABLE core_patient DROP COLUMN IF EXISTS national_id;
