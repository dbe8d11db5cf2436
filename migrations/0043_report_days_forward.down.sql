BEGIN;

DELETE FROM core_reportday WHERE kind LIKE '%/month';
CREATE OR REPLACE FUNCTION chelal_reportday_forget(ts timestamptz[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM core_reportday r USING (SELECT DISTINCT unnest(ts) AS t) x
     WHERE r.day_start <= x.t AND r.day_start > x.t - interval '2 days' AND r.day_end > x.t
$$;

-- 0040's function: every day of the patients' encounters.
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

COMMIT;
