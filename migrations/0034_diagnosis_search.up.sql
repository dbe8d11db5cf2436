-- 0034_diagnosis_search: what the coded diagnoses of 0031 need to be searched and edited.
--  * core_icd10code.search: the code (with and without its dot) and every title, lower case
--    and without accents (unaccent is not immutable, so the column is written by the loader,
--    internal/db/icd10.go, instead of being an expression). The word search (with typos) runs
--    over it in memory (internal/diagnoses/index.go): a trigram index was measured slower.
--  * core_icd10source: the checksum of the bundled list last loaded, so that start-up loads it
--    only when the bundled file changed.
--  * core_encounterdiagnosis gets the version bookkeeping every edited table has (chelal_touch),
--    and its changes become live events of kind 'diagnosis'.
BEGIN;

ALTER TABLE core_icd10code ADD COLUMN IF NOT EXISTS search text NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS idx_icd10code_prefix ON core_icd10code (code text_pattern_ops);

CREATE TABLE IF NOT EXISTS core_icd10source (
    id         integer PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    sha256     text NOT NULL,
    codes      integer NOT NULL,
    loaded_at  timestamptz NOT NULL DEFAULT now()
);

DROP TRIGGER IF EXISTS chelal_touch ON core_encounterdiagnosis;
CREATE TRIGGER chelal_touch BEFORE UPDATE ON core_encounterdiagnosis
    FOR EACH ROW EXECUTE FUNCTION chelal_touch();

CREATE OR REPLACE FUNCTION chelal_event_kind(model text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE model
        WHEN 'core_patient' THEN 'patient'
        WHEN 'core_appointment' THEN 'appointment'
        WHEN 'core_encounter' THEN 'encounter'
        WHEN 'core_encounteraddendum' THEN 'encounter'
        WHEN 'core_encounterdiagnosis' THEN 'diagnosis'
        WHEN 'core_diagnosisfavourite' THEN 'diagnosis'
        WHEN 'core_vitals' THEN 'vitals'
        WHEN 'core_prescription' THEN 'prescription'
        WHEN 'core_dispense' THEN 'dispense'
        WHEN 'core_medicationitem' THEN 'stock'
        WHEN 'core_medicationcategory' THEN 'stock'
        WHEN 'core_stockbatch' THEN 'stock'
        WHEN 'core_stockalert' THEN 'stock'
        WHEN 'core_inventoryitem' THEN 'stock'
        WHEN 'core_bill' THEN 'bill'
        WHEN 'core_billitem' THEN 'bill'
        WHEN 'core_payment' THEN 'bill'
        WHEN 'core_servicecatalog' THEN 'service'
        WHEN 'core_notification' THEN 'notification'
        WHEN 'core_setting' THEN 'settings'
        WHEN 'auth_user' THEN 'user'
        WHEN 'core_role' THEN 'role'
        WHEN 'core_rolepermission' THEN 'role'
        WHEN 'core_telemedicinesession' THEN 'appointment'
        WHEN 'core_displaytoken' THEN 'display'
        WHEN 'core_laborder' THEN 'lab'
        WHEN 'core_labresult' THEN 'lab'
        WHEN 'core_labtest' THEN 'lab_test'
        WHEN 'core_labpanelmember' THEN 'lab_test'
    END
$$;

COMMIT;
