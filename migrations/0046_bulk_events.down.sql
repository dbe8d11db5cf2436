BEGIN;
DROP TRIGGER IF EXISTS chelal_audit_delete ON core_patientalias;
DROP TRIGGER IF EXISTS chelal_audit ON core_patientalias;
CREATE TRIGGER chelal_audit AFTER UPDATE OR DELETE ON core_patientalias FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP TRIGGER IF EXISTS chelal_audit_delete ON core_patient;
DROP TRIGGER IF EXISTS chelal_audit ON core_patient;
CREATE TRIGGER chelal_audit AFTER UPDATE OR DELETE ON core_patient FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP FUNCTION IF EXISTS chelal_audit_delete();
DROP TRIGGER IF EXISTS chelal_publish_events ON core_auditlog;
DROP FUNCTION IF EXISTS chelal_publish_events();
DROP FUNCTION IF EXISTS chelal_event_notify_max();
DROP TRIGGER IF EXISTS chelal_publish_event ON core_auditlog;
CREATE TRIGGER chelal_publish_event AFTER INSERT ON core_auditlog
    FOR EACH ROW EXECUTE FUNCTION chelal_publish_event();
COMMIT;
