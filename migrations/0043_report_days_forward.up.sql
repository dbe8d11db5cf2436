BEGIN;

-- Whether a visit is new or repeat depends only on the patient's earlier encounters, so an
-- encounter added, moved or removed changes the reports' days at and after it, not before:
-- its trigger forgets the patient's days from the earliest instant concerned on, instead of
-- all of them (0040). A visit recorded today then forgets no closed day.
CREATE OR REPLACE FUNCTION chelal_reportday_encounter() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT e.created_at FROM core_encounter e
              JOIN (SELECT patient_id, min(created_at) AS t FROM new_rows GROUP BY patient_id) c
                ON c.patient_id = e.patient_id AND e.created_at >= c.t));
    ELSIF TG_OP = 'DELETE' THEN
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT created_at FROM old_rows UNION
            SELECT e.created_at FROM core_encounter e
              JOIN (SELECT patient_id, min(created_at) AS t FROM old_rows GROUP BY patient_id) c
                ON c.patient_id = e.patient_id AND e.created_at >= c.t));
    ELSE
        PERFORM chelal_reportday_forget(ARRAY(
            SELECT created_at FROM old_rows UNION
            SELECT e.created_at FROM core_encounter e
              JOIN (SELECT patient_id, min(t) AS t FROM (
                      SELECT o.patient_id, least(o.created_at, n.created_at) AS t FROM old_rows o JOIN new_rows n ON n.id = o.id
                      UNION ALL
                      SELECT n.patient_id, least(o.created_at, n.created_at) FROM old_rows o JOIN new_rows n ON n.id = o.id) x
                     GROUP BY patient_id) c
                ON c.patient_id = e.patient_id AND e.created_at >= c.t));
    END IF;
    RETURN NULL;
END $$;

-- A summing kind's closed months are cached too (kind '<kind>/month', day its first day, the
-- sum of its days: daycache.go): a change forgets the month holding its instant as well.
CREATE OR REPLACE FUNCTION chelal_reportday_forget(ts timestamptz[]) RETURNS void LANGUAGE sql AS $$
    DELETE FROM core_reportday r USING (SELECT DISTINCT unnest(ts) AS t) x
     WHERE r.day_start <= x.t AND r.day_start > x.t - interval '2 days' AND r.day_end > x.t;
    DELETE FROM core_reportday r USING (SELECT DISTINCT unnest(ts) AS t) x
     WHERE r.kind LIKE '%/month' AND r.day_start <= x.t AND r.day_start > x.t - interval '32 days' AND r.day_end > x.t;
$$;

COMMIT;
