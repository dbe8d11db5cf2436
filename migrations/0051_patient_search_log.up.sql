-- 0051_patient_search_log: the name search's index in memory, kept exact.
--
-- A name search at a million patients spent most of its PostgreSQL time merging the GIN
-- index's posting lists (bench/patients/NOTES.md). Each Chelal instance now keeps the patients'
-- name words and last visits in memory as of a snapshot of the database (pg_current_snapshot),
-- intersects the typed words' patients there, and reads from PostgreSQL only the page's rows
-- (internal/patients/nameindex.go).
--
-- What changed since the snapshot is read at each search from this log: every insert, delete,
-- change of the words or of the last visit of core_patientsearch writes the patient's id with
-- the writing transaction's id, in that transaction. The rows of the log not visible in the
-- snapshot are exactly the changes the memory lacks (whatever order transactions commit in), so
-- a search answers as the database does now, on every instance. patient_id 0 stands for every
-- patient (a TRUNCATE): the memory is built again.
--
-- The log is read by the id of the transaction (a B-tree on xid8) and emptied of rows older
-- than a day, hourly, by a scan (a day of changes is small; no second index to keep at each
-- write); an index in memory not brought forward for an hour is built again.
BEGIN;

CREATE TABLE IF NOT EXISTS core_patientsearch_log (
    xid        xid8        NOT NULL DEFAULT pg_current_xact_id(),
    patient_id integer     NOT NULL, -- no foreign key: a deleted patient's id is logged too
    at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_patientsearch_log_xid ON core_patientsearch_log (xid);

CREATE OR REPLACE FUNCTION chelal_patientsearch_log() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_LEVEL = 'STATEMENT' THEN -- TRUNCATE
        INSERT INTO core_patientsearch_log (patient_id) VALUES (0);
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO core_patientsearch_log (patient_id) VALUES (OLD.patient_id);
    ELSE
        INSERT INTO core_patientsearch_log (patient_id) VALUES (NEW.patient_id);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS chelal_patientsearch_log ON core_patientsearch;
CREATE TRIGGER chelal_patientsearch_log AFTER INSERT OR DELETE ON core_patientsearch
    FOR EACH ROW EXECUTE FUNCTION chelal_patientsearch_log();
DROP TRIGGER IF EXISTS chelal_patientsearch_log_update ON core_patientsearch;
CREATE TRIGGER chelal_patientsearch_log_update AFTER UPDATE ON core_patientsearch
    FOR EACH ROW WHEN (OLD.words IS DISTINCT FROM NEW.words OR OLD.last_visit_at IS DISTINCT FROM NEW.last_visit_at)
    EXECUTE FUNCTION chelal_patientsearch_log();
DROP TRIGGER IF EXISTS chelal_patientsearch_log_truncate ON core_patientsearch;
CREATE TRIGGER chelal_patientsearch_log_truncate AFTER TRUNCATE ON core_patientsearch
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_patientsearch_log();

COMMIT;
