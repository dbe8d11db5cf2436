BEGIN;
DROP TRIGGER IF EXISTS chelal_session_ended ON core_session;
DROP FUNCTION IF EXISTS chelal_session_ended();
DROP TRIGGER IF EXISTS chelal_publish_event ON core_auditlog;
DROP FUNCTION IF EXISTS chelal_publish_event();
DROP FUNCTION IF EXISTS chelal_event_kind(text);
DROP TABLE IF EXISTS core_event;
COMMIT;
