BEGIN;
CREATE OR REPLACE FUNCTION chelal_patient_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_patientsearch (patient_id, name, id_digits, phone_digits)
    VALUES (NEW.id, chelal_patient_name(NEW.first_name, NEW.last_name), chelal_digits(NEW.unique_id), chelal_digits(NEW.contact_info))
    ON CONFLICT (patient_id) DO UPDATE
       SET name = EXCLUDED.name, id_digits = EXCLUDED.id_digits, phone_digits = EXCLUDED.phone_digits;
    RETURN NULL;
END
$$;
DROP TABLE IF EXISTS core_nameword;
DROP INDEX IF EXISTS idx_patientsearch_words;
ALTER TABLE core_patientsearch DROP COLUMN IF EXISTS words;
DROP FUNCTION IF EXISTS chelal_name_words(text);
COMMIT;
