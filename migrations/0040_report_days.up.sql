BEGIN;

-- Per-day cache of the reports' aggregates (internal/reports/daycache.go): one row per report
-- kind, time zone, age bands and local day, filled on demand for past days. A row is deleted
-- by the triggers below in the same transaction as any change to a row it counts, so a cached
-- day always equals the plain query over that day.
CREATE TABLE IF NOT EXISTS core_reportday (
    kind        text        NOT NULL,
    zone        text        NOT NULL,
    bands       text        NOT NULL,
    day         date        NOT NULL,
    day_start   timestamptz NOT NULL,
    day_end     timestamptz NOT NULL,
    items       jsonb       NOT NULL,
    computed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, zone, bands, day)
);
CREATE INDEX IF NOT EXISTS core_reportday_start ON core_reportday (day_start);

-- Writers take this lock shared before they change a counted row; the cache's filler takes it
-- exclusively, so it never stores a day computed while a change was in flight.
CREATE OR REPLACE FUNCTION chelal_reportday_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(7340040);
    RETURN NULL;
END $$;

-- chelal_reportday_forget deletes the cached days (every kind and zone) holding one of the
-- instants ts.
CREATE OR REPLACE FUNCTION chelal_reportday_forget(ts timestamptz[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM core_reportday r USING (SELECT DISTINCT unnest(ts) AS t) x
     WHERE r.day_start <= x.t AND r.day_start > x.t - interval '2 days' AND r.day_end > x.t
$$;

-- An encounter added, changed or removed: every day of its patient's encounters (new and
-- repeat visits move with it), and its own old and new days.
CREATE OR REPLACE FUNCTION chelal_reportday_encounter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT e.created_at FROM core_encounter e WHERE e.patient_id IN (SELECT patient_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT created_at FROM old_rows UNION
            SELECT e.created_at FROM core_encounter e WHERE e.patient_id IN (SELECT patient_id FROM old_rows)));
    ELSE
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT created_at FROM old_rows UNION
            SELECT e.created_at FROM core_encounter e
             WHERE e.patient_id IN (SELECT patient_id FROM old_rows UNION SELECT patient_id FROM new_rows)));
    END IF;
    RETURN NULL;
END $$;

-- A coded diagnosis added, changed or removed: its encounter's day.
CREATE OR REPLACE FUNCTION chelal_reportday_diagnosis() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT e.created_at FROM core_encounter e WHERE e.id IN (SELECT encounter_id FROM new_rows)));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT e.created_at FROM core_encounter e WHERE e.id IN (SELECT encounter_id FROM old_rows)));
    ELSE
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT e.created_at FROM core_encounter e
             WHERE e.id IN (SELECT encounter_id FROM old_rows UNION SELECT encounter_id FROM new_rows)));
    END IF;
    RETURN NULL;
END $$;

-- A patient's birth date or sex corrected: every day of their encounters.
CREATE OR REPLACE FUNCTION chelal_reportday_patient() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM chelal_reportday_forget(ARRAY(
        SELECT e.created_at FROM core_encounter e WHERE e.patient_id IN (
            SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE o.date_of_birth IS DISTINCT FROM n.date_of_birth OR o.gender IS DISTINCT FROM n.gender)));
    RETURN NULL;
END $$;

-- A payment or a bill line added, changed or removed: its old and new days.
CREATE OR REPLACE FUNCTION chelal_reportday_money() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'core_payment' THEN
        IF TG_OP = 'INSERT' THEN
            PERFORM chelal_reportday_forget(ARRAY(SELECT payment_date FROM new_rows));
        ELSIF TG_OP = 'DELETE' THEN
            PERFORM chelal_reportday_forget(ARRAY(SELECT payment_date FROM old_rows));
        ELSE
            PERFORM chelal_reportday_forget(ARRAY(SELECT payment_date FROM old_rows UNION SELECT payment_date FROM new_rows));
        END IF;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM chelal_reportday_forget(ARRAY(SELECT created_at FROM new_rows));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chelal_reportday_forget(ARRAY(SELECT created_at FROM old_rows));
    ELSE
        PERFORM chelal_reportday_forget(ARRAY(SELECT created_at FROM old_rows UNION SELECT created_at FROM new_rows));
    END IF;
    RETURN NULL;
END $$;

-- A bill cancelled (or no longer): every day of its lines.
CREATE OR REPLACE FUNCTION chelal_reportday_bill() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM chelal_reportday_forget(ARRAY(
        SELECT i.created_at FROM core_billitem i WHERE i.bill_id IN (
            SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id
             WHERE (o.status = 'cancelled') IS DISTINCT FROM (n.status = 'cancelled'))));
    RETURN NULL;
END $$;

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['core_encounter', 'core_encounterdiagnosis', 'core_patient', 'core_payment',
                             'core_billitem', 'core_bill'] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS chelal_reportday_lock ON %I', t);
        EXECUTE format('CREATE TRIGGER chelal_reportday_lock BEFORE INSERT OR UPDATE OR DELETE ON %I
            FOR EACH STATEMENT EXECUTE FUNCTION chelal_reportday_lock()', t);
    END LOOP;
END $$;

DROP TRIGGER IF EXISTS chelal_reportday_upd ON core_patient;
CREATE TRIGGER chelal_reportday_upd AFTER UPDATE ON core_patient REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_reportday_patient();

-- Insert, update and delete triggers of each table and its function.
DO $$
DECLARE
    t text[];
BEGIN
    FOREACH t SLICE 1 IN ARRAY ARRAY[['core_encounter', 'chelal_reportday_encounter'],
                                     ['core_encounterdiagnosis', 'chelal_reportday_diagnosis'],
                                     ['core_payment', 'chelal_reportday_money'],
                                     ['core_billitem', 'chelal_reportday_money']] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS chelal_reportday_ins ON %I', t[1]);
        EXECUTE format('CREATE TRIGGER chelal_reportday_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %I()', t[1], t[2]);
        EXECUTE format('DROP TRIGGER IF EXISTS chelal_reportday_upd ON %I', t[1]);
        EXECUTE format('CREATE TRIGGER chelal_reportday_upd AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %I()', t[1], t[2]);
        EXECUTE format('DROP TRIGGER IF EXISTS chelal_reportday_del ON %I', t[1]);
        EXECUTE format('CREATE TRIGGER chelal_reportday_del AFTER DELETE ON %I REFERENCING OLD TABLE AS old_rows
            FOR EACH STATEMENT EXECUTE FUNCTION %I()', t[1], t[2]);
    END LOOP;
END $$;
DROP TRIGGER IF EXISTS chelal_reportday_upd ON core_bill;
CREATE TRIGGER chelal_reportday_upd AFTER UPDATE ON core_bill REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_reportday_bill();

COMMIT;
