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

-- Search expressions, indexed (expression indexes rather than generated columns: the row and
-- its audit trail hold only what people entered): names lower-cased without accents, and the
-- digits of the record number and of the contact information (phone numbers typed with
-- spaces, dashes or a +). Queries must use exactly these expressions (patients.searchName...).
CREATE FUNCTION chelal_patient_name(first_name text, last_name text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT public.chelal_unaccent(pg_catalog.lower(first_name || ' ' || last_name)) $$;
CREATE FUNCTION chelal_digits(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT pg_catalog.regexp_replace(coalesce(t, ''), '[^0-9]', '', 'g') $$;

CREATE INDEX idx_patient_search_name ON core_patient USING gin (chelal_patient_name(first_name, last_name) public.gin_trgm_ops);
CREATE INDEX idx_patient_unique_digits ON core_patient USING gin (chelal_digits(unique_id) gin_trgm_ops);
CREATE INDEX idx_patient_contact_digits ON core_patient USING gin (chelal_digits(contact_info) gin_trgm_ops);
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
