-- 0024_events: the live events every screen listens to (GET /api/v1/events). Each change that
-- writes an audit row (the chelal_audit triggers, in the change's own transaction) also writes
-- one core_event row and NOTIFYs channel chelal_events with it: an event exists exactly when its
-- change commits (no event for a rolled-back change), every domain is covered by this one
-- touch point, and every chelal instance on the database hears it (LISTEN). The table keeps
-- events for a short window so that a stream that reconnects resumes (Last-Event-ID); the
-- instances prune it. An event says what changed (kind, id, version), never the content.
BEGIN;

CREATE TABLE IF NOT EXISTS core_event (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        varchar(40) NOT NULL,
    entity_id   integer NOT NULL,
    version     integer,
    action      varchar(20) NOT NULL,
    -- who made the change (NULL: the system), for "changed by X"
    actor_id    integer,
    -- the one user the event is for (a notification); NULL: every user whose role may read the kind
    user_id     integer,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS idx_event_created ON core_event (created_at);

-- chelal_event_kind maps an audited table to the event kind the UI knows (NULL: no event).
CREATE OR REPLACE FUNCTION chelal_event_kind(model text) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE model
        WHEN 'core_patient' THEN 'patient'
        WHEN 'core_appointment' THEN 'appointment'
        WHEN 'core_encounter' THEN 'encounter'
        WHEN 'core_encounteraddendum' THEN 'encounter'
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
    END
$$;

-- chelal_publish_event is the AFTER INSERT trigger of core_auditlog: the audit row of a
-- change becomes an event. Application rows (logins, chart views, denied requests) are not
-- changes and publish nothing.
CREATE OR REPLACE FUNCTION chelal_publish_event() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_kind text := chelal_event_kind(NEW.model_name);
    v_row jsonb;
    v_entity integer := NEW.object_id;
    v_version integer;
    v_user integer;
    v_id bigint;
BEGIN
    IF v_kind IS NULL OR NEW.action NOT IN ('create', 'update', 'delete') THEN
        RETURN NULL;
    END IF;
    v_row := coalesce(NEW.changes -> 'new', NEW.changes -> 'old', '{}'::jsonb);
    IF NEW.model_name IN ('core_billitem', 'core_payment') THEN
        -- a bill's lines and payments are changes of the bill
        v_entity := coalesce((v_row ->> 'bill_id')::integer,
                             (SELECT bill_id FROM core_billitem WHERE id = NEW.object_id AND NEW.model_name = 'core_billitem'),
                             (SELECT bill_id FROM core_payment WHERE id = NEW.object_id AND NEW.model_name = 'core_payment'),
                             NEW.object_id);
        SELECT version INTO v_version FROM core_bill WHERE id = v_entity;
    ELSIF NEW.model_name = 'core_encounteraddendum' THEN
        v_entity := coalesce((v_row ->> 'encounter_id')::integer, NEW.object_id);
    ELSIF NEW.action = 'create' THEN
        v_version := (v_row ->> 'version')::integer;
    ELSIF NEW.action = 'update' THEN
        -- the audit row leaves version out of an update's diff: read the row's new one
        CASE NEW.model_name
            WHEN 'core_patient' THEN SELECT version INTO v_version FROM core_patient WHERE id = v_entity;
            WHEN 'core_appointment' THEN SELECT version INTO v_version FROM core_appointment WHERE id = v_entity;
            WHEN 'core_encounter' THEN SELECT version INTO v_version FROM core_encounter WHERE id = v_entity;
            WHEN 'core_prescription' THEN SELECT version INTO v_version FROM core_prescription WHERE id = v_entity;
            WHEN 'core_bill' THEN SELECT version INTO v_version FROM core_bill WHERE id = v_entity;
            WHEN 'core_setting' THEN SELECT version INTO v_version FROM core_setting WHERE id = v_entity;
            WHEN 'auth_user' THEN SELECT version INTO v_version FROM auth_user WHERE id = v_entity;
            ELSE NULL;
        END CASE;
    END IF;
    IF NEW.model_name = 'core_notification' THEN
        v_user := coalesce((v_row ->> 'user_id')::integer,
                           (SELECT user_id FROM core_notification WHERE id = NEW.object_id));
    END IF;
    INSERT INTO core_event (kind, entity_id, version, action, actor_id, user_id, created_at)
    VALUES (v_kind, v_entity, v_version, NEW.action, NEW.user_id, v_user, NEW."timestamp")
    RETURNING id INTO v_id;
    PERFORM pg_notify('chelal_events', json_build_object(
        'i', v_id, 'k', v_kind, 'e', v_entity, 'v', v_version, 'a', NEW.action,
        'b', NEW.user_id, 'u', v_user,
        'n', (SELECT nullif(btrim(concat_ws(' ', first_name, last_name)), '') FROM auth_user WHERE id = NEW.user_id),
        't', floor(extract(epoch FROM NEW."timestamp") * 1000)::bigint)::text);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS chelal_publish_event ON core_auditlog;
CREATE TRIGGER chelal_publish_event AFTER INSERT ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION chelal_publish_event();

-- chelal_session_ended tells every instance that a user's session ended (logout, deactivation,
-- a password change, an expired session swept): their streams check their session at once and
-- close if it is gone.
CREATE OR REPLACE FUNCTION chelal_session_ended() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('chelal_events', json_build_object('s', OLD.user_id)::text);
    RETURN NULL;
END
$$;

DROP TRIGGER IF EXISTS chelal_session_ended ON core_session;
CREATE TRIGGER chelal_session_ended AFTER DELETE ON core_session
    FOR EACH ROW EXECUTE FUNCTION chelal_session_ended();

COMMIT;
