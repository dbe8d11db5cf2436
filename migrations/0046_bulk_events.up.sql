-- 0046_bulk_events: the live events of a statement's audit rows are written by one statement
-- trigger (issue 23).
--
-- 0024's chelal_publish_event was a row trigger of core_auditlog: per audit row one trigger
-- call, one core_event insert and one NOTIFY. A statement that writes many audit rows at once
-- (0037's statement triggers: a spreadsheet import writes 2,000 patients a statement) paid that
-- per row, and every instance then heard, parsed and fanned out one notification per patient.
-- Now one statement trigger over the statement's new audit rows (a transition table) writes
-- their core_event rows with one INSERT ... SELECT, the same rows with the same values as 0024
-- (the kind from core_eventkind, 0031; a bill's lines and payments are changes of the bill; an
-- addendum one of its encounter; the version of the row; a notification's user), in the order
-- of the audit rows. Then:
--   * up to chelal_event_notify_max events (every ordinary change: its audit row is written
--     alone, by chelal_audit): one NOTIFY per event, the payload 0024 sent; what streams receive
--     is unchanged;
--   * more: one NOTIFY {"c": how many, "i": the last event's id, "r": whether a user or a role
--     changed} that tells each listening instance to have its streams catch up from the table
--     (internal/events), as after a lost connection; a stream that missed more than it resends
--     is told to refetch everything.
-- 0024's function stays defined: the down migration puts its row trigger back.
--
-- The undo of an import deletes its patients (and their old record numbers) with one statement
-- each: their audit rows are now written like 0037's inserts, by a statement trigger over the
-- deleted rows (chelal_audit_delete: one 'delete' row {"old": row} per row, the same values as
-- chelal_audit's), so that their events go out as one statement's too. Updates keep the row
-- trigger.
BEGIN;

-- chelal_audit_delete is chelal_audit's delete half as a statement trigger, in the order of the
-- rows (the trigger's arguments add secret columns, as chelal_audit's do).
CREATE OR REPLACE FUNCTION chelal_audit_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_secret text[] := ARRAY['password', 'two_factor_secret'] || TG_ARGV;
BEGIN
    INSERT INTO core_auditlog (user_id, action, model_name, object_id, changes, ip_address)
    SELECT NULLIF(current_setting('chelal.user_id', true), '')::integer,
           'delete',
           TG_TABLE_NAME,
           (r ->> 'id')::integer,
           jsonb_build_object('old', CASE WHEN r ?| v_secret THEN chelal_audit_redact(r, v_secret) ELSE r END),
           NULLIF(current_setting('chelal.client_ip', true), '')::inet
      FROM (SELECT to_jsonb(o) AS r FROM chelal_old_rows o) x;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS chelal_audit ON core_patient;
CREATE TRIGGER chelal_audit AFTER UPDATE ON core_patient FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP TRIGGER IF EXISTS chelal_audit_delete ON core_patient;
CREATE TRIGGER chelal_audit_delete AFTER DELETE ON core_patient REFERENCING OLD TABLE AS chelal_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_audit_delete();
DROP TRIGGER IF EXISTS chelal_audit ON core_patientalias;
CREATE TRIGGER chelal_audit AFTER UPDATE ON core_patientalias FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP TRIGGER IF EXISTS chelal_audit_delete ON core_patientalias;
CREATE TRIGGER chelal_audit_delete AFTER DELETE ON core_patientalias REFERENCING OLD TABLE AS chelal_old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_audit_delete();

-- chelal_event_notify_max is the most events a statement announces one by one.
CREATE OR REPLACE FUNCTION chelal_event_notify_max() RETURNS integer
LANGUAGE sql IMMUTABLE AS $$ SELECT 100 $$;

CREATE OR REPLACE FUNCTION chelal_publish_events() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_n bigint;
    v_last bigint;
    v_access boolean;
    v_payloads text[];
    v_payload text;
BEGIN
    WITH a AS (
        -- Application rows (logins, chart views, denied requests) are not changes.
        SELECT n.id, k.kind, n.action, n.model_name, n.object_id, n.user_id, n."timestamp",
               coalesce(n.changes -> 'new', n.changes -> 'old', '{}'::jsonb) AS r
          FROM chelal_new_audit n
          JOIN core_eventkind k ON k.model = n.model_name
         WHERE n.action IN ('create', 'update', 'delete')),
    e AS (
        SELECT a.*,
               CASE
                   -- a bill's lines and payments are changes of the bill
                   WHEN a.model_name = 'core_billitem' THEN
                       coalesce((a.r ->> 'bill_id')::integer,
                                (SELECT bill_id FROM core_billitem WHERE id = a.object_id), a.object_id)
                   WHEN a.model_name = 'core_payment' THEN
                       coalesce((a.r ->> 'bill_id')::integer,
                                (SELECT bill_id FROM core_payment WHERE id = a.object_id), a.object_id)
                   WHEN a.model_name = 'core_encounteraddendum' THEN
                       coalesce((a.r ->> 'encounter_id')::integer, a.object_id)
                   ELSE a.object_id
               END AS entity
          FROM a),
    ins AS (
        INSERT INTO core_event (kind, entity_id, version, action, actor_id, user_id, created_at)
        SELECT e.kind, e.entity,
               CASE
                   WHEN e.model_name IN ('core_billitem', 'core_payment') THEN
                       (SELECT version FROM core_bill WHERE id = e.entity)
                   WHEN e.model_name = 'core_encounteraddendum' THEN NULL
                   WHEN e.action = 'create' THEN (e.r ->> 'version')::integer
                   -- the audit row leaves version out of an update's diff: read the row's new one
                   WHEN e.action = 'update' THEN
                       CASE e.model_name
                           WHEN 'core_patient' THEN (SELECT version FROM core_patient WHERE id = e.entity)
                           WHEN 'core_appointment' THEN (SELECT version FROM core_appointment WHERE id = e.entity)
                           WHEN 'core_encounter' THEN (SELECT version FROM core_encounter WHERE id = e.entity)
                           WHEN 'core_prescription' THEN (SELECT version FROM core_prescription WHERE id = e.entity)
                           WHEN 'core_bill' THEN (SELECT version FROM core_bill WHERE id = e.entity)
                           WHEN 'core_setting' THEN (SELECT version FROM core_setting WHERE id = e.entity)
                           WHEN 'auth_user' THEN (SELECT version FROM auth_user WHERE id = e.entity)
                       END
               END,
               e.action, e.user_id,
               CASE WHEN e.model_name = 'core_notification' THEN
                   coalesce((e.r ->> 'user_id')::integer,
                            (SELECT user_id FROM core_notification WHERE id = e.object_id))
               END,
               e."timestamp"
          FROM e
         ORDER BY e.id
        RETURNING id, kind, entity_id, version, action, actor_id, user_id, created_at)
    SELECT count(*), max(ins.id), coalesce(bool_or(ins.kind IN ('user', 'role')), false),
           -- the payloads of the first events only: more are announced as one catch-up
           (SELECT array_agg(json_build_object(
                       'i', f.id, 'k', f.kind, 'e', f.entity_id, 'v', f.version, 'a', f.action,
                       'b', f.actor_id, 'u', f.user_id,
                       'n', (SELECT nullif(btrim(concat_ws(' ', u.first_name, u.last_name)), '')
                               FROM auth_user u WHERE u.id = f.actor_id),
                       't', floor(extract(epoch FROM f.created_at) * 1000)::bigint)::text ORDER BY f.id)
              FROM (SELECT * FROM ins LIMIT chelal_event_notify_max() + 1) f)
      INTO v_n, v_last, v_access, v_payloads
      FROM ins;
    IF v_n = 0 THEN
        RETURN NULL;
    ELSIF v_n <= chelal_event_notify_max() THEN
        FOREACH v_payload IN ARRAY v_payloads LOOP
            PERFORM pg_notify('chelal_events', v_payload);
        END LOOP;
    ELSE
        PERFORM pg_notify('chelal_events', json_build_object('c', v_n, 'i', v_last, 'r', v_access)::text);
    END IF;
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS chelal_publish_event ON core_auditlog;
DROP TRIGGER IF EXISTS chelal_publish_events ON core_auditlog;
CREATE TRIGGER chelal_publish_events AFTER INSERT ON core_auditlog REFERENCING NEW TABLE AS chelal_new_audit
    FOR EACH STATEMENT EXECUTE FUNCTION chelal_publish_events();

COMMIT;
