BEGIN;
DELETE FROM core_eventkind WHERE model IN ('core_laborder', 'core_labresult', 'core_labtest', 'core_labpanelmember');

ALTER TABLE core_billitem DROP CONSTRAINT IF EXISTS core_billitem_source_check;
ALTER TABLE core_billitem ADD CONSTRAINT core_billitem_source_check CHECK (
    (source IS NULL) = (source_id IS NULL) AND (source IS NULL OR source IN ('encounter', 'dispense'))) NOT VALID; -- lab lines already charged stay
DROP TABLE IF EXISTS core_labresultamendment;
DROP TABLE IF EXISTS core_labresult;
DROP TABLE IF EXISTS core_laborderitem;
DROP TABLE IF EXISTS core_laborder;
DROP TABLE IF EXISTS core_labpanelmember;
DROP TABLE IF EXISTS core_labtest;
DELETE FROM core_rolepermission WHERE permission IN ('lab.read', 'lab.write', 'lab.order');
DELETE FROM core_rolepermission WHERE role_id IN (SELECT id FROM core_role WHERE name = 'lab');
DELETE FROM core_role WHERE name = 'lab' AND NOT EXISTS (SELECT 1 FROM auth_user u WHERE u.role_id = core_role.id);
COMMIT;
