-- 0008_patient_search: what registration, search and the daily schedule need: medical record
-- numbers from a sequence, accent- and typo-tolerant search columns with trigram indexes, and
-- the appointment's reason, cancellation reason and arrival time (the reception queue).
BEGIN;

-- unaccent() is only STABLE (its dictionary could change); an index needs IMMUTABLE. The
-- dictionary is fixed by name here, which makes this wrapper safe to index.
CREATE FUNCTION chelal_unaccent(text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT public.unaccent('public.unaccent'::regdictionary, $1) $$;

-- The number part of medical record numbers (CHL-000123-7): never reused, never rolled back
-- into a duplicate.
CREATE SEQUENCE core_patient_mrn_seq AS bigint START 1;

-- What search compares, computed once per change rather than once per candidate row at every
-- search (unaccent is too slow for that at a million patients), in a table of its own so that
-- the patient row and its audit trail hold only what people entered: the name lower-cased
-- without accents, and the digits of the record number and of the contact information (phone
-- numbers typed with spaces, dashes or a +). A trigger keeps it in step with core_patient.
CREATE FUNCTION chelal_patient_name(first_name text, last_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT public.chelal_unaccent(pg_catalog.lower(first_name || ' ' || last_name)) $$;
CREATE FUNCTION chelal_digits(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.regexp_replace(coalesce(t, ''), '[^0-9]', '', 'g') $$;

CREATE TABLE core_patientsearch (
    -- CASCADE: derived data of the patient row, with no meaning of its own.
    patient_id   integer PRIMARY KEY REFERENCES core_patient (id) ON DELETE CASCADE,
    name         text NOT NULL, -- "first last"
    id_digits    text NOT NULL,
    phone_digits text NOT NULL
);
CREATE INDEX idx_patientsearch_name ON core_patientsearch USING gin (name gin_trgm_ops);
CREATE INDEX idx_patientsearch_id_digits ON core_patientsearch USING gin (id_digits gin_trgm_ops);
CREATE INDEX idx_patientsearch_phone_digits ON core_patientsearch USING gin (phone_digits gin_trgm_ops);
-- A phone number is mostly typed whole or by its end, with or without the leading 0 or the
-- country code: a suffix match, which a B-tree on the reversed digits answers at once.
CREATE INDEX idx_patientsearch_phone_suffix ON core_patientsearch (reverse(phone_digits) text_pattern_ops);

CREATE FUNCTION chelal_patient_search_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO core_patientsearch (patient_id, name, id_digits, phone_digits)
    VALUES (NEW.id, chelal_patient_name(NEW.first_name, NEW.last_name), chelal_digits(NEW.unique_id), chelal_digits(NEW.contact_info))
    ON CONFLICT (patient_id) DO UPDATE
       SET name = EXCLUDED.name, id_digits = EXCLUDED.id_digits, phone_digits = EXCLUDED.phone_digits;
    RETURN NULL;
END
$$;
CREATE TRIGGER chelal_patient_search AFTER INSERT OR UPDATE OF first_name, last_name, unique_id, contact_info
    ON core_patient FOR EACH ROW EXECUTE FUNCTION chelal_patient_search_sync();
INSERT INTO core_patientsearch (patient_id, name, id_digits, phone_digits)
SELECT id, chelal_patient_name(first_name, last_name), chelal_digits(unique_id), chelal_digits(contact_info) FROM core_patient;

-- Duplicate check at registration: same date of birth.
CREATE INDEX idx_patient_dob ON core_patient (date_of_birth);

ALTER TABLE core_appointment
    ADD COLUMN reason        text,
    ADD COLUMN cancel_reason text,
    ADD COLUMN checked_in_at timestamptz,
    ADD CONSTRAINT core_appointment_reason_length CHECK (length(reason) <= 1000),
    ADD CONSTRAINT core_appointment_cancel_reason_required
        CHECK (status <> 'cancelled' OR btrim(coalesce(cancel_reason, '')) <> ''),
    ADD CONSTRAINT core_appointment_checked_in_at_required
        CHECK (status NOT IN ('checked_in', 'in_progress', 'completed') OR checked_in_at IS NOT NULL);
-- The reception queue: today's checked-in patients in arrival order.
CREATE INDEX idx_appointment_queue ON core_appointment (date, checked_in_at) WHERE status = 'checked_in';

COMMIT;
