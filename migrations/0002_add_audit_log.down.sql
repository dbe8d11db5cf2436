-- 0002_add_audit_log down: removes the audit triggers from 0001's tables, then the log itself
-- (DROP TABLE does not fire its append-only triggers) and the functions.
BEGIN;

DROP TRIGGER IF EXISTS chelal_audit ON core_vitals;
DROP TRIGGER IF EXISTS chelal_audit ON core_prescription;
DROP TRIGGER IF EXISTS chelal_audit ON core_encounter;
DROP TRIGGER IF EXISTS chelal_audit ON core_appointment;
DROP TRIGGER IF EXISTS chelal_audit ON core_patient;
DROP TRIGGER IF EXISTS chelal_audit ON auth_user;
DROP TRIGGER IF EXISTS chelal_audit ON core_role;

DROP TABLE IF EXISTS core_auditlog;

DROP FUNCTION IF EXISTS chelal_audit();
DROP FUNCTION IF EXISTS chelal_audit_redact(jsonb, text[]);
DROP FUNCTION IF EXISTS chelal_auditlog_append_only();

COMMIT;
