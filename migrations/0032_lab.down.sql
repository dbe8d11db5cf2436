BEGIN;
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
