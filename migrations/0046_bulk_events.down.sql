BEGIN;
DROP TRIGGER IF EXISTS chelal_publish_events ON core_auditlog;
DROP FUNCTION IF EXISTS chelal_publish_events();
DROP FUNCTION IF EXISTS chelal_event_notify_max();
DROP TRIGGER IF EXISTS chelal_publish_event ON core_auditlog;
CREATE TRIGGER chelal_publish_event AFTER INSERT ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION chelal_publish_event();
COMMIT;
