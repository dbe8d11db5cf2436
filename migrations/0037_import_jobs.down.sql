BEGIN;
DROP TRIGGER IF EXISTS chelal_nameword_variants ON core_nameword;
CREATE TRIGGER chelal_nameword_variants AFTER INSERT ON core_nameword
    FOR EACH ROW EXECUTE FUNCTION chelal_nameword_variants();
DROP FUNCTION IF EXISTS chelal_nameword_variants_insert();
DROP TRIGGER IF EXISTS chelal_patient_search_insert ON core_patient;
DROP TRIGGER IF EXISTS chelal_patient_search ON core_patient;
CREATE TRIGGER chelal_patient_search AFTER INSERT OR UPDATE OF first_name, last_name, unique_id, contact_info
    ON core_patient FOR EACH ROW EXECUTE FUNCTION chelal_patient_search_sync();
DROP TRIGGER IF EXISTS chelal_audit_insert ON core_patientalias;
DROP TRIGGER IF EXISTS chelal_audit ON core_patientalias;
CREATE TRIGGER chelal_audit AFTER INSERT OR UPDATE OR DELETE ON core_patientalias FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP TRIGGER IF EXISTS chelal_audit_insert ON core_patient;
DROP TRIGGER IF EXISTS chelal_audit ON core_patient;
CREATE TRIGGER chelal_audit AFTER INSERT OR UPDATE OR DELETE ON core_patient FOR EACH ROW EXECUTE FUNCTION chelal_audit();
DROP FUNCTION IF EXISTS chelal_patient_search_insert();
DROP FUNCTION IF EXISTS chelal_audit_insert();
DROP TABLE IF EXISTS core_importjob;
COMMIT;
